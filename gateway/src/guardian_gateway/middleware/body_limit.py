"""Third layer: request bodies above GUARDIAN_MAX_REQUEST_BYTES get 413. The body is read here with the
cap applied to the bytes actually received (chunked bodies have no Content-Length), then replayed."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.responses import envelope_response
from guardian_gateway.middleware.scope import header_values

DRAIN_FACTOR = 16


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = header_values(scope, b"content-length")
        if declared and declared[0].strip().isdigit() and int(declared[0]) > self.max_bytes:
            await self._refuse(scope, receive, send, body_pending=True)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, body_pending=message.get("more_body", False))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, *, body_pending: bool) -> None:
        if body_pending:
            await self._drain(receive)
        refusal = envelope_response(ErrorEnvelope.of("payload_too_large"), {"connection": "close"})
        await refusal(scope, receive, send)

    async def _drain(self, receive: Receive) -> None:
        """Reads and drops the rest of a refused body (up to a bound), so the client, still sending,
        gets the 413 instead of a connection reset. Past the bound the connection is simply closed."""
        budget = DRAIN_FACTOR * self.max_bytes
        while budget > 0:
            message = await receive()
            if message["type"] != "http.request":
                return
            budget -= len(message.get("body", b""))
            if not message.get("more_body", False):
                return
