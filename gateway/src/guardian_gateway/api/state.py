"""What route handlers reach through the app: resolved configuration and the service clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from guardian_common.offload import Offload
from guardian_gateway.clients.auth import AuthClient
from guardian_gateway.clients.coordinator import CoordinatorClient
from guardian_gateway.runtime import GatewayRuntime
from guardian_gateway.usecases.sessions import SessionChecks


@dataclass
class Lifecycle:
    """Set when the gateway received SIGTERM: /readyz turns 503 while requests are still served."""

    draining: bool = False


@dataclass(frozen=True)
class GatewayState:
    runtime: GatewayRuntime
    auth: AuthClient
    coordinator: CoordinatorClient
    offload: Offload
    sessions: SessionChecks
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    lifecycle: Lifecycle = field(default_factory=Lifecycle)


async def gateway_state(request: Request) -> GatewayState:
    """Async on purpose: FastAPI runs a plain `def` dependency in its thread pool, and that hand-off to a
    thread and back was a fifth of the gateway's CPU per request in the hot-path profile
    (bench/profile_hotpath.py)."""
    state = request.app.state.gateway
    if not isinstance(state, GatewayState):
        raise TypeError("the app was not built by create_app")
    return state


State = Annotated[GatewayState, Depends(gateway_state)]
