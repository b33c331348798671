"""The metrics listener: one path, Prometheus text, and the optional bearer token."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter

from guardian_common.errors import ConfigurationError
from guardian_common.settings import load_settings
from guardian_common.telemetry.metrics import MetricsSettings
from guardian_common.telemetry.metrics_http import MetricsServer, start_metrics_server

TOKEN = "scrape-secret"


@pytest.fixture
def server() -> Iterator[MetricsServer]:
    registry = CollectorRegistry()
    Counter("guardian_example", "An example", registry=registry).inc()
    started = start_metrics_server("127.0.0.1:0", "/metrics", TOKEN, registry)
    yield started
    started.stop()


def test_a_scrape_without_the_right_bearer_token_is_refused(server: MetricsServer) -> None:
    url = server.url()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401
        assert "guardian_example" not in response.text
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_scrape_with_the_token_gets_prometheus_text(server: MetricsServer) -> None:
    response = httpx.get(server.url(), headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "guardian_example_total 1.0" in response.text


def test_only_the_configured_path_answers(server: MetricsServer) -> None:
    other = server.url().replace("/metrics", "/other")
    assert httpx.get(other, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_defaults_are_off_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENABLED", "ADDR", "PATH", "BEARER_TOKEN"):
        monkeypatch.delenv(f"GUARDIAN_METRICS_{name}", raising=False)
    settings = load_settings(MetricsSettings)
    assert (settings.enabled, settings.addr, settings.path, settings.bearer_token) == (
        False,
        "127.0.0.1:9464",
        "/metrics",
        None,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GUARDIAN_METRICS_ENABLED", "1"),
        ("GUARDIAN_METRICS_ADDR", "9464"),
        ("GUARDIAN_METRICS_ADDR", "host:http"),
        ("GUARDIAN_METRICS_PATH", "metrics"),
    ],
)
def test_invalid_values_refuse_startup(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        load_settings(MetricsSettings)


def test_the_token_never_appears_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARDIAN_METRICS_BEARER_TOKEN", TOKEN)
    assert TOKEN not in repr(load_settings(MetricsSettings))
