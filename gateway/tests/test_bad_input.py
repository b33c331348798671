"""Every error the gateway itself produces is the JSON envelope: missing parameters, bodies that are not
JSON, wrong content types, unknown routes, wrong methods. Nothing reaches auth."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .conftest import GatewayFactory, ScriptedAuth

VERIFY_ROUTES = ["/auth/verify", "/evm/auth/verify"]


def assert_envelope(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code and isinstance(body["message"], str)
    assert body["meta"]["retryable"] is False
    assert "Traceback" not in response.text
    return body


@pytest.mark.parametrize(
    ("path", "query", "param"),
    [
        ("/auth/challenge", {}, "commitment"),
        ("/auth/challenge", {"Commitment": "x"}, "commitment"),
        ("/evm/auth/challenge", {}, "address"),
        ("/evm/auth/challenge", {"addr": "0x"}, "address"),
    ],
)
async def test_missing_query_parameter_is_400_invalid_input(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth, path: str, query: dict[str, str], param: str
) -> None:
    async with make_gateway() as client:
        response = await client.get(path, params=query)
    body = assert_envelope(response, 400, "invalid_input")
    assert body["message"] == f"query parameter '{param}' is required"
    assert fake_auth.calls == []


@pytest.mark.parametrize("path", VERIFY_ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "json"},
    ],
)
async def test_verify_without_a_json_content_type_is_415(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth, path: str, headers: dict[str, str]
) -> None:
    async with make_gateway() as client:
        response = await client.post(path, content=b'{"commitment":"c","signature":"s"}', headers=headers)
    assert_envelope(response, 415, "unsupported_media_type")
    assert fake_auth.calls == []


@pytest.mark.parametrize("path", VERIFY_ROUTES)
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "request body is not valid JSON"),
        (b"{", "request body is not valid JSON"),
        (b"not json", "request body is not valid JSON"),
        (b"[]", "request body must be a JSON object"),
        (b'"text"', "request body must be a JSON object"),
        (b"null", "request body must be a JSON object"),
        (b"{}", "is required"),
        (b'{"commitment": 1, "signature": "s", "address": 1, "nonce": "n"}', "must be a string"),
        (b'{"commitment": null, "signature": null, "address": null, "nonce": null}', "must be a string"),
    ],
)
async def test_verify_with_a_bad_body_is_400(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth, path: str, body: bytes, message: str
) -> None:
    async with make_gateway() as client:
        response = await client.post(
            path, content=body, headers={"content-type": "application/json; charset=utf-8"}
        )
    assert message in assert_envelope(response, 400, "invalid_input")["message"]
    assert fake_auth.calls == []


async def test_json_subtypes_and_unknown_fields_are_accepted(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    body = b'{"commitment": "c", "signature": "s", "extra": [1]}'
    async with make_gateway() as client:
        response = await client.post(
            "/auth/verify", content=body, headers={"content-type": "application/vnd.x+json"}
        )
    assert response.status_code == 401  # reached auth, which refused the signature
    assert len(fake_auth.called("OperatorAuth/Verify")) == 1


@pytest.mark.parametrize(
    "path", ["/nope", "/auth", "/auth/challenge/", "/dashboard/nope", "/evm/nope", "/openapi"]
)
async def test_unknown_route_is_404_not_found(make_gateway: GatewayFactory, path: str) -> None:
    async with make_gateway() as client:
        response = await client.get(path)
    assert_envelope(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/auth/challenge", "GET"),
        ("GET", "/auth/verify", "POST"),
        ("DELETE", "/auth/logout", "POST"),
        ("PUT", "/dashboard/session", "GET"),
        ("POST", "/evm/session", "GET"),
        ("GET", "/evm/auth/logout", "POST"),
        ("POST", "/status", "GET"),
    ],
)
async def test_wrong_method_is_405_with_allow(
    make_gateway: GatewayFactory, method: str, path: str, allow: str
) -> None:
    async with make_gateway() as client:
        response = await client.request(method, path)
    assert_envelope(response, 405, "method_not_allowed")
    assert allow in response.headers["allow"]


async def test_logout_ignores_any_body(make_gateway: GatewayFactory) -> None:
    async with make_gateway() as client:
        response = await client.post(
            "/auth/logout", content=b"\x00garbage", headers={"content-type": "text/plain"}
        )
    assert response.status_code == 200 and response.json() == {"success": True}


async def test_a_push_is_one_authorisation_call_carrying_the_signed_body(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    """POST /delta asks auth once (AuthorizePush, which loads the account itself) and, refused, nothing else."""
    body = {
        "account_id": "0x" + "ab" * 15,
        "nonce": 3,
        "prev_commitment": "0x" + "cd" * 32,
        "delta_payload": {"patch": {"a": 1}},
    }
    headers = {"x-pubkey": "0x02", "x-signature": "0x00", "x-timestamp": "1"}
    async with make_gateway() as client:
        response = await client.post("/delta", json=body, headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"
    assert [name for name, _ in fake_auth.calls] == ["AccountAuth/AuthorizePush"]
    (asked,) = fake_auth.called("AccountAuth/AuthorizePush")
    assert (asked.account_id, asked.nonce, asked.prev_commitment) == (
        body["account_id"],
        3,
        body["prev_commitment"],
    )
    assert json.loads(asked.delta_payload_json) == body["delta_payload"]
    assert json.loads(asked.payload) == body and asked.timestamp == "1"
