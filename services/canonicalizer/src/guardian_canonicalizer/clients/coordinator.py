"""The coordinator as the canonicalizer's custody store and lease service (the ports of `domain/ports.py`).

Any failure to get an answer raises the domain's `StoreUnavailable`; outcomes the worker must act on
(`STALE_LEASE`, `NOT_CANDIDATE`, `STALE_BASE`) come back as `WriteResult` values.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian_canonicalizer.domain.deltas import Kind, StoredDelta, delta_from_status
from guardian_canonicalizer.domain.ports import (
    Fence,
    HeldLease,
    Promotion,
    RecentCursor,
    StatusChange,
    StoredState,
    StoreUnavailable,
    WriteResult,
)
from guardian_common.grpc_client import InternalClient, internal_channel

log = logging.getLogger(__name__)
PAGE = 500

KIND_TO_PB = {
    Kind.CANDIDATE: pb.DELTA_KIND_CANDIDATE,
    Kind.CANONICAL: pb.DELTA_KIND_CANONICAL,
    Kind.RETAINED: pb.DELTA_KIND_RETAINED,
    Kind.DISCARDED: pb.DELTA_KIND_DISCARDED,
}
PB_TO_KIND = {v: k for k, v in KIND_TO_PB.items()}

_RESULTS = {
    pb.WRITE_OUTCOME_APPLIED: WriteResult.APPLIED,
    pb.WRITE_OUTCOME_STALE_LEASE: WriteResult.STALE_LEASE,
    pb.WRITE_OUTCOME_NOT_CANDIDATE: WriteResult.NOT_CANDIDATE,
    pb.WRITE_OUTCOME_STALE_BASE: WriteResult.STALE_BASE,
}


def _ms(seconds: float) -> int:
    """A duration for the wire: whole milliseconds, at least 1."""
    return max(1, round(seconds * 1000))


def _time(ts: Any) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def _lease(fence: Fence) -> pb.Lease:
    return pb.Lease(name=fence.lease_name, holder_id=fence.holder_id, fence_token=fence.token)


def _result(outcome: pb.WriteOutcome) -> WriteResult:
    # An outcome this client does not know is treated as "row changed": the write is skipped, never retried.
    return _RESULTS.get(outcome, WriteResult.NOT_CANDIDATE)


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


class CoordinatorClient(InternalClient):
    def __init__(self, target: str, internal_token: str | None, deadline_seconds: float) -> None:
        super().__init__(internal_channel(target, internal_token), deadline_seconds)
        self._coordination = pb_grpc.CoordinationStub(self.channel)
        self._leases = pb_grpc.LeasesStub(self.channel)
        self._custody = pb_grpc.CustodyStub(self.channel)

    def map_error(self, what: str, error: grpc.aio.AioRpcError) -> Exception:
        return StoreUnavailable(f"{what}: {error.code().name} {error.details()}")

    async def describe(self) -> pb.DescribeResponse:
        return await self.call(
            "Describe", self._coordination.Describe, pb.DescribeRequest(), pb.DescribeResponse
        )

    # --- lease -------------------------------------------------------------------------------------

    async def acquire(self, name: str, holder_id: str, ttl_seconds: float) -> HeldLease | None:
        ttl_ms = _ms(ttl_seconds)
        request = pb.AcquireRequest(name=name, holder_id=holder_id, ttl_ms=ttl_ms)
        response = await self.call("Leases.Acquire", self._leases.Acquire, request, pb.AcquireResponse)
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

    async def renew(self, fence: Fence, ttl_seconds: float) -> datetime | None:
        request = pb.RenewRequest(lease=_lease(fence), ttl_ms=_ms(ttl_seconds))
        response = await self.call("Leases.Renew", self._leases.Renew, request, pb.RenewResponse)
        return _time(response.expires_at) if response.held else None

    async def release(self, fence: Fence) -> None:
        request = pb.ReleaseRequest(lease=_lease(fence))
        await self.call("Leases.Release", self._leases.Release, request, pb.ReleaseResponse)

    # --- reads -------------------------------------------------------------------------------------

    async def pending_accounts(self, after: str) -> tuple[list[str], bool]:
        request = pb.ListPendingAccountsRequest(limit=PAGE, after_account_id=after)
        response = await self.call(
            "Custody.ListPendingAccounts",
            self._custody.ListPendingAccounts,
            request,
            pb.ListAccountIdsResponse,
        )
        return list(response.account_ids), response.has_more

    async def candidates(self, account_id: str) -> list[StoredDelta]:
        request = pb.ListCandidatesRequest(account_id=account_id)
        response = await self.call(
            "Custody.ListCandidates", self._custody.ListCandidates, request, pb.ListDeltasResponse
        )
        return [delta_of(d) for d in response.deltas]

    async def recent_candidates(
        self, window_seconds: float, limit: int, after: RecentCursor | None
    ) -> tuple[list[StoredDelta], bool]:
        request = pb.ListRecentCandidatesRequest(window_ms=_ms(window_seconds), limit=limit)
        if after is not None:
            request.after.status_timestamp.FromDatetime(after[0])
            request.after.account_id = after[1]
            request.after.nonce = after[2]
        response = await self.call(
            "Custody.ListRecentCandidates",
            self._custody.ListRecentCandidates,
            request,
            pb.ListDeltasResponse,
        )
        return [delta_of(d) for d in response.deltas], response.has_more

    async def recoverable_accounts(self, ttl_seconds: int, after: str, limit: int) -> tuple[list[str], bool]:
        request = pb.ListRecoverableAccountsRequest(
            retained_ttl_seconds=ttl_seconds, limit=limit, after_account_id=after
        )
        response = await self.call(
            "Custody.ListRecoverableAccounts",
            self._custody.ListRecoverableAccounts,
            request,
            pb.ListAccountIdsResponse,
        )
        return list(response.account_ids), response.has_more

    async def recoverable_deltas(self, account_id: str, ttl_seconds: int) -> list[StoredDelta]:
        request = pb.ListRecoverableDeltasRequest(account_id=account_id, retained_ttl_seconds=ttl_seconds)
        response = await self.call(
            "Custody.ListRecoverableDeltas",
            self._custody.ListRecoverableDeltas,
            request,
            pb.ListDeltasResponse,
        )
        return [delta_of(d) for d in response.deltas]

    async def state(self, account_id: str) -> StoredState | None:
        request = pb.GetStateRequest(account_id=account_id)
        response = await self.call("Custody.GetState", self._custody.GetState, request, pb.GetStateResponse)
        if not response.found:
            return None
        return StoredState(json.loads(response.state.state_json), response.state.commitment)

    async def payload(self, account_id: str, nonce: int) -> dict[str, Any] | None:
        request = pb.GetDeltaRequest(account_id=account_id, nonce=nonce)
        response = await self.call("Custody.GetDelta", self._custody.GetDelta, request, pb.GetDeltaResponse)
        if not response.found:
            return None
        loaded = json.loads(response.delta.delta_payload_json)
        return loaded if isinstance(loaded, dict) else None

    # --- fenced writes -----------------------------------------------------------------------------

    async def promote(self, fence: Fence, promotion: Promotion) -> WriteResult:
        row = promotion.row
        request = pb.PromoteRequest(
            lease=_lease(fence),
            account_id=row.account_id,
            nonce=row.nonce,
            source_kind=KIND_TO_PB[row.kind],
            new_commitment=promotion.new_commitment,
            new_state_json=json.dumps(promotion.new_state, separators=(",", ":")),
        )
        response = await self.call("Custody.Promote", self._custody.Promote, request, pb.PromoteResponse)
        return _result(response.outcome)

    async def discard(self, fence: Fence, row: StoredDelta) -> WriteResult:
        request = pb.DiscardRequest(
            lease=_lease(fence), account_id=row.account_id, nonce=row.nonce, kind=KIND_TO_PB[row.kind]
        )
        response = await self.call("Custody.Discard", self._custody.Discard, request, pb.DiscardResponse)
        return _result(response.outcome)

    async def update_status(self, fence: Fence, change: StatusChange) -> WriteResult:
        request = pb.UpdateCandidateStatusRequest(
            lease=_lease(fence),
            account_id=change.row.account_id,
            nonce=change.row.nonce,
            new_kind=KIND_TO_PB[change.new_kind],
            reason=change.reason,
            retry_count=change.retry_count,
            divergence_count=change.divergence_count,
            abandon_confirm_count=change.abandon_confirm_count,
        )
        response = await self.call(
            "Custody.UpdateCandidateStatus",
            self._custody.UpdateCandidateStatus,
            request,
            pb.UpdateCandidateStatusResponse,
        )
        return _result(response.outcome)
