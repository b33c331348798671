"""Outermost product layer (installed only with metrics on): counts and times every HTTP request by the
matched route template, so label values stay a closed set."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guardian_gateway.metrics import HTTP

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class HttpMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["method"] in METHODS else "other"
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        HTTP.in_flight.inc()
        started = time.perf_counter()
        try:
            await self.app(scope, receive, recording_send)
        finally:
            HTTP.in_flight.dec()
            route = route_template(scope)
            HTTP.duration.labels(method, route).observe(time.perf_counter() - started)
            HTTP.requests.labels(method, route, str(status)).inc()
