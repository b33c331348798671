"""The laptop HA stack (deploy/compose), checked without Docker: the compose file and the proxy config."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_DIR = ROOT / "deploy" / "compose"
SERVICES = {"coordinator": 50051, "auth": 50061, "gateway": 8080, "canonicalizer": 50071}
SECRETS = {
    "GUARDIAN_INTERNAL_TOKEN",
    "GUARDIAN_DASHBOARD_CURSOR_SECRET",
    "ACK_ECDSA_KEY_HEX",
    "ACK_FALCON_KEY_HEX",
}
REQUIRED = re.compile(r"\$\{([A-Z0-9_]+):\?[^}]*\}")
DEFAULT_SHUTDOWN_GRACE_SECONDS = 10


def compose() -> dict[str, Any]:
    document = yaml.safe_load((COMPOSE_DIR / "docker-compose.yml").read_text())
    assert isinstance(document, dict)
    return document


def copies(service: str) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose()["services"].items() if re.fullmatch(rf"{service}-\d+", name)}


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, f"use plain seconds like 30s, got {duration}"
    return float(match[1])


def test_two_copies_of_every_service_plus_postgres_devnet_and_a_proxy() -> None:
    names = set(compose()["services"])
    assert {"postgres", "devnet", "proxy"} <= names
    for service in SERVICES:
        assert len(copies(service)) == 2, f"two copies of {service} expected"


def test_copies_build_their_image_and_run_locked_down() -> None:
    for service in SERVICES:
        for name, definition in copies(service).items():
            dockerfile = definition["build"]["dockerfile"]
            assert dockerfile == f"deploy/docker/{service}.Dockerfile"
            assert (COMPOSE_DIR / definition["build"]["context"] / dockerfile).is_file()
            assert definition["read_only"] is True and definition["cap_drop"] == ["ALL"], name
            grace = float(
                definition["environment"].get(
                    "GUARDIAN_SHUTDOWN_GRACE_SECONDS", DEFAULT_SHUTDOWN_GRACE_SECONDS
                )
            )
            assert seconds(definition["stop_grace_period"]) > grace, f"{name}: SIGKILL would cut the drain"
            assert definition["environment"]["GUARDIAN_MAX_REPLICAS"] == str(len(copies(service))), name


def test_targets_reach_every_copy_through_a_shared_alias() -> None:
    aliases = {
        service: {tuple(d["networks"]["default"]["aliases"]) for d in copies(service).values()}
        for service in ("coordinator", "auth")
    }
    assert aliases == {"coordinator": {("coordinator",)}, "auth": {("auth",)}}
    for service in SERVICES:
        for name, definition in copies(service).items():
            for variable, value in definition["environment"].items():
                if variable.endswith("_TARGET"):
                    host, _, port = value.removeprefix("dns:///").rpartition(":")
                    assert value.startswith("dns:///") and host in aliases, f"{name}: {variable}={value}"
                    assert int(port) == SERVICES[host]


def test_only_the_coordinator_has_the_database_and_secrets_come_from_the_env_file() -> None:
    env_example = (COMPOSE_DIR / ".env.example").read_text()
    for service in SERVICES:
        for name, definition in copies(service).items():
            environment = definition["environment"]
            assert ("DATABASE_URL" in environment) == (service == "coordinator"), name
            for variable in SECRETS & set(environment):
                assert REQUIRED.fullmatch(environment[variable]), f"{name}: {variable} must come from .env"
    required = set(REQUIRED.findall((COMPOSE_DIR / "docker-compose.yml").read_text()))
    for variable in required:
        assert re.search(rf"^{variable}=", env_example, flags=re.MULTILINE), f".env.example lacks {variable}"
    assert (COMPOSE_DIR / ".gitignore").read_text().split() == [".env"]


def test_the_proxy_balances_round_robin_over_both_gateways_by_readiness() -> None:
    caddyfile = (COMPOSE_DIR / "Caddyfile").read_text()
    upstreams = re.search(r"reverse_proxy\s+([^{]+)\{", caddyfile)
    assert upstreams, "no reverse_proxy block"
    assert set(upstreams[1].split()) == {f"{name}:8080" for name in copies("gateway")}
    assert re.search(r"^\s*lb_policy round_robin$", caddyfile, flags=re.MULTILINE)
    assert re.search(r"^\s*health_uri /readyz$", caddyfile, flags=re.MULTILINE)
    proxy = compose()["services"]["proxy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert set(proxy["depends_on"]) == set(copies("gateway"))
