"""`/`, `/status`, `/healthz`, `/readyz` and `/openapi.json`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from grpc_health.v1 import health_pb2

from guardian_gateway.openapi import document, render

if TYPE_CHECKING:
    from .conftest import GatewayFactory, ScriptedAuth

COMMITTED_OPENAPI = Path(__file__).parents[2] / "docs" / "openapi.json"


async def test_status_is_liveness_json(make_gateway: GatewayFactory) -> None:
    async with make_gateway(git_commit="abc1234", network_type="MidenTestnet") as client:
        root, status = await client.get("/"), await client.get("/status")
    assert root.status_code == status.status_code == 200
    body = status.json()
    assert set(body) == {"status", "version", "git_commit", "environment", "started_at", "uptime_seconds"}
    assert (body["status"], body["git_commit"], body["environment"]) == ("ok", "abc1234", "testnet")
    assert body["version"] == "0.1.0"
    assert datetime.fromisoformat(body["started_at"]) <= datetime.now(UTC)
    assert isinstance(body["uptime_seconds"], int) and body["uptime_seconds"] >= 0
    assert set(root.json()) == set(body)


async def test_healthz(make_gateway: GatewayFactory) -> None:
    async with make_gateway() as client:
        response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_when_both_dependencies_serve(make_gateway: GatewayFactory) -> None:
    async with make_gateway() as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"coordinator": "serving", "auth": "serving"}}


async def test_readyz_when_auth_is_not_serving(make_gateway: GatewayFactory, fake_auth: ScriptedAuth) -> None:
    await fake_auth.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    async with make_gateway() as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "code": "service_unavailable",
        "message": "not ready: a dependency is not serving",
        "meta": {"retryable": True, "checks": {"coordinator": "serving", "auth": "not_serving"}},
    }


async def test_readyz_when_auth_is_unreachable(make_gateway: GatewayFactory) -> None:
    async with make_gateway(auth_target="127.0.0.1:9") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["meta"]["checks"] == {"coordinator": "serving", "auth": "unreachable"}


async def test_openapi_is_served_and_matches_the_committed_copy(make_gateway: GatewayFactory) -> None:
    async with make_gateway() as client:
        served = (await client.get("/openapi.json")).json()
    generated = await document()
    assert served == generated
    assert COMMITTED_OPENAPI.read_text() == render(generated), (
        "docs/openapi.json is stale: run `.venv/bin/python -m guardian_gateway.openapi docs/openapi.json`"
    )
    assert set(json.loads(COMMITTED_OPENAPI.read_text())["paths"]) == {
        "/",
        "/status",
        "/healthz",
        "/readyz",
        "/auth/challenge",
        "/auth/verify",
        "/auth/logout",
        "/dashboard/session",
        "/evm/auth/challenge",
        "/evm/auth/verify",
        "/evm/auth/logout",
        "/evm/session",
        "/evm/accounts",
        "/evm/proposals",
        "/evm/proposals/{proposal_id}",
        "/evm/proposals/{proposal_id}/approve",
        "/evm/proposals/{proposal_id}/executable",
        "/evm/proposals/{proposal_id}/cancel",
        "/pubkey",
        "/configure",
        "/delta",
        "/delta/since",
        "/delta/history",
        "/delta/candidate/abandon",
        "/delta/proposal",
        "/delta/proposal/single",
        "/state",
        "/state/lookup",
        "/dashboard/info",
        "/dashboard/accounts",
        "/dashboard/accounts/{account_id}",
        "/dashboard/accounts/{account_id}/snapshot",
        "/dashboard/accounts/{account_id}/deltas",
        "/dashboard/accounts/{account_id}/deltas/{nonce}",
        "/dashboard/accounts/{account_id}/proposals",
        "/dashboard/accounts/{account_id}/pause",
        "/dashboard/accounts/{account_id}/unpause",
        "/dashboard/deltas",
        "/dashboard/proposals",
        "/dashboard/fleet",
        "/dashboard/activity",
    }
