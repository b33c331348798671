"""The console's pure parts (docs/console.md): ages, chart bars, the Origin rule, autoescaping, the static
folder. The pages themselves are tested in a browser (tests/test_console_browser.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.console.pages import STATIC, TEMPLATES
from guardian_gateway.console.present import (
    CHART_WIDTH,
    COUNT_WIDTH,
    LABEL_WIDTH,
    age,
    per_minute_columns,
    status_bars,
    waiting_bars,
)
from guardian_gateway.console.security import CSP, require_same_origin, same_origin

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
