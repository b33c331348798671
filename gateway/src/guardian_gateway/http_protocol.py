"""uvicorn's httptools protocol with the bounds it lacks, answering with the JSON error envelope.

httptools (llhttp) has no limit on the size of a request head and uvicorn starts no timer until a first
response was sent, so on their own a 200 KB header is accepted and a client that stops half-way through its
headers holds its connection forever; the parser's own refusals are a plain-text 400. This subclass:

- counts the request head (request line and headers) while it arrives and refuses it with 431
  `header_too_large` once it exceeds GUARDIAN_MAX_HEADER_BYTES, without buffering more;
- gives a connection GUARDIAN_HTTP_HEADER_TIMEOUT_SECONDS to deliver a complete request head from its first
  byte (and a new connection as long to send one): a partial head gets 408 `request_timeout`, an idle new
  connection is closed;
- answers what the parser refuses with 400 `invalid_input` instead of text.

Each refusal closes the connection. The body has its own deadline in middleware/body_limit.py, where the
route's body cap is known.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.http_errors import header_too_large, malformed_request, raw_response, request_timeout

# Bytes of a request line and headers that are not counted by the parser callbacks (": ", CRLFs, the method
# and version); enough for the exact check at the end of the head to match what was received.
PER_HEADER_OVERHEAD = 4
REQUEST_LINE_OVERHEAD = 32
LINGER_SECONDS = 2.0


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    max_header_bytes = 65_536
    header_timeout_seconds = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading_head = False
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        if self._reading_head and not self._refused:
            # Counts the whole chunk (it may also hold the tail of a pipelined request): a bound on what the
            # parser buffers, checked after every read so a huge head is refused without being kept.
            self._head_bytes += len(data)
            if self._head_bytes > self.max_header_bytes:
                self._refuse(header_too_large(self.max_header_bytes))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._head_bytes = 0
        self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._cancel_head_timer()
        size = len(self.url) + REQUEST_LINE_OVERHEAD
        size += sum(len(name) + len(value) + PER_HEADER_OVERHEAD for name, value in self.headers)
        if size > self.max_header_bytes:
            self._refuse(header_too_large(self.max_header_bytes))
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        self.logger.info("refused a malformed HTTP request: %s", msg)
        self._refuse(malformed_request())

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.header_timeout_seconds, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self._refused:
            return
        if self._reading_head:
            self._refuse(request_timeout())
        elif self.cycle is None:
            self.transport.close()  # a new connection that never sent a byte

    def _refuse(self, envelope: ErrorEnvelope) -> None:
        """Answers, half-closes, and keeps reading (and dropping) what the client is still sending for a
        short while: closing with unread bytes would reset the connection and the client could lose the
        answer. The connection closes when the client does, or after LINGER_SECONDS."""
        self._refused = True
        self._cancel_head_timer()
        if self.transport.is_closing():
            return
        self.transport.write(raw_response(envelope))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.transport.resume_reading()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def eof_received(self) -> None:
        if self._refused:
            self.transport.close()


def guarded_protocol(max_header_bytes: int, header_timeout_seconds: float) -> type[HttpToolsProtocol]:
    """The protocol class to give uvicorn (`Config(http=...)`), with this gateway's bounds."""
    return type(
        "GatewayHttpProtocol",
        (GuardedHttpToolsProtocol,),
        {"max_header_bytes": max_header_bytes, "header_timeout_seconds": header_timeout_seconds},
    )
