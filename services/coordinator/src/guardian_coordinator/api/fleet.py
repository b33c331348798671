"""The Fleet gRPC service: a read-only snapshot for operators (docs/console.md, "Fleet"). Thin: the reading
lives in domain.fleet and the stores."""

from __future__ import annotations

from typing import Any

import grpc

from guardian.coordinator.v1 import fleet_pb2 as pb
from guardian.coordinator.v1 import fleet_pb2_grpc as pb_grpc
from guardian_coordinator.api.convert import optional_timestamp, timestamp
from guardian_coordinator.api.errors import mapped_errors
from guardian_coordinator.domain.activity import activity_query
from guardian_coordinator.domain.coordination import Coordination
from guardian_coordinator.domain.fleet import FleetLease, FleetMember, fleet_status
from guardian_coordinator.domain.models import DeltaKind

Context = grpc.aio.ServicerContext[Any, Any]


def member_to_proto(member: FleetMember) -> pb.FleetMember:
    return pb.FleetMember(
        replica_id=member.replica_id,
        shard_count=member.shard_count,
        joined_at=timestamp(member.joined_at),
        heartbeat_at=optional_timestamp(member.heartbeat_at),
        expires_at=timestamp(member.expires_at),
        live=member.live,
        last_passes=[
            pb.PassSummary(
                kind=summary.kind,
                outcome=summary.outcome,
                finished_at=timestamp(summary.finished_at),
                promoted=summary.promoted,
                discarded=summary.discarded,
                waiting=summary.waiting,
                failed=summary.failed,
            )
            for summary in member.last_passes
        ],
    )


def lease_to_proto(lease: FleetLease) -> pb.FleetLease:
    shard = lease.shard
    return pb.FleetLease(
        name=lease.name,
        holder_id=lease.holder_id,
        fence_token=lease.fence_token,
        acquired_at=optional_timestamp(lease.acquired_at),
        renewed_at=optional_timestamp(lease.renewed_at),
        expires_at=timestamp(lease.expires_at),
        live=lease.live,
        is_shard=shard is not None,
        shard_index=shard[0] if shard else 0,
        shard_count=shard[1] if shard else 0,
    )


class FleetServicer(pb_grpc.FleetServicer):
    def __init__(self, coordination: Coordination, *, mode: str, stage: str, max_replicas: int, version: str):
        self._coordination = coordination
        self._mode, self._stage, self._max_replicas, self._version = mode, stage, max_replicas, version

    @mapped_errors
    async def GetFleetStatus(
        self, request: pb.GetFleetStatusRequest, context: Context
    ) -> pb.GetFleetStatusResponse:
        store = self._coordination.store
        snapshot = await fleet_status(store.fleet)
        return pb.GetFleetStatusResponse(
            observed_at=timestamp(snapshot.observed_at),
            members=[member_to_proto(m) for m in snapshot.members],
            leases=[lease_to_proto(lease) for lease in snapshot.leases],
            coordinator_mode=self._mode,
            coordinator_backend=store.backend,
            coordinator_version=self._version,
            schema_revision=await store.schema_revision(),
            stage=self._stage,
            max_replicas=self._max_replicas,
        )

    @mapped_errors
    async def GetActivity(self, request: pb.GetActivityRequest, context: Context) -> pb.GetActivityResponse:
        query = activity_query(request.window_seconds, request.bucket_count)
        activity = await self._coordination.store.custody.activity(query)
        return pb.GetActivityResponse(
            observed_at=timestamp(activity.observed_at),
            window_start=timestamp(activity.window_start),
            bucket_ms=activity.bucket_ms,
            buckets=[
                pb.ActivityBucket(
                    start=timestamp(bucket.start),
                    submitted_candidate=bucket.submitted[DeltaKind.CANDIDATE],
                    submitted_canonical=bucket.submitted[DeltaKind.CANONICAL],
                    submitted_retained=bucket.submitted[DeltaKind.RETAINED],
                    submitted_discarded=bucket.submitted[DeltaKind.DISCARDED],
                    promoted=bucket.promoted,
                    latency_p50_ms=bucket.latency_p50_ms,
                    latency_p95_ms=bucket.latency_p95_ms,
                    latency_max_ms=bucket.latency_max_ms,
                )
                for bucket in activity.buckets
            ],
        )
