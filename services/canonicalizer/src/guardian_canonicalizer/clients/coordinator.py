"""The canonicalizer's view of the coordinator: the lease, the worker reads and the fenced writes.

Any failure to get an answer raises `CoordinatorUnavailable`; outcomes the worker must act on
(`STALE_LEASE`, `NOT_CANDIDATE`, `STALE_BASE`) come back as `WriteResult` values.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian_canonicalizer.domain.deltas import Kind, StoredDelta, delta_from_status
from guardian_common.grpc_client import internal_channel

log = logging.getLogger(__name__)
T = TypeVar("T")
PAGE = 500

KIND_TO_PB = {
    Kind.CANDIDATE: pb.DELTA_KIND_CANDIDATE,
    Kind.CANONICAL: pb.DELTA_KIND_CANONICAL,
    Kind.RETAINED: pb.DELTA_KIND_RETAINED,
    Kind.DISCARDED: pb.DELTA_KIND_DISCARDED,
}
PB_TO_KIND = {v: k for k, v in KIND_TO_PB.items()}


class CoordinatorUnavailable(Exception):
    """The coordinator (or its database) gave no answer; nothing is known to have been written."""


class WriteResult(StrEnum):
    APPLIED = "applied"
    STALE_LEASE = "stale_lease"
    NOT_CANDIDATE = "not_candidate"
    STALE_BASE = "stale_base"


_RESULTS = {
    pb.WRITE_OUTCOME_APPLIED: WriteResult.APPLIED,
    pb.WRITE_OUTCOME_STALE_LEASE: WriteResult.STALE_LEASE,
    pb.WRITE_OUTCOME_NOT_CANDIDATE: WriteResult.NOT_CANDIDATE,
    pb.WRITE_OUTCOME_STALE_BASE: WriteResult.STALE_BASE,
}


@dataclass(frozen=True)
class HeldLease:
    name: str
    holder_id: str
    fence_token: int
    expires_at: datetime  # database clock
    acquired_at: datetime  # database clock: expires_at - ttl of the call that returned it

    def message(self) -> pb.Lease:
        return pb.Lease(name=self.name, holder_id=self.holder_id, fence_token=self.fence_token)


@dataclass(frozen=True)
class StoredState:
    state: dict[str, Any]
    commitment: str


def _ms(seconds: float) -> int:
    """A duration for the wire: whole milliseconds, at least 1."""
    return max(1, round(seconds * 1000))


def _time(ts: Any) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def delta_of(message: pb.Delta) -> StoredDelta:
    return delta_from_status(
        account_id=message.account_id,
        nonce=message.nonce,
        prev_commitment=message.prev_commitment,
        new_commitment=message.new_commitment,
        kind=PB_TO_KIND.get(message.status_kind, Kind.CANDIDATE),
        status_at=_time(message.status_timestamp),
        status_json=message.status_json,
    )


class CoordinatorClient:
    def __init__(self, target: str, internal_token: str | None, deadline_seconds: float) -> None:
        self._channel = internal_channel(target, internal_token)
        self._deadline = deadline_seconds
        self.coordination = pb_grpc.CoordinationStub(self._channel)
        self._leases = pb_grpc.LeasesStub(self._channel)
        self._custody = pb_grpc.CustodyStub(self._channel)

    async def close(self) -> None:
        await self._channel.close(None)

    async def _call(self, what: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except grpc.aio.AioRpcError as exc:
            raise CoordinatorUnavailable(f"{what}: {exc.code().name} {exc.details()}") from None

    async def describe(self) -> pb.DescribeResponse:
        return await self._call(
            "Describe", self.coordination.Describe(pb.DescribeRequest(), timeout=self._deadline)
        )

    # --- lease -------------------------------------------------------------------------------------

    async def acquire(self, name: str, holder_id: str, ttl_seconds: float) -> HeldLease | None:
        ttl_ms = _ms(ttl_seconds)
        request = pb.AcquireRequest(name=name, holder_id=holder_id, ttl_ms=ttl_ms)
        response: pb.AcquireResponse = await self._call(
            "Leases.Acquire", self._leases.Acquire(request, timeout=self._deadline)
        )
        if not response.acquired:
            return None
        expires = _time(response.lease.expires_at)
        return HeldLease(
            name=response.lease.name,
            holder_id=response.lease.holder_id,
            fence_token=response.lease.fence_token,
            expires_at=expires,
            acquired_at=expires - timedelta(milliseconds=ttl_ms),
        )

    async def renew(self, lease: HeldLease, ttl_seconds: float) -> datetime | None:
        request = pb.RenewRequest(lease=lease.message(), ttl_ms=_ms(ttl_seconds))
        response: pb.RenewResponse = await self._call(
            "Leases.Renew", self._leases.Renew(request, timeout=self._deadline)
        )
        return _time(response.expires_at) if response.held else None

    async def release(self, lease: HeldLease) -> None:
        await self._call(
            "Leases.Release",
            self._leases.Release(pb.ReleaseRequest(lease=lease.message()), timeout=self._deadline),
        )

    # --- reads -------------------------------------------------------------------------------------

    async def pending_accounts(self, after: str) -> tuple[list[str], bool]:
        request = pb.ListPendingAccountsRequest(limit=PAGE, after_account_id=after)
        response: pb.ListAccountIdsResponse = await self._call(
            "Custody.ListPendingAccounts", self._custody.ListPendingAccounts(request, timeout=self._deadline)
        )
        return list(response.account_ids), response.has_more

    async def candidates(self, account_id: str) -> list[StoredDelta]:
        request = pb.ListCandidatesRequest(account_id=account_id)
        response: pb.ListDeltasResponse = await self._call(
            "Custody.ListCandidates", self._custody.ListCandidates(request, timeout=self._deadline)
        )
        return [delta_of(d) for d in response.deltas]

    async def recent_candidates(
        self, window_seconds: float, limit: int, after: tuple[datetime, str, int] | None
    ) -> tuple[list[StoredDelta], bool]:
        request = pb.ListRecentCandidatesRequest(window_ms=_ms(window_seconds), limit=limit)
        if after is not None:
            request.after.status_timestamp.FromDatetime(after[0])
            request.after.account_id = after[1]
            request.after.nonce = after[2]
        response: pb.ListDeltasResponse = await self._call(
            "Custody.ListRecentCandidates",
            self._custody.ListRecentCandidates(request, timeout=self._deadline),
        )
        return [delta_of(d) for d in response.deltas], response.has_more

    async def recoverable_accounts(self, ttl_seconds: int, after: str, limit: int) -> tuple[list[str], bool]:
        request = pb.ListRecoverableAccountsRequest(
            retained_ttl_seconds=ttl_seconds, limit=limit, after_account_id=after
        )
        response: pb.ListAccountIdsResponse = await self._call(
            "Custody.ListRecoverableAccounts",
            self._custody.ListRecoverableAccounts(request, timeout=self._deadline),
        )
        return list(response.account_ids), response.has_more

    async def recoverable_deltas(self, account_id: str, ttl_seconds: int) -> list[StoredDelta]:
        request = pb.ListRecoverableDeltasRequest(account_id=account_id, retained_ttl_seconds=ttl_seconds)
        response: pb.ListDeltasResponse = await self._call(
            "Custody.ListRecoverableDeltas",
            self._custody.ListRecoverableDeltas(request, timeout=self._deadline),
        )
        return [delta_of(d) for d in response.deltas]

    async def state(self, account_id: str) -> StoredState | None:
        response: pb.GetStateResponse = await self._call(
            "Custody.GetState",
            self._custody.GetState(pb.GetStateRequest(account_id=account_id), timeout=self._deadline),
        )
        if not response.found:
            return None
        return StoredState(json.loads(response.state.state_json), response.state.commitment)

    async def payload(self, account_id: str, nonce: int) -> dict[str, Any] | None:
        response: pb.GetDeltaResponse = await self._call(
            "Custody.GetDelta",
            self._custody.GetDelta(
                pb.GetDeltaRequest(account_id=account_id, nonce=nonce), timeout=self._deadline
            ),
        )
        if not response.found:
            return None
        loaded = json.loads(response.delta.delta_payload_json)
        return loaded if isinstance(loaded, dict) else None

    # --- fenced writes -----------------------------------------------------------------------------

    async def promote(
        self,
        lease: HeldLease,
        row: StoredDelta,
        new_commitment: str,
        new_state: dict[str, Any],
    ) -> WriteResult:
        request = pb.PromoteRequest(
            lease=lease.message(),
            account_id=row.account_id,
            nonce=row.nonce,
            source_kind=KIND_TO_PB[row.kind],
            new_commitment=new_commitment,
            new_state_json=json.dumps(new_state, separators=(",", ":")),
        )
        response: pb.PromoteResponse = await self._call(
            "Custody.Promote", self._custody.Promote(request, timeout=self._deadline)
        )
        return _RESULTS.get(response.outcome, WriteResult.NOT_CANDIDATE)

    async def discard(self, lease: HeldLease, row: StoredDelta) -> WriteResult:
        request = pb.DiscardRequest(
            lease=lease.message(), account_id=row.account_id, nonce=row.nonce, kind=KIND_TO_PB[row.kind]
        )
        response: pb.DiscardResponse = await self._call(
            "Custody.Discard", self._custody.Discard(request, timeout=self._deadline)
        )
        return _RESULTS.get(response.outcome, WriteResult.NOT_CANDIDATE)

    async def update_status(
        self,
        lease: HeldLease,
        row: StoredDelta,
        *,
        new_kind: Kind,
        reason: str = "",
        retry_count: int | None = None,
        divergence_count: int | None = None,
        abandon_confirm_count: int | None = None,
    ) -> WriteResult:
        request = pb.UpdateCandidateStatusRequest(
            lease=lease.message(),
            account_id=row.account_id,
            nonce=row.nonce,
            new_kind=KIND_TO_PB[new_kind],
            reason=reason,
            retry_count=row.retry_count if retry_count is None else retry_count,
            divergence_count=row.divergence_count if divergence_count is None else divergence_count,
            abandon_confirm_count=(
                row.abandon_confirm_count if abandon_confirm_count is None else abandon_confirm_count
            ),
        )
        response: pb.UpdateCandidateStatusResponse = await self._call(
            "Custody.UpdateCandidateStatus",
            self._custody.UpdateCandidateStatus(request, timeout=self._deadline),
        )
        return _RESULTS.get(response.outcome, WriteResult.NOT_CANDIDATE)
