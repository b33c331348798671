"""Pagination cursors (docs/contracts/auth.md §2.12): `base64url_nopad(payload || HMAC-SHA256(key, payload))`.

The payload is ours: the ASCII tag `gc1.` then the compact, key-sorted JSON
`{"k": kind, "s": scope, "p": position}`. `kind` binds the cursor to one feed, `scope` to the filter
or account it was minted under, `position` is the last row of the page (the keyset position). The tag
is compared in constant time; a cursor that fails any check is refused as a whole.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from enum import IntEnum
from typing import Any

TAG = b"gc1."
MAC_BYTES = 32
MAX_CURSOR_CHARS = 2048
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class CursorKind(IntEnum):
    """Same numbering as upstream's cursor kinds."""

    ACCOUNT_LIST = 0
    ACCOUNT_DELTAS = 1
    ACCOUNT_PROPOSALS = 2
    GLOBAL_DELTAS = 3
    GLOBAL_PROPOSALS = 4
    ACCOUNT_DELTA_HISTORY = 5  # the client route GET /delta/history, same key as the dashboard's


class InvalidCursor(ValueError):
    pass


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def mint(self, kind: CursorKind, scope: str, position: dict[str, Any]) -> str:
        document = {"k": int(kind), "s": scope, "p": position}
        payload = TAG + json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(payload + self._mac(payload)).rstrip(b"=").decode()

    def open(self, token: str, kind: CursorKind, scope: str) -> dict[str, Any]:
        """The position of a cursor minted by this key for `kind` and `scope`; InvalidCursor otherwise."""
        if len(token) > MAX_CURSOR_CHARS or not _BASE64URL.fullmatch(token) or len(token) % 4 == 1:
            raise InvalidCursor("not base64url")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise InvalidCursor("not base64url") from None
        payload, tag = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        if len(raw) <= MAC_BYTES or not hmac.compare_digest(tag, self._mac(payload)):
            raise InvalidCursor("tag mismatch")
        if not payload.startswith(TAG):
            raise InvalidCursor("unknown format")
        try:
            document = json.loads(payload[len(TAG) :])
        except ValueError:
            raise InvalidCursor("payload is not JSON") from None
        if not isinstance(document, dict) or document.get("k") != int(kind) or document.get("s") != scope:
            raise InvalidCursor("minted for another feed")
        position = document.get("p")
        if not isinstance(position, dict):
            raise InvalidCursor("no position")
        return position


def int_field(position: dict[str, Any], key: str, low: int, high: int) -> int:
    value = position.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidCursor(f"bad {key}")
    return value


def str_field(position: dict[str, Any], key: str, pattern: re.Pattern[str]) -> str:
    value = position.get(key)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidCursor(f"bad {key}")
    return value
