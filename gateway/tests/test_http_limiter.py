"""The global limiter's keys, check order and partitioning (docs/contracts/ops.md §1.1–1.2, §1.6), on a manual clock."""

from __future__ import annotations

import pytest

from guardian_common.rate_windows import BURST_REJECTION, SUSTAINED_REJECTION, FixedWindows
from guardian_gateway.domain.http_limiter import HttpLimits, HttpRateLimiter, enhanced_identity


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(burst: int, per_min: int, *, enabled: bool = True) -> tuple[HttpRateLimiter, ManualClock]:
    clock = ManualClock()
    return HttpRateLimiter(HttpLimits(enabled, burst, per_min), FixedWindows(clock)), clock


def test_burst_is_per_ip_and_endpoint() -> None:
    rl, _ = limiter(2, 100)
    assert rl.check("1.1.1.1", "/a", None) is None
    assert rl.check("1.1.1.1", "/a", None) is None
    assert rl.check("1.1.1.1", "/a", None) == BURST_REJECTION
    assert rl.check("1.1.1.1", "/b", None) is None
    assert rl.check("2.2.2.2", "/a", None) is None


def test_burst_window_resets_after_one_second() -> None:
    rl, clock = limiter(1, 100)
    assert rl.check("1.1.1.1", "/a", None) is None
    clock.now += 0.75
    assert rl.check("1.1.1.1", "/a", None) == BURST_REJECTION
    clock.now += 0.25
    assert rl.check("1.1.1.1", "/a", None) is None


def test_sustained_is_per_ip_across_endpoints() -> None:
    rl, clock = limiter(100, 3)
    for path in ("/a", "/b", "/c"):
        assert rl.check("1.1.1.1", path, None) is None
    assert rl.check("1.1.1.1", "/d", None) == SUSTAINED_REJECTION
    assert rl.check("2.2.2.2", "/d", None) is None
    clock.now += 60
    assert rl.check("1.1.1.1", "/d", None) is None


def test_retry_after_is_1_for_burst_and_60_for_sustained() -> None:
    assert (BURST_REJECTION.retry_after_secs, SUSTAINED_REJECTION.retry_after_secs) == (1, 60)


def test_passing_checks_keep_their_slot_even_when_a_later_check_refuses() -> None:
    rl, _ = limiter(100, 1)
    assert rl.check("1.1.1.1", "/a", None) is None
    # refused by sustained, but the burst slot was consumed first
    for _ in range(99):
        assert rl.check("1.1.1.1", "/a", None) == SUSTAINED_REJECTION
    assert rl.check("1.1.1.1", "/a", None) == BURST_REJECTION


class RecordingWindows(FixedWindows):
    def __init__(self) -> None:
        super().__init__(ManualClock())
        self.admitted: list[tuple[str, int, float]] = []

    def admit(self, key: str, limit: int, window_s: float) -> bool:
        self.admitted.append((key, limit, window_s))
        return super().admit(key, limit, window_s)


def test_check_order_base_burst_enhanced_burst_base_sustained_enhanced_sustained() -> None:
    windows = RecordingWindows()
    HttpRateLimiter(HttpLimits(True, 5, 50), windows).check("1.1.1.1", "/a", "account:x")
    assert windows.admitted == [
        ("ip:1.1.1.1|endpoint:/a", 5, 1.0),
        ("ip:1.1.1.1|endpoint:/a|account:x", 5, 1.0),
        ("ip:1.1.1.1", 50, 60.0),
        ("ip:1.1.1.1|account:x", 50, 60.0),
    ]


def test_without_identity_only_base_keys_are_counted() -> None:
    windows = RecordingWindows()
    HttpRateLimiter(HttpLimits(True, 5, 50), windows).check("unknown", "/evm/session", None)
    assert [key for key, _, _ in windows.admitted] == ["ip:unknown|endpoint:/evm/session", "ip:unknown"]


def test_the_first_refusal_stops_the_checks() -> None:
    windows = RecordingWindows()
    rl = HttpRateLimiter(HttpLimits(True, 0, 50), windows)
    assert rl.check("1.1.1.1", "/a", "account:x") == BURST_REJECTION
    assert [key for key, _, _ in windows.admitted] == ["ip:1.1.1.1|endpoint:/a"]


def test_enhanced_key_refuses_when_its_own_window_is_full() -> None:
    windows = FixedWindows(ManualClock())
    rl = HttpRateLimiter(HttpLimits(True, 2, 50), windows)
    # fill only the enhanced burst key
    windows.admit("ip:1.1.1.1|endpoint:/a|signer:abc", 2, 1.0)
    windows.admit("ip:1.1.1.1|endpoint:/a|signer:abc", 2, 1.0)
    assert rl.check("1.1.1.1", "/a", "signer:abc") == BURST_REJECTION
    assert rl.check("1.1.1.1", "/a", None) is None


@pytest.mark.parametrize(
    ("query", "pubkey", "expected"),
    [
        ("account_id=0xabc", None, "account:0xabc"),
        ("limit=5&account_id=a%20b&account_id=second", None, "account:a%20b"),
        ("account_id=", None, "account:"),
        ("xaccount_id=1", None, None),
        ("account_id=acc", "0x" + "f" * 40, "account:acc"),
        ("", "0x0123456789abcdef0123", "signer:0x0123456789abcd"),
        ("", "short", "signer:short"),
        ("", "", "signer:"),
        ("", None, None),
    ],
)
def test_enhanced_identity(query: str, pubkey: str | None, expected: str | None) -> None:
    assert enhanced_identity(query, pubkey) == expected


@pytest.mark.parametrize(
    ("burst", "per_min", "replicas", "shares"),
    [(10, 60, 1, (10, 60)), (600, 5000, 6, (100, 833)), (5, 60, 6, (0, 10)), (10, 60, 7, (1, 8))],
)
def test_limits_are_divided_by_max_replicas_rounding_down(
    burst: int, per_min: int, replicas: int, shares: tuple[int, int]
) -> None:
    limits = HttpLimits.partitioned(enabled=True, burst_per_sec=burst, per_min=per_min, max_replicas=replicas)
    assert (limits.burst_per_sec, limits.per_min) == shares
    assert limits.burst_per_sec * replicas <= burst and limits.per_min * replicas <= per_min


def test_a_zero_share_denies_everything() -> None:
    rl, _ = limiter(0, 60)
    assert rl.limits.denies_everything
    assert rl.check("1.1.1.1", "/", None) == BURST_REJECTION


def test_disabled_limiter_admits_everything() -> None:
    rl, _ = limiter(0, 0, enabled=False)
    assert not rl.limits.denies_everything
    assert all(rl.check("1.1.1.1", "/", None) is None for _ in range(100))
