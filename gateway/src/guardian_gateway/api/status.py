"""Status and probes: `/` and `/status` (liveness JSON, docs/contracts/ops.md §4.4), `/healthz`, `/readyz`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.responses import error_responses
from guardian_gateway.api.schemas import Liveness, Readiness, StatusInfo
from guardian_gateway.api.state import State
from guardian_gateway.clients.health import SERVING

router = APIRouter(tags=["status"])


@router.get("/", responses=error_responses(429))
@router.get("/status", responses=error_responses(429))
async def status(state: State) -> StatusInfo:
    """Always 200 while the process serves; checks no dependency."""
    runtime = state.runtime
    return StatusInfo(
        version=runtime.version,
        git_commit=runtime.git_commit,
        environment=runtime.environment,
        started_at=state.started_at.isoformat(),
        uptime_seconds=int((datetime.now(UTC) - state.started_at).total_seconds()),
    )


@router.get("/healthz")
async def healthz() -> Liveness:
    """Liveness for orchestrators; never rate limited."""
    return Liveness()


@router.get("/readyz", responses=error_responses(503))
async def readyz(state: State) -> Readiness:
    """200 only when the coordinator and auth both answer gRPC health SERVING and the gateway is not
    draining (SIGTERM received); never rate limited."""
    if state.lifecycle.draining:
        raise ErrorEnvelope.of(
            "service_unavailable", "not ready: draining before shutdown", checks={"gateway": "draining"}
        )
    coordinator, auth = await asyncio.gather(state.coordinator.health.status(), state.auth.health.status())
    checks = {"coordinator": coordinator, "auth": auth}
    if coordinator != SERVING or auth != SERVING:
        raise ErrorEnvelope.of("service_unavailable", "not ready: a dependency is not serving", checks=checks)
    return Readiness(checks=checks)
