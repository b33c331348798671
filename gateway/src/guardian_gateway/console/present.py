"""Pure helpers that turn API objects into what a page shows: ages and the bars of the status chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
