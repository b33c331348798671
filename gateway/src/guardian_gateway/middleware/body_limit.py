"""Third layer: request bodies above their route's cap get 413 (domain/body_caps.py), and a body that does
not arrive within GUARDIAN_HTTP_BODY_TIMEOUT_SECONDS (a Content-Length larger than what is sent, a trickle)
gets 408. The body is read here with the cap applied to the bytes actually received (chunked bodies have no
Content-Length, and a declared length is not trusted), then replayed; a declared length above the cap is
refused before a byte of the body is read.

Large bodies (above LARGE_BODY_BYTES) are also rationed (`LargeBodies`): a few are read and handled at once,
a few more wait for a turn, and the rest get a retryable 503 before their body is read. Each one costs about
ten times its size in memory while it is parsed, canonicalised and forwarded, and milliseconds of event loop,
so sixteen unauthenticated 1 MB pushes at once would otherwise add 160 MB and stall health checks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.responses import envelope_response
from guardian_gateway.domain.body_caps import BodyCaps
from guardian_gateway.http_errors import request_timeout
from guardian_gateway.middleware.routes import RouteTemplates
from guardian_gateway.middleware.scope import header_values

DRAIN_FACTOR = 16
CLOSE = {"connection": "close"}
LARGE_BODY_BYTES = 64 * 1024


class LargeBodies:
    """Turns for requests whose body is above LARGE_BODY_BYTES: `in_flight` at once, `waiting` more queued."""

    def __init__(self, in_flight: int, waiting: int) -> None:
        self._turns = asyncio.Semaphore(in_flight)
        self._max_waiting = waiting
        self.waiting = 0

    async def acquire(self, timeout_seconds: float) -> bool:
        """True once this request may go on; False when the queue is full or no turn came in time."""
        if not self._turns.locked():
            await self._turns.acquire()  # a free turn: taken without waiting
            return True
        if self.waiting >= self._max_waiting:
            return False
        self.waiting += 1
        try:
            await asyncio.wait_for(self._turns.acquire(), max(timeout_seconds, 0.0))
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1
        return True

    def release(self) -> None:
        self._turns.release()


class _Late(Exception):
    """The body deadline passed."""


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        caps: BodyCaps,
        routes: RouteTemplates,
        timeout_seconds: float,
        large: LargeBodies,
    ) -> None:
        self.app = app
        self.caps = caps
        self.routes = routes
        self.timeout_seconds = timeout_seconds
        self.large = large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.caps.for_route(scope["method"], self.routes.of(scope))
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds

        async def receive_in_time() -> Message:
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                return await asyncio.wait_for(receive(), max(remaining, 0.0))
            except TimeoutError:
                raise _Late from None

        holding = False

        async def large_turn(body_pending: bool) -> bool:
            """Called once the body is known to be large; False after a 503 was sent (the rest of the body
            read and dropped first, as for a 413, so the client gets the answer rather than a reset)."""
            nonlocal holding
            if holding:
                return True
            holding = await self.large.acquire(deadline - asyncio.get_running_loop().time())
            if not holding:
                if body_pending:
                    with contextlib.suppress(_Late):
                        await self._drain(receive_in_time, cap)
                busy = ErrorEnvelope.of(
                    "service_unavailable", "too many large requests at once; retry shortly"
                )
                await envelope_response(busy, CLOSE)(scope, receive, send)
            return holding

        try:
            try:
                body = await self._read(scope, receive_in_time, send, cap, large_turn)
            except _Late:
                await envelope_response(request_timeout(), CLOSE)(scope, receive, send)
                return
            if body is None:
                return
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            await self.app(scope, replay, send)
        finally:
            if holding:
                self.large.release()

    async def _read(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        cap: int,
        large_turn: Callable[[bool], Awaitable[bool]],
    ) -> bytes | None:
        """The whole body, or None once a refusal was sent (or the client went away)."""
        declared = header_values(scope, b"content-length")
        if declared and declared[0].strip().isdigit():
            if int(declared[0]) > cap:
                await self._refuse(scope, receive, send, cap, body_pending=True)
                return None
            if int(declared[0]) > LARGE_BODY_BYTES and not await large_turn(True):
                return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None  # the client went away before sending its body
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                await self._refuse(scope, receive, send, cap, body_pending=message.get("more_body", False))
                return None
            if size > LARGE_BODY_BYTES and not await large_turn(message.get("more_body", False)):
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, cap: int, *, body_pending: bool
    ) -> None:
        if body_pending:
            with contextlib.suppress(_Late):  # the 413 is still the answer; the connection closes after it
                await self._drain(receive, cap)
        await envelope_response(ErrorEnvelope.of("payload_too_large"), CLOSE)(scope, receive, send)

    async def _drain(self, receive: Receive, cap: int) -> None:
        """Reads and drops the rest of a refused body (up to a bound, and within the body deadline), so the
        client, still sending, gets the 413 instead of a connection reset. Past the bound the connection is
        simply closed."""
        budget = DRAIN_FACTOR * cap
        while budget > 0:
            message = await receive()
            if message["type"] != "http.request":
                return
            budget -= len(message.get("body", b""))
            if not message.get("more_body", False):
                return
