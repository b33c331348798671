"""Settings, the cursor secret, and the startup guards."""

from __future__ import annotations

import pytest

from guardian.coordinator.v1 import coordinator_pb2 as coordinator_pb
from guardian_common.errors import ConfigurationError
from guardian_common.settings import load_settings
from guardian_common.stage import Stage
from guardian_common.startup import COORDINATOR_IN_MEMORY, MISSING_INTERNAL_TOKEN
from guardian_gateway.config import GatewaySettings
from guardian_gateway.cursor_secret import parse_cursor_secret
from guardian_gateway.guards import configuration_problems, coordinator_problems
from guardian_gateway.listener import ListenAddress, parse_listen_address
from guardian_gateway.runtime import resolve_runtime

SECRET = "0123456789abcdef" * 4


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> GatewaySettings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings(GatewaySettings)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch)
    assert (s.http_addr, s.auth_target, s.coordinator_target) == (
        "127.0.0.1:8080",
        "127.0.0.1:50061",
        "127.0.0.1:50051",
    )
    assert (s.rate_limit_enabled, s.rate_burst_per_sec, s.rate_per_min) == (True, 10, 60)
    assert (s.max_request_bytes, s.max_small_request_bytes, s.max_header_bytes) == (1_114_112, 8_192, 65_536)
    assert (s.http_header_timeout_seconds, s.http_body_timeout_seconds) == (10.0, 30.0)
    assert (s.offload_workers, s.offload_queue) == (2, 8)
    assert s.cookie_secure is None and s.internal_token is None


@pytest.mark.parametrize(
    ("raw", "enabled"),
    [
        ("0", False),
        ("false", False),
        (" OFF ", False),
        ("No", False),
        ("1", True),
        ("maybe", True),
        ("", True),
    ],
)
def test_limiter_kill_switch_reads_like_upstream(
    monkeypatch: pytest.MonkeyPatch, raw: str, enabled: bool
) -> None:
    assert settings(monkeypatch, GUARDIAN_RATE_LIMIT_ENABLED=raw).rate_limit_enabled is enabled


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GUARDIAN_RATE_BURST_PER_SEC", "ten"),
        ("GUARDIAN_RATE_PER_MIN", "-1"),
        ("GUARDIAN_MAX_REQUEST_BYTES", "0"),
        ("GUARDIAN_MAX_SMALL_REQUEST_BYTES", "0"),
        ("GUARDIAN_MAX_HEADER_BYTES", "100"),
        ("GUARDIAN_HTTP_HEADER_TIMEOUT_SECONDS", "0"),
        ("GUARDIAN_HTTP_BODY_TIMEOUT_SECONDS", "never"),
        ("GUARDIAN_HTTP_KEEP_ALIVE_SECONDS", "0"),
        ("GUARDIAN_OFFLOAD_WORKERS", "0"),
        ("GUARDIAN_OFFLOAD_QUEUE", "-1"),
        ("GUARDIAN_HTTP_ADDR", "8080"),
        ("GUARDIAN_HTTP_ADDR", "::1:8080"),
        ("GUARDIAN_COOKIE_SECURE", "sometimes"),
        ("GUARDIAN_NETWORK_TYPE", "mainnet"),
        ("GUARDIAN_AUTH_DEADLINE_SECONDS", "0"),
    ],
)
def test_invalid_values_refuse_startup_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        settings(monkeypatch, **{name: value})
    assert f"{name}={value!r}" in str(refused.value)


@pytest.mark.parametrize(
    ("raw", "address"),
    [
        ("127.0.0.1:0", ListenAddress("127.0.0.1", 0)),
        ("0.0.0.0:8080", ListenAddress("0.0.0.0", 8080)),
        ("[::]:8080", ListenAddress("::", 8080)),
        ("localhost:9", ListenAddress("localhost", 9)),
    ],
)
def test_listen_addresses(raw: str, address: ListenAddress) -> None:
    assert parse_listen_address(raw) == address
    assert address.display(1234).endswith(":1234")
    assert ListenAddress("::1", 0).display(5) == "[::1]:5"


