"""Second layer: the global HTTP rate limiter, before any body is read and before any call to auth. Probes
(/healthz, /readyz) are not counted, so an orchestrator can never throttle itself into restarting healthy
replicas. The endpoint is the route template (middleware/routes.py), never the raw path."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.responses import envelope_response
from guardian_gateway.domain.client_ip import client_ip
from guardian_gateway.domain.http_limiter import HttpRateLimiter, enhanced_identity
from guardian_gateway.metrics import RATE_LIMIT_REJECTIONS
from guardian_gateway.middleware.routes import RouteTemplates
from guardian_gateway.middleware.scope import header_values, peer_host

log = logging.getLogger("guardian.gateway.rate_limit")

UNMETERED = frozenset({"/healthz", "/readyz"})


class RateLimit:
    def __init__(self, app: ASGIApp, limiter: HttpRateLimiter, routes: RouteTemplates) -> None:
        self.app = app
        self.limiter = limiter
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.routes.of(scope) if scope["type"] == "http" else ""
        if scope["type"] != "http" or endpoint in UNMETERED or not self.limiter.limits.enabled:
            await self.app(scope, receive, send)
            return
        forwarded, real_ip = header_values(scope, b"x-forwarded-for"), header_values(scope, b"x-real-ip")
        ip = client_ip(forwarded, real_ip, peer_host(scope))
        pubkeys = header_values(scope, b"x-pubkey")
        query = scope["query_string"].decode("latin-1")
        identity = enhanced_identity(query, pubkeys[0] if pubkeys else None)
        rejection = self.limiter.check(ip, endpoint, identity)
        if rejection is None:
            await self.app(scope, receive, send)
            return
        RATE_LIMIT_REJECTIONS.labels(rejection.limit_type, "http").inc()
        log.debug(
            "request rate limited client_ip=%s limit_type=%s endpoint=%s identity=%s",
            ip,
            rejection.limit_type,
            endpoint,
            identity,
        )
        refusal = ErrorEnvelope.of("rate_limit_exceeded", retry_after_secs=rejection.retry_after_secs)
        await envelope_response(refusal)(scope, receive, send)
