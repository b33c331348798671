"""Wall time for the decision table (ages of candidates, intents and retained rows), and the slot
arithmetic of the worker's pass timers.

Status timestamps come from the database clock; ages compare them with this clock, so a skewed replica
shifts a grace period or a TTL by its skew, never the correctness of a write (the fence decides those).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 12, 4, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


def next_slot(origin: float, interval: float, now: float) -> float:
    """The first multiple of `interval` after `now`, counted from `origin` (missed slots are skipped)."""
    return origin + (math.floor((now - origin) / interval) + 1) * interval
