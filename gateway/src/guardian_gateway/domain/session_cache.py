"""Positive session checks this gateway may reuse for the window auth granted (docs/gateway.md "Session reuse").

Entries are keyed by the SHA-256 of the token, never the token, and only a check auth answered as valid is kept,
so a stream of made-up tokens costs one refused call each and no memory. The window is counted from when the
check was *sent*: auth answers a logout only after the same window has passed since its revocation, so no entry
made before a logout can be used once that logout has been answered, whichever gateway holds it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Generic, TypeVar

P = TypeVar("P")


def token_key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class SessionCache(Generic[P]):
    """At most `max_entries` principals (0: nothing is kept); when full, the oldest entry makes room."""

    def __init__(self, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._max = max_entries
        self._clock = clock
        self._entries: dict[bytes, tuple[float, P]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes) -> P | None:
        found = self._entries.get(key)
        if found is None:
            return None
        until, principal = found
        if self._clock() >= until:
            del self._entries[key]
            return None
        return principal

    def put(self, key: bytes, principal: P, *, sent_at: float, reuse_for_ms: int) -> None:
        if self._max <= 0 or reuse_for_ms <= 0:
            return
        until = sent_at + reuse_for_ms / 1000
        if until <= self._clock():
            return
        self._entries.pop(key, None)
        while len(self._entries) >= self._max:
            # Dicts keep insertion order and every window is the same length, so the first entry ends first.
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (until, principal)

    def forget(self, key: bytes) -> None:
        self._entries.pop(key, None)
