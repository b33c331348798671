"""Canonicalizer settings: production defaults, strict booleans, and the renew < TTL / 2 rule."""

from __future__ import annotations

import pytest

from guardian_canonicalizer.config import CanonicalizerSettings
from guardian_canonicalizer.holder import holder_id
from guardian_common.errors import ConfigurationError
from guardian_common.settings import load_settings


def test_defaults_replace_a_crashed_leader_within_fifteen_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(CanonicalizerSettings)
    # A standby tries on every heartbeat (the renew interval), so takeover after a crash is at most
    # TTL + renew interval.
    ttl = settings.canonicalization_lease_ttl_seconds
    assert ttl + settings.canonicalization_renew_interval_seconds <= 15
    assert settings.canonicalization_max_retries == 48
    assert settings.miden_rpc_timeout_ms == 10_000
    assert settings.canonicalization_shards == 16
    assert settings.canonicalization_chain_concurrency == 32


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GUARDIAN_CANONICALIZATION_FAST_PROMOTION_ENABLED", "0"),
        ("GUARDIAN_CANONICALIZATION_RECONCILE_INTERVAL_SECONDS", "0"),
        ("GUARDIAN_CANONICALIZATION_SHARDS", "0"),
        ("GUARDIAN_CANONICALIZATION_SHARDS", "4097"),
        ("GUARDIAN_CANONICALIZATION_BATCH_SIZE", "501"),
        ("GUARDIAN_CANONICALIZATION_CHAIN_CONCURRENCY", "0"),
        ("GUARDIAN_CANONICALIZATION_MAX_CONCURRENT_SHARDS", "0"),
        ("GUARDIAN_CANONICALIZATION_RETAINED_TTL_SECONDS", "-1"),
        ("GUARDIAN_CANONICALIZATION_RENEW_INTERVAL_SECONDS", "5"),  # not below TTL 10 / 2
        ("GUARDIAN_MIDEN_RPC_ENDPOINT", "http://node:57291/path"),
    ],
)
def test_invalid_values_refuse_startup(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError):
        load_settings(CanonicalizerSettings)


def test_booleans_are_exactly_true_or_false(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARDIAN_CANONICALIZATION_FAST_PROMOTION_ENABLED", "false")
    assert load_settings(CanonicalizerSettings).canonicalization_fast_promotion_enabled is False


def test_a_restarted_process_is_a_new_holder() -> None:
    assert holder_id("canon-a") != holder_id("canon-a")
    assert holder_id("canon-a").startswith("canon-a-")
