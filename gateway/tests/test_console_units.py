"""The console's pure parts (docs/console.md): ages, chart bars, the Origin rule, autoescaping, the static
folder. The pages themselves are tested in a browser (tests/test_console_browser.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.dashboard_feeds import parse_account_prefix
from guardian_gateway.console.pages import STATIC, TEMPLATES
from guardian_gateway.console.present import (
    ACTIVITY_HEIGHT,
    CHART_WIDTH,
    COUNT_WIDTH,
    LABEL_WIDTH,
    age,
    duration,
    latency_columns,
    per_minute_columns,
    status_bars,
    submission_columns,
    waiting_bars,
)
from guardian_gateway.console.security import CSP, require_same_origin, same_origin
from guardian_gateway.usecases.fleet import activity_window

NOW = datetime(2026, 12, 3, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-03T11:59:18.000000Z", "42s"),
        ("2026-12-03T11:54:57.000000Z", "5m 3s"),
        ("2026-12-03T09:50:00.000000Z", "2h 10m"),
        ("2026-11-30T08:00:00.000000Z", "3d 4h"),
        ("2026-12-03T12:00:05.000000Z", "0s"),  # a moment a little ahead (another host's clock)
        (None, ""),
    ],
)
def test_age(moment: str | None, expected: str) -> None:
    assert age(moment, NOW) == expected


def test_status_bars_scale_to_the_largest_count() -> None:
    bars = status_bars({"candidate": 5, "canonical": 10})
    assert [b.label for b in bars] == ["candidate", "canonical", "retained", "discarded"]
    room = CHART_WIDTH - LABEL_WIDTH - COUNT_WIDTH
    assert [b.width for b in bars] == [room // 2, room, 0, 0]
    assert all(b.width == 0 for b in status_bars({}))  # nothing yet: no division by zero


@pytest.mark.parametrize(
    ("headers", "scheme", "allowed"),
    [
        ({"origin": "http://127.0.0.1:8080", "host": "127.0.0.1:8080"}, "http", True),
        ({"origin": "https://console.example", "host": "console.example"}, "http", True),  # behind TLS proxy
        ({"origin": "https://console.example", "host": "console.example"}, "https", True),
        ({"origin": "http://console.example", "host": "console.example"}, "https", False),  # downgrade
        ({"origin": "https://evil.example", "host": "console.example"}, "http", False),
        ({"origin": "null", "host": "console.example"}, "http", False),
        ({"host": "console.example"}, "http", False),  # no Origin: not a browser's form post
        ({"origin": "http://console.example"}, "http", False),
    ],
)
def test_same_origin(headers: dict[str, str], scheme: str, allowed: bool) -> None:
    assert same_origin(headers, scheme) is allowed


def test_a_cross_origin_action_is_a_403_envelope() -> None:
    with pytest.raises(ErrorEnvelope) as refused:
        require_same_origin({"origin": "https://evil.example", "host": "console.example"}, "http")
    assert refused.value.http_status == 403 and refused.value.code == "authorization_failed"


def test_policy_allows_no_inline_code() -> None:
    assert "script-src 'self'" in CSP and "style-src 'self'" in CSP and "unsafe" not in CSP


def test_templates_escape_values() -> None:
    html = TEMPLATES.get_template("wallet.html").render(
        path="/console/wallet", title="t", operator=None, address="<script>alert(1)</script>"
    )
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_the_static_folder_is_one_script_and_one_stylesheet() -> None:
    assert sorted(STATIC) == ["console.css", "console.js"]
    assert STATIC["console.js"][1].startswith("text/javascript")


def test_waiting_bars_bucket_by_time_since_the_status_change() -> None:
    moments = [
        "2026-12-03T11:59:55.000000Z",  # 5 s
        "2026-12-03T11:59:30.000000Z",  # 30 s
        "2026-12-03T11:58:00.000000Z",  # 2 min
        "2026-12-03T09:00:00.000000Z",  # 3 h
    ]
    assert [b.count for b in waiting_bars(moments, NOW)] == [1, 1, 1, 0, 1]


def test_per_minute_columns_put_the_newest_minute_on_the_right() -> None:
    moments = ["2026-12-03T11:59:30.000000Z", "2026-12-03T11:59:10.000000Z", "2026-12-03T11:00:30.000000Z"]
    moments.append("2026-12-03T10:00:00.000000Z")  # older than the hour: left out
    columns = per_minute_columns(moments, NOW)
    assert len(columns) == 60 and sum(c.count for c in columns) == 3
    newest = max(columns, key=lambda c: c.x)
    assert newest.minutes_ago == 0 and newest.count == 2 and newest.height == 100
    assert next(c for c in columns if c.minutes_ago == 59).count == 1


def _bucket(start: str, promoted: int = 0, **submitted: int) -> dict[str, object]:
    counts = {"candidate": 0, "canonical": 0, "retained": 0, "discarded": 0, **submitted}
    latency = {"p50": 1000.0 * promoted, "p95": 1500.0 * promoted, "max": 2000.0 * promoted}
    return {
        "start": start,
        "submitted": counts,
        "promoted": promoted,
        "latency_ms": latency if promoted else None,
    }


def test_submission_columns_stack_each_bucket_by_status_scaled_to_the_busiest() -> None:
    columns = submission_columns(
        [_bucket("t0", candidate=1, canonical=3), _bucket("t1"), _bucket("t2", discarded=2)]
    )
    assert [c.total for c in columns] == [4, 0, 2]
    assert [c.x for c in columns] == [0, 160, 320] and columns[0].width == 159
    first = columns[0].segments
    assert [(s.status, s.count) for s in first] == [("candidate", 1), ("canonical", 3)]
    assert sum(s.height for s in first) == ACTIVITY_HEIGHT  # the busiest bucket fills the chart
    assert first[0].y + first[0].height == ACTIVITY_HEIGHT and first[1].y + first[1].height == first[0].y
    assert columns[1].segments == [] and "0 submitted" in columns[1].title
    assert columns[0].title == "t0: 4 submitted (1 candidate, 3 canonical)"


def test_latency_columns_leave_buckets_without_promotions_empty() -> None:
    columns = latency_columns([_bucket("t0", promoted=1), _bucket("t1"), _bucket("t2", promoted=2)])
    assert [c.start for c in columns] == ["t0", "t2"]
    slowest = columns[1]
    assert slowest.max_y == 0 and slowest.p95_height == round(ACTIVITY_HEIGHT * 3000 / 4000)
    assert columns[0].p50_height == round(ACTIVITY_HEIGHT * 1000 / 4000)
    assert "median 2.0 s" in slowest.title and "largest 4.0 s" in slowest.title
    assert latency_columns([_bucket("t0")]) == []  # nothing promoted: no division by zero


@pytest.mark.parametrize(
    ("ms", "text"), [(850.4, "850 ms"), (12_400, "12.4 s"), (185_000, "3m 5s"), (7_260_000, "2h 1m")]
)
def test_duration(ms: float, text: str) -> None:
    assert duration(ms) == text


@pytest.mark.parametrize(
    ("window", "buckets", "expected"),
    [(None, None, (3600, 60)), ("", "", (3600, 60)), ("86400", "96", (86400, 96)), ("60", "60", (60, 60))],
)
def test_activity_window_defaults_and_bounds(
    window: str | None, buckets: str | None, expected: tuple[int, int]
) -> None:
    assert activity_window(window, buckets) == expected


@pytest.mark.parametrize(
    ("window", "buckets"),
    [
        ("59", None),
        ("86401", None),
        ("-1", None),
        ("1e3", None),
        (None, "0"),
        (None, "121"),
        ("60", "61"),
        ("+60", None),
    ],
)
def test_activity_window_refuses_out_of_bounds(window: str | None, buckets: str | None) -> None:
    with pytest.raises(ErrorEnvelope) as refused:
        activity_window(window, buckets)
    assert refused.value.code == "invalid_input"


@pytest.mark.parametrize(
    ("raw", "prefix"),
    [
        (None, ""),
        ("", ""),
        ("0x", ""),
        (" 0xAB ", "0xab"),
        ("ab", "0xab"),
        ("0x" + "f" * 30, "0x" + "f" * 30),
    ],
)
def test_account_prefix_is_normalised(raw: str | None, prefix: str) -> None:
    assert parse_account_prefix(raw) == prefix


@pytest.mark.parametrize("raw", ["0xg", "0x%", "x1", "0x" + "a" * 31, "0x_", "0x 1"])
def test_account_prefix_refuses_non_hex(raw: str) -> None:
    with pytest.raises(ErrorEnvelope) as refused:
        parse_account_prefix(raw)
    assert refused.value.code == "invalid_input"
