"""CORS as browsers see it: preflights answered before anything else, headers on every response."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from guardian_gateway.domain.cors_policy import CorsPolicy
from guardian_gateway.middleware.cors import Cors
from guardian_gateway.middleware.unexpected_errors import UnexpectedErrors

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from .conftest import GatewayFactory

APP = "https://app.example.com"
PREFLIGHT = {
    "origin": APP,
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type",
}


async def test_any_origin_without_credentials_when_unset(make_gateway: GatewayFactory) -> None:
    async with make_gateway() as client:
        response = await client.get("/status", headers={"origin": "https://anything.example"})
        preflight = await client.options("/auth/verify", headers=PREFLIGHT)
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == "retry-after"
    assert "access-control-allow-credentials" not in response.headers
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "*"
    assert preflight.headers["access-control-allow-headers"] == "*"


async def test_allowlisted_origin_gets_credentials(make_gateway: GatewayFactory) -> None:
    async with make_gateway(cors_allowed_origins=f"{APP},http://localhost:5173") as client:
        response = await client.get("/dashboard/session", headers={"origin": APP})
        preflight = await client.options("/evm/auth/verify", headers=PREFLIGHT)
    assert response.status_code == 401  # errors carry CORS headers too
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "retry-after"
    assert "origin" in response.headers["vary"].lower()
    assert preflight.status_code == 200 and preflight.content == b""
    assert preflight.headers["access-control-allow-origin"] == APP
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert set(preflight.headers["access-control-allow-methods"].split(",")) >= {"GET", "POST"}
    allowed_headers = preflight.headers["access-control-allow-headers"].split(",")
    assert {"content-type", "x-pubkey", "authorization"} <= set(allowed_headers)


async def test_other_origins_get_no_cors_headers(make_gateway: GatewayFactory) -> None:
    async with make_gateway(cors_allowed_origins=APP) as client:
        response = await client.get("/status", headers={"origin": "https://evil.example"})
        preflight = await client.options(
            "/auth/verify", headers={**PREFLIGHT, "origin": "https://evil.example"}
        )
        same_origin = await client.get("/status")
    for answer in (response, preflight, same_origin):
        assert "access-control-allow-origin" not in answer.headers
        assert "access-control-allow-credentials" not in answer.headers
    assert response.status_code == 200 and preflight.status_code == 200


async def test_options_without_preflight_headers_is_routed(make_gateway: GatewayFactory) -> None:
    async with make_gateway() as client:
        response = await client.options("/auth/verify")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


async def test_an_unhandled_error_is_a_500_envelope_that_browsers_can_read() -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("secret internal detail")

    app = Cors(UnexpectedErrors(broken), CorsPolicy.parse(APP))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        response = await client.get("/anything", headers={"origin": APP})
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal_error",
        "message": "internal error",
        "meta": {"retryable": False},
    }
    assert response.headers["access-control-allow-origin"] == APP
    assert "secret" not in response.text
