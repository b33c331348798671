"""Coarse activity for the operators' charts (Fleet.GetActivity; docs/console.md, "Charts"): a bounded window
ending now on the store's clock, cut into equal buckets. Per bucket, the candidates submitted in it by
their status now, and the promotions to canonical in it with their submission -> promotion latency.

The stores aggregate (Postgres: two GROUP BY statements in one REPEATABLE READ snapshot; memory: the same
arithmetic here), so the answer is at most MAX_BUCKETS rows whatever the traffic."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from guardian_coordinator.domain.errors import InvalidArgument
from guardian_coordinator.domain.models import DeltaKind

MIN_WINDOW_SECONDS = 60
MAX_WINDOW_SECONDS = 86_400
MAX_BUCKETS = 120
MIN_BUCKET_MS = 1_000


@dataclass(frozen=True)
class ActivityQuery:
    window_seconds: int
    bucket_count: int

    @property
    def bucket_ms(self) -> int:
        return self.window_seconds * 1000 // self.bucket_count

    def start(self, now: datetime) -> datetime:
        return now - timedelta(milliseconds=self.bucket_ms * self.bucket_count)

    def bucket_of(self, moment: datetime, start: datetime) -> int | None:
        """The bucket index of `moment`, None outside [start, start + window)."""
        offset_us = (moment - start) // timedelta(microseconds=1)
        index = offset_us // (self.bucket_ms * 1000)
        return index if offset_us >= 0 and index < self.bucket_count else None


def activity_query(window_seconds: int, bucket_count: int) -> ActivityQuery:
    if not MIN_WINDOW_SECONDS <= window_seconds <= MAX_WINDOW_SECONDS:
        raise InvalidArgument(
            "window_seconds", f"must be between {MIN_WINDOW_SECONDS} and {MAX_WINDOW_SECONDS}"
        )
    if not 1 <= bucket_count <= MAX_BUCKETS:
        raise InvalidArgument("bucket_count", f"must be between 1 and {MAX_BUCKETS}")
    query = ActivityQuery(window_seconds, bucket_count)
    if query.bucket_ms < MIN_BUCKET_MS:
        raise InvalidArgument("bucket_count", "must leave buckets of at least one second")
    return query


@dataclass
class ActivityBucket:
    start: datetime
    submitted: dict[DeltaKind, int] = field(default_factory=lambda: dict.fromkeys(DeltaKind, 0))
    promoted: int = 0
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    latency_max_ms: float = 0.0


@dataclass(frozen=True)
class Activity:
    observed_at: datetime
    window_start: datetime
    bucket_ms: int
    buckets: list[ActivityBucket]


def empty_buckets(query: ActivityQuery, start: datetime) -> list[ActivityBucket]:
    width = timedelta(milliseconds=query.bucket_ms)
    return [ActivityBucket(start + width * i) for i in range(query.bucket_count)]


def percentile_cont(sorted_values: list[float], fraction: float) -> float:
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks."""
    if not sorted_values:
        return 0.0
    position = fraction * (len(sorted_values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def set_latencies(bucket: ActivityBucket, latencies_ms: Iterable[float]) -> None:
    ordered = sorted(latencies_ms)
    bucket.promoted = len(ordered)
    bucket.latency_p50_ms = percentile_cont(ordered, 0.5)
    bucket.latency_p95_ms = percentile_cont(ordered, 0.95)
    bucket.latency_max_ms = ordered[-1] if ordered else 0.0
