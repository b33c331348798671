"""The JSON error envelope every product error uses: {"code", "message", "meta": {"retryable", ...}}.

Across gRPC the envelope travels as the status details string, with one extra key, `http_status`,
so the gateway answers exactly what the service decided.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import grpc

# code -> (HTTP status, gRPC status, retryable, user-safe message)
KNOWN: dict[str, tuple[int, grpc.StatusCode, bool, str]] = {
    "authentication_failed": (401, grpc.StatusCode.UNAUTHENTICATED, False, "authentication failed"),
    "authentication_replay": (401, grpc.StatusCode.UNAUTHENTICATED, True, "request timestamp already used"),
    "rate_limit_exceeded": (
        429,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        True,
        "too many requests, try again shortly",
    ),
    "configuration_error": (500, grpc.StatusCode.INTERNAL, False, "server configuration error"),
    "storage_error": (500, grpc.StatusCode.UNAVAILABLE, True, "storage temporarily unavailable, try again"),
    "invalid_input": (400, grpc.StatusCode.INVALID_ARGUMENT, False, "invalid input"),
    "invalid_evm_proposal": (400, grpc.StatusCode.INVALID_ARGUMENT, False, "invalid signature format"),
    "internal_error": (500, grpc.StatusCode.INTERNAL, False, "internal error"),
    "service_unavailable": (
        503,
        grpc.StatusCode.UNAVAILABLE,
        True,
        "service temporarily unavailable, try again",
    ),
    "not_found": (404, grpc.StatusCode.NOT_FOUND, False, "no such route"),
    "method_not_allowed": (405, grpc.StatusCode.UNIMPLEMENTED, False, "method not allowed on this route"),
    "payload_too_large": (413, grpc.StatusCode.INVALID_ARGUMENT, False, "request body too large"),
    "unsupported_media_type": (
        415,
        grpc.StatusCode.INVALID_ARGUMENT,
        False,
        "request body must be JSON sent with Content-Type: application/json",
    ),
}


@dataclass
class ErrorEnvelope(Exception):
    code: str
    message: str
    http_status: int
    retryable: bool
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, code: str, message: str | None = None, **meta: Any) -> ErrorEnvelope:
        http_status, _, retryable, default_message = KNOWN[code]
        return cls(code, message or default_message, http_status, retryable, meta)

    def body(self) -> dict[str, Any]:
        meta = {"retryable": self.retryable, **{k: v for k, v in self.meta.items() if v is not None}}
        return {"code": self.code, "message": self.message, "meta": meta}

    def grpc_status(self) -> grpc.StatusCode:
        return KNOWN[self.code][1] if self.code in KNOWN else grpc.StatusCode.INTERNAL

    def to_grpc_details(self) -> str:
        return json.dumps({**self.body(), "http_status": self.http_status})

    @classmethod
    def from_grpc_details(cls, details: str | None) -> ErrorEnvelope | None:
        """The envelope a service put in a status' details, or None if there is none."""
        try:
            data = json.loads(details or "")
            meta = dict(data["meta"])
            retryable = bool(meta.pop("retryable"))
            return cls(str(data["code"]), str(data["message"]), int(data["http_status"]), retryable, meta)
        except (ValueError, KeyError, TypeError):
            return None
