"""The gateway's ASGI application."""

from __future__ import annotations

from fastapi import FastAPI

from guardian_common.offload import Offload
from guardian_common.rate_windows import FixedWindows
from guardian_common.telemetry.metrics import metrics_enabled
from guardian_common.telemetry.tracing import tracer_provider
from guardian_gateway.api import (
    api_docs,
    custody,
    dashboard,
    evm,
    evm_proposals,
    fleet,
    operator,
    proposals,
    status,
)
from guardian_gateway.api.error_handlers import install_error_handlers
from guardian_gateway.api.state import GatewayState
from guardian_gateway.clients.auth import AuthClient
from guardian_gateway.clients.coordinator import CoordinatorClient
from guardian_gateway.console import routes as console
from guardian_gateway.domain.http_limiter import HttpRateLimiter
from guardian_gateway.middleware.body_limit import BodyLimit, LargeBodies
from guardian_gateway.middleware.cors import Cors
from guardian_gateway.middleware.head import HeadAsGet
from guardian_gateway.middleware.http_metrics import HttpMetrics
from guardian_gateway.middleware.rate_limit import RateLimit
from guardian_gateway.middleware.routes import RouteTemplates
from guardian_gateway.middleware.unexpected_errors import UnexpectedErrors
from guardian_gateway.runtime import GatewayRuntime
from guardian_gateway.usecases.sessions import SessionChecks

TITLE = "Guardian gateway"
DESCRIPTION = (
    "HTTP surface of the Guardian coordination plane: operator (Falcon) and wallet (EIP-712) logins with "
    "session cookies, the signed per-account API of the json network type, and the operator dashboard. "
    "Every error is the JSON envelope {code, message, meta}."
)


def create_app(
    runtime: GatewayRuntime,
    auth: AuthClient,
    coordinator: CoordinatorClient,
    rate_windows: FixedWindows | None = None,
    offload: Offload | None = None,
) -> FastAPI:
    """`rate_windows` lets tests count on their own clock. Without `offload`, the app makes its own pool
    (worker processes start on first use)."""
    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version=runtime.version,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    pool = offload or Offload(runtime.offload_workers, runtime.offload_queue)
    sessions = SessionChecks(auth, runtime.session_cache_entries)
    app.state.gateway = GatewayState(runtime, auth, coordinator, pool, sessions)
    modules = (status, operator, evm, evm_proposals, custody, proposals, dashboard, fleet, api_docs, console)
    for module in modules:
        app.include_router(module.router)
    install_error_handlers(app)
    # Starlette wraps in reverse order of addition: the last one added is the outermost.
    app.add_middleware(UnexpectedErrors)
    # The app's own routes (/openapi.json) and every module's: FastAPI keeps an included router as one entry.
    own = [route for route in app.router.routes if isinstance(getattr(route, "path", None), str)]
    routes = RouteTemplates([*own, *(route for module in modules for route in module.router.routes)])
    app.add_middleware(
        BodyLimit,
        caps=runtime.body_caps,
        routes=routes,
        timeout_seconds=runtime.body_timeout_seconds,
        large=LargeBodies(runtime.large_requests_in_flight, runtime.large_requests_waiting),
    )
    app.add_middleware(RateLimit, limiter=HttpRateLimiter(runtime.limits, rate_windows), routes=routes)
    app.add_middleware(Cors, policy=runtime.cors)
    # Outside every other layer of the app (inside telemetry, which still sees the HEAD): middleware/head.py.
    app.add_middleware(HeadAsGet)
    install_telemetry(app)
    return app


def install_telemetry(app: FastAPI) -> None:
    """Request metrics, then (outermost) the server span that continues a caller's `traceparent`; each only
    when switched on, so a gateway without telemetry pays nothing per request."""
    if metrics_enabled():
        app.add_middleware(HttpMetrics)
    provider = tracer_provider()
    if provider is not None:
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        app.add_middleware(
            OpenTelemetryMiddleware,
            tracer_provider=provider,
            excluded_urls="/healthz,/readyz",
            exclude_spans=["receive", "send"],
        )