@pytest.mark.parametrize(("network", "environment"), [("MidenTestnet", "testnet"), ("devnet", "devnet")])
def test_network_type_names_the_status_environment(
    monkeypatch: pytest.MonkeyPatch, network: str, environment: str
) -> None:
    assert settings(monkeypatch, GUARDIAN_NETWORK_TYPE=network).network_type == environment


def test_cookie_secure_defaults_to_the_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch)
    assert resolve_runtime(s, {"GUARDIAN_ENV": " Prod "}).cookie_secure is True
    assert resolve_runtime(s, {}).cookie_secure is False
    forced_off = settings(monkeypatch, GUARDIAN_COOKIE_SECURE="false")
    assert resolve_runtime(forced_off, {"GUARDIAN_ENV": "prod"}).cookie_secure is False
    forced_on = settings(monkeypatch, GUARDIAN_COOKIE_SECURE="true")
    assert resolve_runtime(forced_on, {}).cookie_secure is True


@pytest.mark.parametrize("raw", [SECRET, "0x" + SECRET, f"  {SECRET.upper()}\n"])
def test_cursor_secret_accepted_forms(raw: str) -> None:
    key = parse_cursor_secret(raw)
    assert key.configured and key.state == "configured"
    assert key.key == bytes.fromhex(SECRET)


def test_missing_cursor_secret_is_an_ephemeral_random_key() -> None:
    first, second = parse_cursor_secret(None), parse_cursor_secret(None)
    assert not first.configured and first.state == "ephemeral"
    assert len(first.key) == 32 and first.key != second.key


@pytest.mark.parametrize(
    "raw", ["", "  ", SECRET[:-2], SECRET + "00", "0x" + SECRET[:-1] + "g", "0X" + SECRET]
)
def test_malformed_cursor_secret_refuses_without_echoing_it(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="GUARDIAN_DASHBOARD_CURSOR_SECRET is malformed") as refused:
        parse_cursor_secret(raw)
    assert "openssl rand -hex 32" in str(refused.value)
    assert SECRET[:16] not in str(refused.value)


def test_malformed_cursor_secret_refuses_in_every_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch, GUARDIAN_DASHBOARD_CURSOR_SECRET="short")
    for env in ({}, {"GUARDIAN_ENV": "prod"}):
        with pytest.raises(ConfigurationError):
            resolve_runtime(s, env)


def test_configuration_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    clean = settings(monkeypatch, GUARDIAN_INTERNAL_TOKEN="t")
    assert configuration_problems(clean, resolve_runtime(clean, {"GUARDIAN_MAX_REPLICAS": "6"})) == []

    problems = configuration_problems(clean, resolve_runtime(clean, {"GUARDIAN_MAX_REPLICAS": "zero"}))
    assert len(problems) == 1 and "GUARDIAN_MAX_REPLICAS='zero' is not a positive integer" in problems[0]

    problems = configuration_problems(clean, resolve_runtime(clean, {"GUARDIAN_MAX_REPLICAS": "11"}))
    assert len(problems) == 1
    assert "partitions to zero" in problems[0] and "GUARDIAN_MAX_REPLICAS=11" in problems[0]
    assert "0/s and 5/min" in problems[0]

    unlimited = settings(monkeypatch, GUARDIAN_RATE_LIMIT_ENABLED="off")
    assert (
        configuration_problems(unlimited, resolve_runtime(unlimited, {"GUARDIAN_MAX_REPLICAS": "11"})) == []
    )


def test_missing_internal_token_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in ({}, {"GUARDIAN_INTERNAL_TOKEN": ""}):
        s = settings(monkeypatch, **env)
        runtime = resolve_runtime(s, {})
        assert runtime.stage is Stage.NON_PROD
        assert configuration_problems(s, runtime) == [MISSING_INTERNAL_TOKEN]


def test_memory_coordinator_is_a_problem() -> None:
    memory = coordinator_pb.DescribeResponse(mode="single-process", backend="memory")
    shared = coordinator_pb.DescribeResponse(mode="shared", backend="postgres")
    assert coordinator_problems(memory) == [COORDINATOR_IN_MEMORY]
    assert coordinator_problems(shared) == []
