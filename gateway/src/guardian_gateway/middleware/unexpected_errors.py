"""Innermost layer: an exception nothing else handled becomes a 500 envelope (inside CORS, so browsers
can read it), with the traceback in the log only."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.responses import envelope_response

log = logging.getLogger("guardian.gateway")


class UnexpectedErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error serving %s %s", scope["method"], scope["path"])
            if started:
                raise
            await envelope_response(ErrorEnvelope.of("internal_error"))(scope, receive, send)
