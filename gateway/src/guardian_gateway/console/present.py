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


def status_bars(counts: dict[str, int]) -> list[Bar]:
    """Horizontal bars, one per status, scaled to the largest count (drawn as SVG by the template)."""
    largest = max((counts.get(s, 0) for s in STATUSES), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - COUNT_WIDTH
    return [
        Bar(
            status,
            counts.get(status, 0),
            LABEL_WIDTH,
            round(room * counts.get(status, 0) / largest),
            i * ROW,
            ROW - 8,
        )
        for i, status in enumerate(STATUSES)
    ]
