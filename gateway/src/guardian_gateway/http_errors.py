"""Refusals decided below the routes, while a request is still being received: what the body limit and the
HTTP protocol answer. Each is the JSON error envelope, like every other error of the gateway."""

from __future__ import annotations

import json
from http import HTTPStatus

from guardian_common.envelope import ErrorEnvelope


def request_timeout() -> ErrorEnvelope:
    """408: the headers or the body (a Content-Length larger than what was sent) did not arrive in time."""
    return ErrorEnvelope.of("request_timeout")


def header_too_large(limit: int) -> ErrorEnvelope:
    """431: request line and headers above GUARDIAN_MAX_HEADER_BYTES."""
    return ErrorEnvelope.of("header_too_large", max_header_bytes=limit)


def malformed_request() -> ErrorEnvelope:
    """400: bytes the HTTP/1.1 parser refuses."""
    return ErrorEnvelope.of("invalid_input", "malformed HTTP request")


def raw_response(envelope: ErrorEnvelope) -> bytes:
    """The envelope as a complete HTTP/1.1 response that closes the connection, for the protocol layer
    (there is no ASGI app to answer through yet)."""
    body = json.dumps(envelope.body()).encode()
    head = (
        f"HTTP/1.1 {envelope.http_status} {HTTPStatus(envelope.http_status).phrase}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body
