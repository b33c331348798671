"""Outermost layer: answers CORS preflights itself and adds CORS headers to every other response,
rate-limit refusals included."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guardian_gateway.domain.cors_policy import CorsPolicy
from guardian_gateway.middleware.scope import header_values


class Cors:
    def __init__(self, app: ASGIApp, policy: CorsPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origins = header_values(scope, b"origin")
        origin = origins[0] if origins else None
        if (
            scope["method"] == "OPTIONS"
            and origin is not None
            and header_values(scope, b"access-control-request-method")
        ):
            preflight = Response(status_code=200, headers=dict(self.policy.preflight_headers(origin)))
            await preflight(scope, receive, send)
            return
        extra = self.policy.response_headers(origin)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    if name == "vary":
                        headers.add_vary_header(value)
                    else:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_cors)
