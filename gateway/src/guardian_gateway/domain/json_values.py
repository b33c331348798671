"""JSON values clients send: parsed with exact integers, signed as canonical JSON (docs/contracts/client-api.md §4.2),
and stored as PostgreSQL jsonb."""

from __future__ import annotations

import json
from typing import Any

from guardian_common.envelope import ErrorEnvelope
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.errors import CanonicalJsonError

MAX_DEPTH = 64


def parse_object(raw: bytes, what: str = "request body") -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise ErrorEnvelope.of("invalid_input", f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise ErrorEnvelope.of("invalid_input", f"{what} must be a JSON object")
    return value


def _storable(value: object, depth: int = 0) -> bool:
    """No NUL character anywhere (jsonb refuses it) and a bounded nesting depth."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, list):
        return all(_storable(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all("\x00" not in k and _storable(v, depth + 1) for k, v in value.items())
    return True


def canonical_bytes(value: object, what: str) -> bytes:
    """The canonical JSON the client signed. Floats, integers beyond i64/u64, lone surrogates and NUL
    characters have no canonical or storable form: 400 invalid_input."""
    if not _storable(value):
        raise ErrorEnvelope.of("invalid_input", f"{what} contains a NUL character or is nested too deeply")
    try:
        return canonical_json(value)
    except CanonicalJsonError:
        raise ErrorEnvelope.of(
            "invalid_input", f"{what} must use only strings, integers, booleans, null, arrays and objects"
        ) from None


def stored_object(text: str) -> dict[str, Any]:
    """A JSON object the coordinator returned (jsonb text)."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ErrorEnvelope.of("internal_error")
    return value
