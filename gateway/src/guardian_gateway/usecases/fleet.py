"""The fleet picture (GET /dashboard/fleet and the console's fleet page; docs/console.md, "Fleet"): the
coordinator's read-only Fleet.GetFleetStatus, plus what this gateway knows itself (its auth and coordinator
probes), as one JSON object. Only the coordinator that answered is described: replicas do not know of each
other."""

from __future__ import annotations

from typing import Any

from guardian.coordinator.v1 import fleet_pb2 as pb
from guardian_gateway.api.state import GatewayState
from guardian_gateway.api.views import optional_time, rfc3339


def _member(member: pb.FleetMember) -> dict[str, Any]:
    return {
        "replica_id": member.replica_id,
        "shard_count": member.shard_count,
        "joined_at": rfc3339(member.joined_at),
        "heartbeat_at": optional_time(member, "heartbeat_at"),
        "expires_at": rfc3339(member.expires_at),
        "live": member.live,
    }


def _lease(lease: pb.FleetLease) -> dict[str, Any]:
    return {
        "name": lease.name,
        "holder_id": lease.holder_id,
        "fence_token": lease.fence_token,
        "acquired_at": optional_time(lease, "acquired_at"),
        "renewed_at": optional_time(lease, "renewed_at"),
        "expires_at": rfc3339(lease.expires_at),
        "live": lease.live,
        "shard": {"index": lease.shard_index, "count": lease.shard_count} if lease.is_shard else None,
    }


async def fleet_view(state: GatewayState) -> dict[str, Any]:
    """Raises the coordinator client's envelope (503 storage_error) when the coordinator cannot answer."""
    status = await state.coordinator.fleet_status()
    auth = await state.auth.health.status()
    runtime = state.runtime
    return {
        "observed_at": rfc3339(status.observed_at),
        "coordinator": {
            "mode": status.coordinator_mode,
            "backend": status.coordinator_backend,
            "version": status.coordinator_version,
            "schema_revision": status.schema_revision,
            "stage": status.stage,
            "max_replicas": status.max_replicas,
        },
        "gateway": {
            "version": runtime.version,
            "git_commit": runtime.git_commit,
            "started_at": state.started_at.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "auth": auth,
        },
        "canonicalizers": [_member(m) for m in status.members],
        "leases": [_lease(lease) for lease in status.leases],
    }
