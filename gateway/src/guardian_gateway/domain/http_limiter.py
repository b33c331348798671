"""The global HTTP rate limiter (docs/contracts/ops.md §1.1–1.6): per-replica shares of fleet-wide limits, counted in
process memory with fixed 1 s and 60 s windows."""

from __future__ import annotations

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
    """`account:<raw value>` of the first `account_id` query parameter, else `signer:` and the first
    16 characters of the `x-pubkey` header, else None."""
    for pair in query_string.split("&"):
        if pair.startswith(ACCOUNT_PARAM):
            return f"account:{pair.removeprefix(ACCOUNT_PARAM)}"
    if pubkey is not None:
        return f"signer:{pubkey[:SIGNER_PREFIX_CHARS]}"
    return None


class HttpRateLimiter:
    def __init__(self, limits: HttpLimits, windows: FixedWindows | None = None) -> None:
        self.limits = limits
        self._windows = FixedWindows() if windows is None else windows

    def check(self, ip: str, endpoint: str, identity: str | None) -> Rejection | None:
        """Base burst, enhanced burst, base sustained, enhanced sustained: the first refusal wins and
        the checks that passed keep their slot."""
        if not self.limits.enabled:
            return None
        burst_key = f"ip:{ip}|endpoint:{endpoint}"
        sustained_key = f"ip:{ip}"
        burst_keys = [burst_key] + ([f"{burst_key}|{identity}"] if identity else [])
        sustained_keys = [sustained_key] + ([f"{sustained_key}|{identity}"] if identity else [])
        return self._windows.check(
            [(key, self.limits.burst_per_sec, BURST_WINDOW_S, BURST_REJECTION) for key in burst_keys]
            + [(key, self.limits.per_min, SUSTAINED_WINDOW_S, SUSTAINED_REJECTION) for key in sustained_keys]
        )
