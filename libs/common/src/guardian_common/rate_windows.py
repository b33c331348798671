"""Fixed-window rate counters, in process memory (no shared store on the hot path).

Two windows per key: a 1 s burst window and a 60 s sustained window. A window starts at the first
request after the previous one ended; a request is admitted iff the window's count is below the
limit, and admission consumes a slot. A limit of 0 denies everything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

BURST_WINDOW_S = 1.0
SUSTAINED_WINDOW_S = 60.0
EVICT_EVERY_S = 60.0
EVICT_IDLE_S = 120.0


@dataclass(frozen=True)
class Rejection:
    """Which window refused, and the constant hint clients get: 1 s for burst, 60 s for sustained."""

    limit_type: str
    retry_after_secs: int


BURST_REJECTION = Rejection("burst", 1)
SUSTAINED_REJECTION = Rejection("sustained", 60)


def partition(global_limit: int, max_replicas: int, *, at_least_one: bool = False) -> int:
    """This replica's share of a fleet-wide limit: floor(global / replicas), optionally clamped to >= 1."""
    share = global_limit // max(max_replicas, 1)
    return max(1, share) if at_least_one else share


class FixedWindows:
    """Counters for many keys; `check` is atomic per call (one lock)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._last_eviction = clock()

    def admit(self, key: str, limit: int, window_s: float) -> bool:
        with self._lock:
            now = self._clock()
            self._evict(now)
            start, count = self._windows.get(key, (now, 0))
            if now - start >= window_s:
                start, count = now, 0
            if count >= limit:
                self._windows[key] = (start, count)
                return False
            self._windows[key] = (start, count + 1)
            return True

    def check(self, checks: list[tuple[str, int, float, Rejection]]) -> Rejection | None:
        """Runs the checks in order; the first refusal wins. Passing checks keep their consumed slot."""
        for key, limit, window_s, rejection in checks:
            if not self.admit(key, limit, window_s):
                return rejection
        return None

    def _evict(self, now: float) -> None:
        if now - self._last_eviction < EVICT_EVERY_S:
            return
        self._last_eviction = now
        stale = [k for k, (start, _) in self._windows.items() if now - start > EVICT_IDLE_S]
        for key in stale:
            del self._windows[key]

    def __len__(self) -> int:
        return len(self._windows)
