"""The coordinator as auth's store: implements the session, challenge and replay-floor protocols of
`domain/stores.py` over the coordinator's gRPC API.

Every failure to get an answer becomes a retryable `storage_error` envelope (a refused internal token:
`configuration_error`), so the caller fails closed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian_auth.domain.stores import (
    FloorOutcome,
    Realm,
    SignedAccountRead,
    StoredAccount,
    StoredChallenge,
    StoredSession,
    StoredState,
)
from guardian_common.envelope import ErrorEnvelope
from guardian_common.grpc_client import InternalClient, internal_channel
from guardian_common.telemetry.metrics import STORE_ERRORS

log = logging.getLogger(__name__)

_REALMS = {Realm.OPERATOR: pb.REALM_OPERATOR, Realm.EVM: pb.REALM_EVM}

# An outcome this client does not know is reported as a replay (fail closed).
_FLOOR_OUTCOMES = {
    pb.AUTH_TIMESTAMP_OUTCOME_ACCEPTED: FloorOutcome.ACCEPTED,
    pb.AUTH_TIMESTAMP_OUTCOME_REPLAY: FloorOutcome.REPLAY,
    pb.AUTH_TIMESTAMP_OUTCOME_ACCOUNT_NOT_FOUND: FloorOutcome.ACCOUNT_NOT_FOUND,
}


class CoordinatorClient(InternalClient):
    def __init__(self, target: str, internal_token: str | None, deadline_seconds: float) -> None:
        super().__init__(internal_channel(target, internal_token), deadline_seconds)
        self._coordination = pb_grpc.CoordinationStub(self.channel)
        self._sessions = pb_grpc.SessionsStub(self.channel)
        self._challenges = pb_grpc.ChallengesStub(self.channel)
        self._custody = pb_grpc.CustodyStub(self.channel)

    def map_error(self, what: str, error: grpc.aio.AioRpcError) -> Exception:
        log.warning("coordinator %s failed: %s %s", what, error.code().name, error.details())
        if error.code() == grpc.StatusCode.UNAUTHENTICATED:
            return ErrorEnvelope.of("configuration_error")
        STORE_ERRORS.labels(what).inc()
        return ErrorEnvelope.of("storage_error")

    async def describe(self) -> pb.DescribeResponse:
        return await self.call(
            "Describe", self._coordination.Describe, pb.DescribeRequest(), pb.DescribeResponse
        )

    # --- SessionStore ------------------------------------------------------------------------------

    async def insert_session(
        self, realm: Realm, digest: bytes, subject_json: str, ttl_seconds: int
    ) -> datetime:
        request = pb.InsertRequest(
            realm=_REALMS[realm], token_digest=digest, subject_json=subject_json, ttl_seconds=ttl_seconds
        )
        response = await self.call("Sessions.Insert", self._sessions.Insert, request, pb.InsertResponse)
        return response.expires_at.ToDatetime(tzinfo=UTC)

    async def get_session(self, realm: Realm, digest: bytes) -> StoredSession | None:
        request = pb.GetRequest(realm=_REALMS[realm], token_digest=digest)
        response = await self.call("Sessions.Get", self._sessions.Get, request, pb.GetResponse)
        if not response.found:
            return None
        return StoredSession(response.subject_json, response.expires_at.ToDatetime(tzinfo=UTC))

    async def revoke_session(self, realm: Realm, digest: bytes) -> bool:
        request = pb.RevokeRequest(realm=_REALMS[realm], token_digest=digest)
        response = await self.call("Sessions.Revoke", self._sessions.Revoke, request, pb.RevokeResponse)
        return response.revoked

    # --- ChallengeStore ----------------------------------------------------------------------------

    async def issue_challenge(
        self,
        realm: Realm,
        principal: str,
        key: str,
        payload_json: str,
        ttl_seconds: int,
        max_outstanding: int,
    ) -> None:
        request = pb.IssueRequest(
            realm=_REALMS[realm],
            principal=principal,
            key=key,
            payload_json=payload_json,
            ttl_seconds=ttl_seconds,
            max_outstanding=max_outstanding,
        )
        await self.call("Challenges.Issue", self._challenges.Issue, request, pb.IssueResponse)

    async def active_challenges(self, realm: Realm, principal: str) -> list[StoredChallenge]:
        request = pb.ListActiveRequest(realm=_REALMS[realm], principal=principal)
        response = await self.call(
            "Challenges.ListActive", self._challenges.ListActive, request, pb.ListActiveResponse
        )
        return [StoredChallenge(c.key, c.payload_json) for c in response.challenge]

    async def consume_challenge(self, realm: Realm, principal: str, key: str) -> bool:
        request = pb.ConsumeRequest(realm=_REALMS[realm], principal=principal, key=key)
        response = await self.call(
            "Challenges.Consume", self._challenges.Consume, request, pb.ConsumeResponse
        )
        return response.won

    # --- ReplayFloor -------------------------------------------------------------------------------

    async def advance(self, account_id: str, signer_commitment: str, timestamp_ms: int) -> FloorOutcome:
        """Custody.CheckAndAdvanceAuthTimestamp: the per-signer replay floor."""
        request = pb.CheckAndAdvanceAuthTimestampRequest(
            account_id=account_id, signer_commitment=signer_commitment, timestamp_ms=timestamp_ms
        )
        response = await self.call(
            "Custody.CheckAndAdvanceAuthTimestamp",
            self._custody.CheckAndAdvanceAuthTimestamp,
            request,
            pb.CheckAndAdvanceAuthTimestampResponse,
        )
        return _FLOOR_OUTCOMES.get(response.outcome, FloorOutcome.REPLAY)

    # --- AccountReader -----------------------------------------------------------------------------

    async def account_with_state(self, account_id: str) -> StoredAccount | None:
        """Custody.GetAccount with include_state: the account and its state in one snapshot."""
        return await self._get_account(account_id, include_state=True)

    async def account(self, account_id: str) -> StoredAccount | None:
        return await self._get_account(account_id, include_state=False)

    async def _get_account(self, account_id: str, *, include_state: bool) -> StoredAccount | None:
        request = pb.GetAccountRequest(account_id=account_id, include_state=include_state)
        response = await self.call(
            "Custody.GetAccount", self._custody.GetAccount, request, pb.GetAccountResponse
        )
        return _stored_account(response) if response.found else None

    # --- SignedReader ------------------------------------------------------------------------------

    async def read_as_signer(
        self,
        account_id: str,
        *,
        include_state: bool,
        auth_method: str,
        candidates: list[str],
        timestamp_ms: int,
    ) -> SignedAccountRead | None:
        """Custody.ReadAsSigner: the account, the signer among the candidates and its floor, in one statement."""
        request = pb.ReadAsSignerRequest(
            account_id=account_id,
            include_state=include_state,
            auth_method=auth_method,
            candidate_signers=candidates,
            timestamp_ms=timestamp_ms,
        )
        response = await self.call(
            "Custody.ReadAsSigner", self._custody.ReadAsSigner, request, pb.ReadAsSignerResponse
        )
        if not response.found:
            return None
        signer = response.signer_commitment or None
        floor = None if signer is None else _FLOOR_OUTCOMES.get(response.floor, FloorOutcome.REPLAY)
        return SignedAccountRead(_stored_account(response), signer, floor)


def _stored_account(response: pb.GetAccountResponse | pb.ReadAsSignerResponse) -> StoredAccount:
    state = None
    if response.HasField("state"):
        stored = response.state
        state = StoredState(
            stored.state_json,
            stored.commitment,
            stored.created_at.ToDatetime(tzinfo=UTC),
            stored.updated_at.ToDatetime(tzinfo=UTC),
        )
    return StoredAccount(response.account.auth_json, state)
