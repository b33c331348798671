"""Startup guards (docs/contracts/ops.md §2.3): each problem refuses startup in the prod stage and warns elsewhere."""

from __future__ import annotations

from guardian.coordinator.v1 import coordinator_pb2 as coordinator_pb
from guardian_common.startup import COORDINATOR_IN_MEMORY, MISSING_INTERNAL_TOKEN
from guardian_gateway.config import GatewaySettings
from guardian_gateway.runtime import GatewayRuntime


def limiter_share_problem(settings: GatewaySettings, runtime: GatewayRuntime) -> str | None:
    if not runtime.limits.denies_everything:
        return None
    return (
        f"rate limiting partitions to zero on this replica: GUARDIAN_RATE_BURST_PER_SEC="
        f"{settings.rate_burst_per_sec} and GUARDIAN_RATE_PER_MIN={settings.rate_per_min} divided by "
        f"GUARDIAN_MAX_REPLICAS={runtime.max_replicas.value} (rounded down) give "
        f"{runtime.limits.burst_per_sec}/s and {runtime.limits.per_min}/min, so every request would get 429. "
        "Raise the fleet-wide limits to at least GUARDIAN_MAX_REPLICAS, lower GUARDIAN_MAX_REPLICAS, or "
        "turn the limiter off with GUARDIAN_RATE_LIMIT_ENABLED=false."
    )


def configuration_problems(settings: GatewaySettings, runtime: GatewayRuntime) -> list[str]:
    """Problems visible before contacting anything."""
    problems = [runtime.max_replicas.problem, limiter_share_problem(settings, runtime)]
    if settings.internal_token is None or not settings.internal_token.get_secret_value():
        problems.append(MISSING_INTERNAL_TOKEN)
    return [problem for problem in problems if problem]


def coordinator_problems(described: coordinator_pb.DescribeResponse) -> list[str]:
    return [COORDINATOR_IN_MEMORY] if described.backend != "postgres" else []
