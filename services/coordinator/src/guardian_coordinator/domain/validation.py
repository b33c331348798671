"""Input validation shared by every RPC. A violation raises InvalidArgument naming the field."""

from __future__ import annotations

import json

from guardian_coordinator.domain.errors import InvalidArgument
from guardian_coordinator.domain.models import Realm

TOKEN_DIGEST_BYTES = 32
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_TEXT_CHARS = 256
MAX_TTL_SECONDS = 366 * 24 * 3600


def require_digest(field: str, value: bytes) -> bytes:
    if len(value) != TOKEN_DIGEST_BYTES:
        raise InvalidArgument(field, f"must be exactly {TOKEN_DIGEST_BYTES} bytes, got {len(value)}")
    return value


def require_text(field: str, value: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    if not value.strip():
        raise InvalidArgument(field, "must not be empty")
    if "\x00" in value:
        raise InvalidArgument(field, "must not contain NUL characters")
    if len(value) > max_chars:
        raise InvalidArgument(field, f"must be at most {max_chars} characters")
    return value


def require_ttl_seconds(field: str, value: int) -> int:
    if value <= 0:
        raise InvalidArgument(field, "must be greater than 0")
    if value > MAX_TTL_SECONDS:
        raise InvalidArgument(field, f"must be at most {MAX_TTL_SECONDS}")
    return value


def require_ttl_ms(field: str, value: int) -> int:
    if value <= 0:
        raise InvalidArgument(field, "must be greater than 0")
    if value > MAX_TTL_SECONDS * 1000:
        raise InvalidArgument(field, f"must be at most {MAX_TTL_SECONDS * 1000}")
    return value


def require_positive(field: str, value: int) -> int:
    if value <= 0:
        raise InvalidArgument(field, "must be greater than 0")
    return value


def require_json_object(field: str, value: str) -> str:
    """Checks size and shape; returns the text unchanged."""
    if len(value.encode()) > MAX_PAYLOAD_BYTES:
        raise InvalidArgument(field, f"must be at most {MAX_PAYLOAD_BYTES} bytes")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InvalidArgument(field, f"is not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InvalidArgument(field, "is nested too deeply") from None
    if not isinstance(parsed, dict):
        raise InvalidArgument(field, "must be a JSON object")
    # PostgreSQL's jsonb refuses NUL characters and unpaired surrogates: refuse them here, as bad input.
    normalized = json.dumps(parsed, ensure_ascii=False)
    if "\\u0000" in normalized:
        raise InvalidArgument(field, "must not contain NUL characters (\\u0000)")
    try:
        normalized.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgument(field, "must not contain unpaired UTF-16 surrogates") from None
    return value


def require_realm(field: str, value: Realm | None) -> Realm:
    if value is None:
        raise InvalidArgument(field, "must be REALM_OPERATOR or REALM_EVM")
    return value
