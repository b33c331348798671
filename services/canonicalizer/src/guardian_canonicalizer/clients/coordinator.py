"""The coordinator as the canonicalizer's `ShardWork` and `ShardLeases` (the ports of `domain/ports.py`),
over the `Canonicalization` service (protos/guardian/coordinator/v1/coordinator.proto).

Any failure to get an answer raises the domain's `StoreUnavailable`; outcomes the worker must act on
(`STALE_LEASE`, `WRONG_SHARD`, `NOT_CANDIDATE`, `STALE_BASE`) come back as `WriteResult` values.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian_canonicalizer.domain.deltas import Kind, StoredDelta, delta_from_status
from guardian_canonicalizer.domain.ports import (
    Acquired,
    Discard,
    Fence,
    HeldLease,
    Member,
    Membership,
    PassReport,
    Promotion,
    ShardHolder,
    ShardRef,
    StatusChange,
    StoreUnavailable,
    WorkItem,
    WorkMode,
    Write,
    WriteResult,
)
from guardian_common.grpc_client import InternalClient, internal_channel

KIND_TO_PB = {
    Kind.CANDIDATE: pb.DELTA_KIND_CANDIDATE,
    Kind.CANONICAL: pb.DELTA_KIND_CANONICAL,
    Kind.RETAINED: pb.DELTA_KIND_RETAINED,
    Kind.DISCARDED: pb.DELTA_KIND_DISCARDED,
}
PB_TO_KIND = {v: k for k, v in KIND_TO_PB.items()}
MODE_TO_PB = {
    WorkMode.PENDING: pb.WORK_MODE_PENDING,
    WorkMode.RECENT: pb.WORK_MODE_RECENT,
    WorkMode.RECOVERABLE: pb.WORK_MODE_RECOVERABLE,
}

_RESULTS = {
    pb.WRITE_OUTCOME_APPLIED: WriteResult.APPLIED,
    pb.WRITE_OUTCOME_STALE_LEASE: WriteResult.STALE_LEASE,
    pb.WRITE_OUTCOME_NOT_CANDIDATE: WriteResult.NOT_CANDIDATE,
    pb.WRITE_OUTCOME_STALE_BASE: WriteResult.STALE_BASE,
    pb.WRITE_OUTCOME_WRONG_SHARD: WriteResult.WRONG_SHARD,
}


def _ms(seconds: float) -> int:
    """A duration for the wire: whole milliseconds, at least 1."""
    return max(1, round(seconds * 1000))


def _time(ts: Any) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def _lease(fence: Fence) -> pb.Lease:
    return pb.Lease(name=fence.lease_name, holder_id=fence.holder_id, fence_token=fence.token)


def _held(message: pb.Lease, ttl_ms: int) -> HeldLease:
    expires = _time(message.expires_at)
    return HeldLease(
        name=message.name,
        holder_id=message.holder_id,
        fence_token=message.fence_token,
        expires_at=expires,
        acquired_at=expires - timedelta(milliseconds=ttl_ms),
    )


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


def work_item_of(message: pb.ShardWorkItem) -> WorkItem:
    has_state = message.HasField("state")
    return WorkItem(
        account_id=message.account_id,
        state_json=message.state.state_json if has_state else None,
        commitment=message.state.commitment if has_state else "",
        rows=[delta_of(row) for row in message.rows],
        payloads={row.nonce: row.delta_payload_json for row in message.rows if row.delta_payload_json},
        has_candidate=message.has_candidate,
    )


def fenced_write(write: Write) -> pb.FencedWrite:
    row = write.row
    message = pb.FencedWrite(account_id=row.account_id, nonce=row.nonce)
    match write:
        case Promotion():
            message.promote.source_kind = KIND_TO_PB[row.kind]
            message.promote.new_commitment = write.new_commitment
            message.promote.new_state_json = write.new_state_json
        case Discard():
            message.discard.kind = KIND_TO_PB[row.kind]
        case StatusChange():
            message.status.new_kind = KIND_TO_PB[write.new_kind]
            message.status.reason = write.reason
            message.status.retry_count = write.retry_count
            message.status.divergence_count = write.divergence_count
            message.status.abandon_confirm_count = write.abandon_confirm_count
    return message


class CoordinatorClient(InternalClient):
    def __init__(self, target: str, internal_token: str | None, deadline_seconds: float) -> None:
        super().__init__(internal_channel(target, internal_token), deadline_seconds)
        self._coordination = pb_grpc.CoordinationStub(self.channel)
        self._canonicalization = pb_grpc.CanonicalizationStub(self.channel)

    def map_error(self, what: str, error: grpc.aio.AioRpcError) -> Exception:
        return StoreUnavailable(f"{what}: {error.code().name} {error.details()}")

    async def describe(self) -> pb.DescribeResponse:
        return await self.call(
            "Describe", self._coordination.Describe, pb.DescribeRequest(), pb.DescribeResponse
        )

    # --- ShardLeases -------------------------------------------------------------------------------

    async def heartbeat(
        self,
        replica_id: str,
        shard_count: int,
        member_ttl_seconds: float,
        lease_ttl_seconds: float,
        renew: Sequence[HeldLease],
        passes: Sequence[PassReport] = (),
    ) -> Membership:
        ttl_ms = _ms(lease_ttl_seconds)
        request = pb.HeartbeatRequest(
            replica_id=replica_id,
            shard_count=shard_count,
            member_ttl_ms=_ms(member_ttl_seconds),
            lease_ttl_ms=ttl_ms,
            renew=[_lease(lease.fence) for lease in renew],
            last_passes=[
                pb.PassReport(
                    kind=p.kind,
                    outcome=p.outcome,
                    age_ms=p.age_ms,
                    promoted=p.promoted,
                    discarded=p.discarded,
                    waiting=p.waiting,
                    failed=p.failed,
                )
                for p in passes
            ],
        )
        response = await self.call(
            "Canonicalization.Heartbeat", self._canonicalization.Heartbeat, request, pb.HeartbeatResponse
        )
        return Membership(
            members=[Member(m.replica_id, m.shard_count) for m in response.members],
            renewed=[_held(lease, ttl_ms) for lease in response.renewed],
            holders=[
                ShardHolder(h.shard.index, h.holder_id, h.fence_token, h.live)
                for h in response.holders
                if h.shard.count == shard_count
            ],
        )

    async def acquire_shards(
        self, replica_id: str, shard_count: int, indexes: Sequence[int], ttl_seconds: float
    ) -> Acquired:
        ttl_ms = _ms(ttl_seconds)
        request = pb.AcquireShardsRequest(
            replica_id=replica_id, shard_count=shard_count, indexes=list(indexes), lease_ttl_ms=ttl_ms
        )
        response = await self.call(
            "Canonicalization.AcquireShards",
            self._canonicalization.AcquireShards,
            request,
            pb.AcquireShardsResponse,
        )
        return Acquired(
            [_held(lease, ttl_ms) for lease in response.acquired], response.conflicting_shard_count or None
        )

    async def release_shards(self, replica_id: str, leases: Sequence[HeldLease], leave: bool) -> int:
        request = pb.ReleaseShardsRequest(
            replica_id=replica_id, leases=[_lease(lease.fence) for lease in leases], leave=leave
        )
        response = await self.call(
            "Canonicalization.ReleaseShards",
            self._canonicalization.ReleaseShards,
            request,
            pb.ReleaseShardsResponse,
        )
        return int(response.released)

    # --- ShardWork ---------------------------------------------------------------------------------

    async def list_work(
        self,
        shard: ShardRef,
        mode: WorkMode,
        after: str,
        limit: int,
        *,
        window_seconds: float = 0.0,
        retained_ttl_seconds: int = 0,
    ) -> tuple[list[WorkItem], bool]:
        request = pb.ListShardWorkRequest(
            shard=pb.ShardRef(index=shard.index, count=shard.count),
            mode=MODE_TO_PB[mode],
            after_account_id=after,
            limit=limit,
            recent_window_ms=_ms(window_seconds) if mode is WorkMode.RECENT else 0,
            retained_ttl_seconds=retained_ttl_seconds if mode is WorkMode.RECOVERABLE else 0,
        )
        response = await self.call(
            "Canonicalization.ListShardWork",
            self._canonicalization.ListShardWork,
            request,
            pb.ListShardWorkResponse,
        )
        # A page of up to 500 accounts: converting it (status JSON of every row) runs in a worker thread,
        # like the rest of the page's CPU work, so the heartbeat on the event loop never waits for it.
        items = await asyncio.to_thread(lambda: [work_item_of(item) for item in response.items])
        return items, response.has_more

    async def apply_writes(self, fence: Fence, writes: Sequence[Write]) -> list[WriteResult]:
        request = await asyncio.to_thread(
            lambda: pb.ApplyWritesRequest(lease=_lease(fence), writes=[fenced_write(w) for w in writes])
        )
        response = await self.call(
            "Canonicalization.ApplyWrites",
            self._canonicalization.ApplyWrites,
            request,
            pb.ApplyWritesResponse,
        )
        if len(response.outcomes) != len(writes):
            raise StoreUnavailable(
                f"Canonicalization.ApplyWrites: {len(response.outcomes)} outcomes for {len(writes)} writes"
            )
        return [_result(outcome) for outcome in response.outcomes]
