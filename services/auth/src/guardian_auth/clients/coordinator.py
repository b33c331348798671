"""The auth service's view of the coordinator: sessions and challenges of one realm.

Every failure to get an answer becomes a retryable `storage_error` envelope: the caller fails closed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian_common.envelope import ErrorEnvelope
from guardian_common.grpc_client import internal_channel
from guardian_common.telemetry.metrics import STORE_ERRORS

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class StoredSession:
    subject_json: str
    expires_at: datetime


@dataclass(frozen=True)
class StoredChallenge:
    key: str
    payload_json: str


class CoordinatorClient:
    def __init__(self, target: str, internal_token: str | None, deadline_seconds: float) -> None:
        self._channel = internal_channel(target, internal_token)
        self._deadline = deadline_seconds
        self.coordination = pb_grpc.CoordinationStub(self._channel)
        self._sessions = pb_grpc.SessionsStub(self._channel)
        self._challenges = pb_grpc.ChallengesStub(self._channel)
        self._custody = pb_grpc.CustodyStub(self._channel)

    async def close(self) -> None:
        await self._channel.close(None)

    async def _call(self, what: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except grpc.aio.AioRpcError as exc:
            log.warning("coordinator %s failed: %s %s", what, exc.code().name, exc.details())
            if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                raise ErrorEnvelope.of("configuration_error") from None
            STORE_ERRORS.labels(what).inc()
            raise ErrorEnvelope.of("storage_error") from None

    async def describe(self) -> pb.DescribeResponse:
        return await self._call(
            "Describe", self.coordination.Describe(pb.DescribeRequest(), timeout=self._deadline)
        )

    async def insert_session(
        self, realm: pb.Realm, digest: bytes, subject_json: str, ttl_seconds: int
    ) -> datetime:
        request = pb.InsertRequest(
            realm=realm, token_digest=digest, subject_json=subject_json, ttl_seconds=ttl_seconds
        )
        response: pb.InsertResponse = await self._call(
            "Sessions.Insert", self._sessions.Insert(request, timeout=self._deadline)
        )
        return response.expires_at.ToDatetime(tzinfo=UTC)

    async def get_session(self, realm: pb.Realm, digest: bytes) -> StoredSession | None:
        request = pb.GetRequest(realm=realm, token_digest=digest)
        response = await self._call("Sessions.Get", self._sessions.Get(request, timeout=self._deadline))
        return (
            StoredSession(response.subject_json, response.expires_at.ToDatetime(tzinfo=UTC))
            if response.found
            else None
        )

    async def revoke_session(self, realm: pb.Realm, digest: bytes) -> bool:
        request = pb.RevokeRequest(realm=realm, token_digest=digest)
        response: pb.RevokeResponse = await self._call(
            "Sessions.Revoke", self._sessions.Revoke(request, timeout=self._deadline)
        )
        return response.revoked

    async def issue_challenge(
        self,
        realm: pb.Realm,
        principal: str,
        key: str,
        payload_json: str,
        ttl_seconds: int,
        max_outstanding: int,
    ) -> None:
        request = pb.IssueRequest(
            realm=realm,
            principal=principal,
            key=key,
            payload_json=payload_json,
            ttl_seconds=ttl_seconds,
            max_outstanding=max_outstanding,
        )
        await self._call("Challenges.Issue", self._challenges.Issue(request, timeout=self._deadline))

    async def active_challenges(self, realm: pb.Realm, principal: str) -> list[StoredChallenge]:
        request = pb.ListActiveRequest(realm=realm, principal=principal)
        response = await self._call(
            "Challenges.ListActive", self._challenges.ListActive(request, timeout=self._deadline)
        )
        return [StoredChallenge(c.key, c.payload_json) for c in response.challenge]

    async def consume_challenge(self, realm: pb.Realm, principal: str, key: str) -> bool:
        request = pb.ConsumeRequest(realm=realm, principal=principal, key=key)
        response: pb.ConsumeResponse = await self._call(
            "Challenges.Consume", self._challenges.Consume(request, timeout=self._deadline)
        )
        return response.won

    async def advance_auth_timestamp(self, account_id: str, signer_commitment: str, timestamp_ms: int) -> str:
        """The per-signer replay floor (Custody.CheckAndAdvanceAuthTimestamp): `accepted`, `replay` or
        `account_not_found`. An outcome this client does not know is reported as `replay` (fail closed)."""
        request = pb.CheckAndAdvanceAuthTimestampRequest(
            account_id=account_id, signer_commitment=signer_commitment, timestamp_ms=timestamp_ms
        )
        response: pb.CheckAndAdvanceAuthTimestampResponse = await self._call(
            "Custody.CheckAndAdvanceAuthTimestamp",
            self._custody.CheckAndAdvanceAuthTimestamp(request, timeout=self._deadline),
        )
        return _FLOOR_OUTCOMES.get(response.outcome, "replay")


_FLOOR_OUTCOMES = {
    pb.AUTH_TIMESTAMP_OUTCOME_ACCEPTED: "accepted",
    pb.AUTH_TIMESTAMP_OUTCOME_REPLAY: "replay",
    pb.AUTH_TIMESTAMP_OUTCOME_ACCOUNT_NOT_FOUND: "account_not_found",
}

OPERATOR_REALM = pb.REALM_OPERATOR
EVM_REALM = pb.REALM_EVM
