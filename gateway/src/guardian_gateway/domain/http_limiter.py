"""The global HTTP rate limiter (docs/contracts/ops.md §1.1–1.6): per-replica shares of fleet-wide limits, counted in
process memory with fixed 1 s and 60 s windows.

Ours: every key is bounded in size and their number in count (docs/gateway.md, "Rate limiting"). The endpoint is
the route template, not the raw path; an identity value is cut to MAX_IDENTITY_CHARS; the client IP is a parsed
address or `unknown`. At most MAX_LIVE_KEYS counters live at once: a new key beyond that evicts the oldest."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from guardian_common.rate_windows import (
    BURST_REJECTION,
    BURST_WINDOW_S,
    SUSTAINED_REJECTION,
    SUSTAINED_WINDOW_S,
    FixedWindows,
    Rejection,
    partition,
)

ACCOUNT_PARAM = "account_id="
SIGNER_PREFIX_CHARS = 16
# An account id is 32 characters; anything longer is cut, so one client cannot mint keys of any size.
MAX_IDENTITY_CHARS = 64
# Four keys per request at most, each under ~200 characters: a few tens of MB at worst.
MAX_LIVE_KEYS = 50_000


@dataclass(frozen=True)
class HttpLimits:
    """This replica's limits: the fleet-wide ones divided by GUARDIAN_MAX_REPLICAS, rounded down."""

    enabled: bool
    burst_per_sec: int
    per_min: int

    @classmethod
    def partitioned(cls, *, enabled: bool, burst_per_sec: int, per_min: int, max_replicas: int) -> HttpLimits:
        return cls(enabled, partition(burst_per_sec, max_replicas), partition(per_min, max_replicas))

    @property
    def denies_everything(self) -> bool:
        return self.enabled and (self.burst_per_sec == 0 or self.per_min == 0)


def enhanced_identity(query_string: str, pubkey: str | None) -> str | None:
    """`account:<raw value>` of the first `account_id` query parameter (cut to MAX_IDENTITY_CHARS), else
    `signer:` and the first 16 characters of the `x-pubkey` header, else None."""
    for pair in query_string.split("&"):
        if pair.startswith(ACCOUNT_PARAM):
            return f"account:{pair.removeprefix(ACCOUNT_PARAM)[:MAX_IDENTITY_CHARS]}"
    if pubkey is not None:
        return f"signer:{pubkey[:SIGNER_PREFIX_CHARS]}"
    return None


class BoundedWindows(FixedWindows):
    """FixedWindows holding at most `max_keys` counters. A key not yet counted, arriving when the map is
    full, first evicts the oldest-inserted ones; an evicted client merely starts a fresh window, so under a
    flood of distinct keys the limiter stays as strict as the eviction order allows and memory stays flat."""

    def __init__(self, max_keys: int = MAX_LIVE_KEYS, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(clock)
        self.max_keys = max_keys

    def admit(self, key: str, limit: int, window_s: float) -> bool:
        with self._lock:
            while key not in self._windows and len(self._windows) >= self.max_keys:
                del self._windows[next(iter(self._windows))]
        return super().admit(key, limit, window_s)

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._windows)


class HttpRateLimiter:
    def __init__(self, limits: HttpLimits, windows: FixedWindows | None = None) -> None:
        self.limits = limits
        self.windows = BoundedWindows() if windows is None else windows

    def check(self, ip: str, endpoint: str, identity: str | None) -> Rejection | None:
        """`endpoint` is the route template (or `unmatched`). Base burst, enhanced burst, base sustained,
        enhanced sustained: the first refusal wins and the checks that passed keep their slot."""
        if not self.limits.enabled:
            return None
        burst_key = f"ip:{ip}|endpoint:{endpoint}"
        sustained_key = f"ip:{ip}"
        burst_keys = [burst_key] + ([f"{burst_key}|{identity}"] if identity else [])
        sustained_keys = [sustained_key] + ([f"{sustained_key}|{identity}"] if identity else [])
        return self.windows.check(
            [(key, self.limits.burst_per_sec, BURST_WINDOW_S, BURST_REJECTION) for key in burst_keys]
            + [(key, self.limits.per_min, SUSTAINED_WINDOW_S, SUSTAINED_REJECTION) for key in sustained_keys]
        )
