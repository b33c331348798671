"""HEAD answers like GET without a body (as the reference's router does for every GET route).

The layer sits outside CORS, the rate limit and the body limit, so the inner layers and the routes see a GET
and every answer to a HEAD (refusals and envelopes included) keeps GET's status and headers, content-length
and content-type among them, and loses only its body. Signed routes are unaffected: the signed payload of a
per-account request never includes the method."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
                return
            # Intermediate chunks of a streamed answer are dropped; the last one ends the (empty) body.
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
