"""The per-commitment operator login budget: fleet-wide limits partitioned across auth replicas.

Keys are bounded (docs/auth.md, "Login budget"): a commitment is counted under its normalised form
(`0x` + 64 lowercase hex), and every malformed commitment of a challenge shares the one `malformed` bucket,
so no input of any size or spelling becomes a key of its own."""

from __future__ import annotations

import re

from guardian_common.envelope import ErrorEnvelope
from guardian_common.rate_windows import (
    BURST_REJECTION,
    BURST_WINDOW_S,
    SUSTAINED_REJECTION,
    SUSTAINED_WINDOW_S,
    FixedWindows,
    partition,
)

MALFORMED = "malformed"
_NORMALISED = re.compile(r"0x[0-9a-f]{64}")


class CommitmentBudget:
    """Per replica: max(1, floor(budget / max_replicas)) for each of the 1 s and 60 s windows."""

    def __init__(self, burst_per_sec: int, per_min: int, max_replicas: int) -> None:
        self.burst = partition(burst_per_sec, max_replicas, at_least_one=True)
        self.sustained = partition(per_min, max_replicas, at_least_one=True)
        self._windows = FixedWindows()

    def keys(self) -> int:
        """How many counters are live (each key is at most ~100 characters)."""
        return len(self._windows)

    def spend(self, endpoint: str, commitment: str) -> None:
        """Raises a 429 envelope when this replica's share for (endpoint, commitment) is used up.
        `commitment` is normalised or MALFORMED; anything else is a caller's bug (ValueError)."""
        if commitment != MALFORMED and not _NORMALISED.fullmatch(commitment):
            raise ValueError("the login budget counts normalised commitments only")
        key = f"endpoint:{endpoint}|commitment:{commitment}"
        rejection = self._windows.check(
            [
                (f"{key}|burst", self.burst, BURST_WINDOW_S, BURST_REJECTION),
                (f"{key}|sustained", self.sustained, SUSTAINED_WINDOW_S, SUSTAINED_REJECTION),
            ]
        )
        if rejection is not None:
            raise ErrorEnvelope.of("rate_limit_exceeded", retry_after_secs=rejection.retry_after_secs)
