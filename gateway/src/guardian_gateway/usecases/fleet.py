"""The fleet picture (GET /dashboard/fleet and the console's fleet page; docs/console.md, "Fleet"): the
coordinator's read-only Fleet.GetFleetStatus, plus what this gateway knows itself (its auth and coordinator
probes), as one JSON object. Only the coordinator that answered is described: replicas do not know of each
other."""

from __future__ import annotations

import re
from typing import Any

from guardian.coordinator.v1 import fleet_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.state import GatewayState
from guardian_gateway.api.views import optional_time, rfc3339

# GET /dashboard/activity and the console's charts: the coordinator's bounds, checked here first so that a
# bad parameter is a 400 before any call.
DEFAULT_WINDOW_SECONDS = 3600
DEFAULT_BUCKETS = 60
WINDOW_SECONDS = (60, 86_400)
BUCKETS = (1, 120)
_DECIMAL = re.compile(r"[0-9]{1,6}")


def _pass(summary: pb.PassSummary) -> dict[str, Any]:
    return {
        "kind": summary.kind,
        "outcome": summary.outcome,
        "finished_at": rfc3339(summary.finished_at),
        "promoted": summary.promoted,
        "discarded": summary.discarded,
        "waiting": summary.waiting,
        "failed": summary.failed,
    }


def _member(member: pb.FleetMember) -> dict[str, Any]:
    return {
        "replica_id": member.replica_id,
        "shard_count": member.shard_count,
        "joined_at": rfc3339(member.joined_at),
        "heartbeat_at": optional_time(member, "heartbeat_at"),
        "expires_at": rfc3339(member.expires_at),
        "live": member.live,
        "last_passes": [_pass(summary) for summary in member.last_passes],
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


def _bounded(raw: str | None, name: str, default: int, bounds: tuple[int, int]) -> int:
    if raw is None or raw == "":
        return default
    if not _DECIMAL.fullmatch(raw) or not bounds[0] <= int(raw) <= bounds[1]:
        raise ErrorEnvelope.of(
            "invalid_input", f"query parameter '{name}' must be an integer from {bounds[0]} to {bounds[1]}"
        )
    return int(raw)


def activity_window(raw_window: str | None, raw_buckets: str | None) -> tuple[int, int]:
    """`window_seconds` (60..86400, default 3600) and `buckets` (1..120, default 60), buckets of 1 s at least."""
    window = _bounded(raw_window, "window_seconds", DEFAULT_WINDOW_SECONDS, WINDOW_SECONDS)
    buckets = _bounded(raw_buckets, "buckets", DEFAULT_BUCKETS, BUCKETS)
    if window * 1000 // buckets < 1000:
        raise ErrorEnvelope.of(
            "invalid_input", "query parameter 'buckets' must leave buckets of one second at least"
        )
    return window, buckets


def _bucket(bucket: pb.ActivityBucket) -> dict[str, Any]:
    return {
        "start": rfc3339(bucket.start),
        "submitted": {
            "candidate": bucket.submitted_candidate,
            "canonical": bucket.submitted_canonical,
            "retained": bucket.submitted_retained,
            "discarded": bucket.submitted_discarded,
        },
        "promoted": bucket.promoted,
        "latency_ms": (
            {
                "p50": round(bucket.latency_p50_ms, 3),
                "p95": round(bucket.latency_p95_ms, 3),
                "max": round(bucket.latency_max_ms, 3),
            }
            if bucket.promoted
            else None
        ),
    }


async def activity_view(state: GatewayState, window_seconds: int, buckets: int) -> dict[str, Any]:
    """The charts' data (docs/console.md, "Charts"): the coordinator's Fleet.GetActivity as JSON."""
    activity = await state.coordinator.activity(window_seconds, buckets)
    return {
        "observed_at": rfc3339(activity.observed_at),
        "window_start": rfc3339(activity.window_start),
        "bucket_seconds": activity.bucket_ms / 1000,
        "buckets": [_bucket(bucket) for bucket in activity.buckets],
    }
