"""The Canonicalization gRPC service (sharded canonicalizers). Thin: decisions live in domain.canonicalization
and the store."""

from __future__ import annotations

from typing import Any

import grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian_coordinator.api.convert import (
    lease_from_proto,
    lease_to_proto,
    member_to_proto,
    optional_lease,
    proto_name,
    shard_holder_to_proto,
    shard_ref_from_proto,
    work_item_to_proto,
    work_mode_from_proto,
    write_from_proto,
)
from guardian_coordinator.api.custody import present
from guardian_coordinator.api.errors import mapped_errors
from guardian_coordinator.domain.canonicalization import Canonicalization
from guardian_coordinator.domain.fleet import PassReport
from guardian_coordinator.domain.models import WorkMode
from guardian_coordinator.metrics import LEASE_ACQUISITIONS, LEASE_RENEWALS, fenced

Context = grpc.aio.ServicerContext[Any, Any]


class CanonicalizationServicer(pb_grpc.CanonicalizationServicer):
    def __init__(self, canonicalization: Canonicalization) -> None:
        self._canonicalization = canonicalization

    @mapped_errors
    async def Heartbeat(self, request: pb.HeartbeatRequest, context: Context) -> pb.HeartbeatResponse:
        result = await self._canonicalization.heartbeat(
            request.replica_id,
            request.shard_count,
            request.member_ttl_ms,
            request.lease_ttl_ms,
            [lease_from_proto(lease, f"renew[{i}]") for i, lease in enumerate(request.renew)],
            [
                PassReport(p.kind, p.outcome, p.age_ms, p.promoted, p.discarded, p.waiting, p.failed)
                for p in request.last_passes
            ],
        )
        LEASE_RENEWALS.labels("renewed").inc(len(result.renewed))
        LEASE_RENEWALS.labels("lost").inc(len(request.renew) - len(result.renewed))
        return pb.HeartbeatResponse(
            members=[member_to_proto(m) for m in result.members],
            renewed=[lease_to_proto(lease) for lease in result.renewed],
            holders=[shard_holder_to_proto(h) for h in result.holders],
        )

    @mapped_errors
    async def AcquireShards(
        self, request: pb.AcquireShardsRequest, context: Context
    ) -> pb.AcquireShardsResponse:
        result = await self._canonicalization.acquire_shards(
            request.replica_id, request.shard_count, list(request.indexes), request.lease_ttl_ms
        )
        LEASE_ACQUISITIONS.labels("granted").inc(len(result.acquired))
        LEASE_ACQUISITIONS.labels("held_elsewhere").inc(len(request.indexes) - len(result.acquired))
        return pb.AcquireShardsResponse(
            acquired=[lease_to_proto(lease) for lease in result.acquired],
            conflicting_shard_count=result.conflicting_shard_count or 0,
        )

    @mapped_errors
    async def ReleaseShards(
        self, request: pb.ReleaseShardsRequest, context: Context
    ) -> pb.ReleaseShardsResponse:
        released = await self._canonicalization.release_shards(
            request.replica_id,
            [lease_from_proto(lease, f"leases[{i}]") for i, lease in enumerate(request.leases)],
            request.leave,
        )
        return pb.ReleaseShardsResponse(released=released)

    @mapped_errors
    async def ListShardWork(
        self, request: pb.ListShardWorkRequest, context: Context
    ) -> pb.ListShardWorkResponse:
        mode = work_mode_from_proto(request.mode)
        # The domain checks only the window of the chosen mode; the other one is not passed on, so an
        # unchecked value (any int64 fits on the wire) cannot reach a store that computes both windows.
        page = await self._canonicalization.list_shard_work(
            shard_ref_from_proto(present(request, "shard")),
            mode,
            request.after_account_id,
            request.limit,
            request.recent_window_ms if mode is WorkMode.RECENT else 0,
            request.retained_ttl_seconds if mode is WorkMode.RECOVERABLE else 0,
        )
        return pb.ListShardWorkResponse(
            items=[work_item_to_proto(item) for item in page.items], has_more=page.has_more
        )

    @mapped_errors
    async def ApplyWrites(self, request: pb.ApplyWritesRequest, context: Context) -> pb.ApplyWritesResponse:
        outcomes = await self._canonicalization.apply_writes(
            optional_lease(present(request, "lease")),
            [write_from_proto(i, write) for i, write in enumerate(request.writes)],
        )
        return pb.ApplyWritesResponse(
            outcomes=[proto_name("WRITE_OUTCOME", fenced("apply_writes", outcome)) for outcome in outcomes]
        )
