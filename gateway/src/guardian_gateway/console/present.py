"""Pure helpers that turn API objects into what a page shows: ages, the bars of the status chart and the
columns of the activity charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

STATUSES = ("candidate", "canonical", "retained", "discarded")


def age(moment: str | None, now: datetime) -> str:
    """`42s`, `5m 3s`, `2h 10m`, `3d 4h` since an RFC 3339 instant; empty for none. A moment a little in the
    future (clocks of two hosts) reads `0s`."""
    if not moment:
        return ""
    seconds = max(0, int((now - datetime.fromisoformat(moment)).total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: int
    width: int
    y: int
    height: int


CHART_WIDTH = 480
ROW = 28
LABEL_WIDTH = 110
COUNT_WIDTH = 70


def horizontal_bars(counts: list[tuple[str, int]]) -> list[Bar]:
    """One bar per (label, count), scaled to the largest count (drawn as SVG by the template)."""
    largest = max((count for _, count in counts), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - COUNT_WIDTH
    return [
        Bar(label, count, LABEL_WIDTH, round(room * count / largest), i * ROW, ROW - 8)
        for i, (label, count) in enumerate(counts)
    ]


def status_bars(counts: dict[str, int]) -> list[Bar]:
    return horizontal_bars([(status, counts.get(status, 0)) for status in STATUSES])


# Upper bounds in seconds of the waiting-time buckets; the last one is open.
WAIT_BUCKETS = ((10, "< 10s"), (60, "10s – 1m"), (600, "1m – 10m"), (3_600, "10m – 1h"), (None, "≥ 1h"))


def waiting_bars(moments: list[str], now: datetime) -> list[Bar]:
    """How long the given candidates have waited since their status last changed, in buckets."""
    counts = [0] * len(WAIT_BUCKETS)
    for moment in moments:
        waited = (now - datetime.fromisoformat(moment)).total_seconds()
        counts[next(i for i, (bound, _) in enumerate(WAIT_BUCKETS) if bound is None or waited < bound)] += 1
    return horizontal_bars([(label, count) for (_, label), count in zip(WAIT_BUCKETS, counts, strict=True)])


@dataclass(frozen=True)
class Column:
    minutes_ago: int
    count: int
    x: int
    width: int
    y: int
    height: int


COLUMNS_HEIGHT = 100


def per_minute_columns(moments: list[str], now: datetime, minutes: int = 60) -> list[Column]:
    """Events per minute over the last `minutes` minutes, oldest on the left (vertical SVG bars)."""
    counts = [0] * minutes
    for moment in moments:
        ago = int((now - datetime.fromisoformat(moment)).total_seconds() // 60)
        if 0 <= ago < minutes:
            counts[ago] += 1
    largest = max(counts) or 1
    width = CHART_WIDTH // minutes
    columns = []
    for ago, count in enumerate(counts):
        height = round(COLUMNS_HEIGHT * count / largest)
        x = (minutes - 1 - ago) * width
        columns.append(Column(ago, count, x, max(width - 1, 1), COLUMNS_HEIGHT - height, height))
    return columns


# --- the activity charts (GET /dashboard/activity's data, drawn as SVG by overview.html) -----------------

ACTIVITY_HEIGHT = 120


@dataclass(frozen=True)
class Segment:
    status: str
    count: int
    y: int
    height: int


@dataclass(frozen=True)
class StackedColumn:
    start: str
    x: int
    width: int
    total: int
    segments: list[Segment]
    title: str


def _column_geometry(count: int) -> tuple[int, int]:
    """(step, bar width) of `count` columns across the chart."""
    step = max(CHART_WIDTH // max(count, 1), 1)
    return step, max(step - 1, 1)


def duration(ms: float) -> str:
    """`850 ms`, `12.4 s`, `3m 5s`: a latency for people."""
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    return age_of_seconds(int(ms // 1000))


def age_of_seconds(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m" if hours else f"{minutes}m {secs}s"


def submission_columns(buckets: list[dict[str, Any]]) -> list[StackedColumn]:
    """One column per bucket: the candidates submitted in it, stacked by their status now (candidate at the
    bottom), scaled to the busiest bucket."""
    largest = max((sum(b["submitted"].values()) for b in buckets), default=0) or 1
    step, width = _column_geometry(len(buckets))
    columns = []
    for i, bucket in enumerate(buckets):
        counts = bucket["submitted"]
        total = sum(counts.values())
        bottom = ACTIVITY_HEIGHT
        segments = []
        for status in STATUSES:
            count = counts.get(status, 0)
            height = round(ACTIVITY_HEIGHT * count / largest)
            if count:
                segments.append(Segment(status, count, bottom - height, height))
                bottom -= height
        parts = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES if counts.get(s, 0))
        title = f"{bucket['start']}: {total} submitted" + (f" ({parts})" if parts else "")
        columns.append(StackedColumn(bucket["start"], i * step, width, total, segments, title))
    return columns


@dataclass(frozen=True)
class LatencyColumn:
    start: str
    x: int
    width: int
    promoted: int
    p50_y: int
    p50_height: int
    p95_y: int
    p95_height: int
    max_y: int
    title: str


def latency_columns(buckets: list[dict[str, Any]]) -> list[LatencyColumn]:
    """Per bucket with promotions: the median latency (dark) over the 95th percentile (light), and a tick at
    the largest; scaled to the largest latency of the window. Buckets without promotions stay empty."""
    largest = max((b["latency_ms"]["max"] for b in buckets if b["latency_ms"]), default=0.0) or 1.0
    step, width = _column_geometry(len(buckets))
    columns = []
    for i, bucket in enumerate(buckets):
        latency = bucket["latency_ms"]
        if not latency:
            continue

        def top(ms: float) -> int:
            return ACTIVITY_HEIGHT - round(ACTIVITY_HEIGHT * ms / largest)

        title = (
            f"{bucket['start']}: {bucket['promoted']} promoted, median {duration(latency['p50'])}, "
            f"95th percentile {duration(latency['p95'])}, largest {duration(latency['max'])}"
        )
        p50_y, p95_y = top(latency["p50"]), top(latency["p95"])
        columns.append(
            LatencyColumn(
                bucket["start"],
                i * step,
                width,
                bucket["promoted"],
                p50_y,
                ACTIVITY_HEIGHT - p50_y,
                p95_y,
                ACTIVITY_HEIGHT - p95_y,
                top(latency["max"]),
                title,
            )
        )
    return columns


def window_label(seconds: float) -> str:
    """`60 min ago`, `24 h ago`: the left end of a chart."""
    if seconds >= 7200:
        return f"{seconds / 3600:g} h ago"
    return f"{seconds / 60:g} min ago"
