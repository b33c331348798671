"""Operator login through the in-process gateway against the scripted auth server (docs/contracts/auth.md §2)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import grpc
import httpx

from guardian_common.envelope import ErrorEnvelope

if TYPE_CHECKING:
    from .conftest import GatewayFactory, ScriptedAuth

COOKIE = "guardian_operator_session"


def with_cookie(token: str) -> dict[str, str]:
    return {"cookie": f"{COOKIE}={token}"}


def closed_port_target() -> str:
    """A loopback port nothing listens on: connections are refused, as when auth is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def assert_failed(response: httpx.Response, status: int, code: str, message: str, *, retryable: bool) -> None:
    """The exact envelope, and no cookie set or cleared."""
    assert response.status_code == status
    assert envelope(response) == {"code": code, "message": message, "meta": {"retryable": retryable}}
    assert "set-cookie" not in response.headers


def envelope(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "meta"} and isinstance(body["meta"]["retryable"], bool)
    return body


async def test_challenge_passes_the_raw_commitment_and_returns_the_upstream_shape(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway() as client:
        response = await client.get("/auth/challenge", params={"commitment": "0xABC def"})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "challenge": {
            "domain": "*",
            "commitment": "0xABC def",
            "nonce": "ef" * 32,
            "expires_at": "2030-01-01T00:05:00+00:00",
            "signing_digest": "0x" + "11" * 32,
        },
    }
    assert fake_auth.called("OperatorAuth/IssueChallenge")[0].commitment == "0xABC def"


async def test_verify_sets_the_session_cookie_and_the_session_works_until_logout(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    body = {"commitment": fake_auth.COMMITMENT, "signature": fake_auth.GOOD_FALCON_SIGNATURE}
    async with make_gateway() as client:
        verified = await client.post("/auth/verify", json=body)
        assert verified.status_code == 200
        payload = verified.json()
        assert payload["success"] is True and payload["operator_id"] == fake_auth.COMMITMENT
        expires_at = datetime.fromisoformat(payload["expires_at"])
        assert expires_at.tzinfo is not None and expires_at > datetime.now(UTC)

        cookie = verified.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}={fake_auth.OPERATOR_TOKEN}; HttpOnly; SameSite=Strict; Path=/; ")
        assert f"Max-Age={fake_auth.SESSION_SECONDS}; Expires=" in cookie and "Secure" not in cookie
        assert client.cookies[COOKIE] == fake_auth.OPERATOR_TOKEN

        session = await client.get("/dashboard/session")
        assert session.status_code == 200
        assert session.json() == {
            "operator_id": fake_auth.COMMITMENT,
            "permissions": ["accounts:pause", "dashboard:read"],
        }

        logout = await client.post("/auth/logout")
        assert logout.status_code == 200 and logout.json() == {"success": True}
        assert logout.headers["set-cookie"] == (
            f"{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        )
        assert fake_auth.called("OperatorAuth/Logout")[0].token == fake_auth.OPERATOR_TOKEN

        client.cookies.clear()
        after = await client.get("/dashboard/session", headers=with_cookie(fake_auth.OPERATOR_TOKEN))
        assert after.status_code == 401 and envelope(after)["code"] == "authentication_failed"


async def test_prod_stage_cookie_is_secure(make_gateway: GatewayFactory, fake_auth: ScriptedAuth) -> None:
    body = {"commitment": fake_auth.COMMITMENT, "signature": fake_auth.GOOD_FALCON_SIGNATURE}
    async with make_gateway(env={"GUARDIAN_ENV": "prod"}) as client:
        verified = await client.post("/auth/verify", json=body)
        logout = await client.post("/auth/logout")
    assert verified.headers["set-cookie"].endswith("; Secure")
    assert logout.headers["set-cookie"].endswith("; Secure")


async def test_failed_verify_is_401_without_a_cookie(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway() as client:
        response = await client.post(
            "/auth/verify", json={"commitment": fake_auth.COMMITMENT, "signature": "0x00"}
        )
    assert_failed(response, 401, "authentication_failed", "authentication failed", retryable=False)


async def test_session_without_cookie_or_with_a_malformed_one_is_401_without_asking_auth(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway() as client:
        for cookie in (None, "", "zz" * 32, "AB" * 32, "ab" * 33, "0x" + "ab" * 32, "ab" * 32 + " x"):
            headers = {} if cookie is None else {"cookie": f"{COOKIE}={cookie}"}
            response = await client.get("/dashboard/session", headers=headers)
            assert response.status_code == 401, cookie
            assert envelope(response)["code"] == "authentication_failed"
    assert fake_auth.called("OperatorAuth/Authenticate") == []


async def test_tampered_well_formed_cookie_is_decided_by_auth(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway() as client:
        response = await client.get("/dashboard/session", headers={"cookie": f"{COOKIE}={'ac' * 32}"})
    assert response.status_code == 401
    assert [r.token for r in fake_auth.called("OperatorAuth/Authenticate")] == ["ac" * 32]


async def test_only_the_first_cookie_header_and_first_match_count(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    good, bad = fake_auth.OPERATOR_TOKEN, "ac" * 32
    async with make_gateway() as client:
        first_match = await client.get(
            "/dashboard/session", headers={"cookie": f"{COOKIE}={good}; {COOKIE}={bad}"}
        )
        second_header = await client.get(
            "/dashboard/session", headers=[("cookie", "theme=dark"), ("cookie", f"{COOKIE}={good}")]
        )
    assert first_match.status_code == 200
    assert second_header.status_code == 401


async def test_logout_without_a_usable_cookie_succeeds_without_asking_auth(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway() as client:
        for headers in ({}, {"cookie": f"{COOKIE}=garbage"}, {"cookie": f"{COOKIE}="}):
            response = await client.post("/auth/logout", headers=headers)
            assert response.status_code == 200 and response.json() == {"success": True}
            assert response.headers["set-cookie"].startswith(f"{COOKIE}=; ")
    assert fake_auth.called("OperatorAuth/Logout") == []


async def test_logout_with_a_storage_error_is_500_and_keeps_the_cookie(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    fake_auth.answers["OperatorAuth/Logout"] = ErrorEnvelope.of("storage_error")
    async with make_gateway() as client:
        response = await client.post("/auth/logout", headers=with_cookie(fake_auth.OPERATOR_TOKEN))
    assert_failed(
        response, 500, "storage_error", "storage temporarily unavailable, try again", retryable=True
    )


async def test_store_outage_answers_500_storage_error_on_every_route(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    for method in ("IssueChallenge", "Verify", "Authenticate", "Logout"):
        fake_auth.answers[f"OperatorAuth/{method}"] = ErrorEnvelope.of("storage_error")
    cookie = with_cookie(fake_auth.OPERATOR_TOKEN)
    async with make_gateway() as client:
        responses = [
            await client.get("/auth/challenge", params={"commitment": fake_auth.COMMITMENT}),
            await client.post(
                "/auth/verify",
                json={"commitment": fake_auth.COMMITMENT, "signature": fake_auth.GOOD_FALCON_SIGNATURE},
            ),
            await client.get("/dashboard/session", headers=cookie),
            await client.post("/auth/logout", headers=cookie),
        ]
    for response in responses:
        assert response.status_code == 500 and envelope(response)["code"] == "storage_error"
        assert "set-cookie" not in response.headers


async def test_auth_rate_limit_keeps_its_retry_hint(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    fake_auth.answers["OperatorAuth/IssueChallenge"] = ErrorEnvelope.of(
        "rate_limit_exceeded", retry_after_secs=60
    )
    async with make_gateway() as client:
        response = await client.get("/auth/challenge", params={"commitment": "c"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "60"
    assert envelope(response)["meta"] == {"retryable": True, "retry_after_secs": 60}


async def test_configuration_error_from_auth_is_passed_through(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    fake_auth.answers["OperatorAuth/Verify"] = ErrorEnvelope.of("configuration_error")
    async with make_gateway() as client:
        response = await client.post("/auth/verify", json={"commitment": "c", "signature": "s"})
    assert_failed(response, 500, "configuration_error", "server configuration error", retryable=False)


async def test_auth_unreachable_is_a_retryable_503_never_a_success(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway(auth_target=closed_port_target()) as client:
        responses = [
            await client.get("/auth/challenge", params={"commitment": "c"}),
            await client.post("/auth/verify", json={"commitment": "c", "signature": "s"}),
            await client.get("/dashboard/session", headers=with_cookie(fake_auth.OPERATOR_TOKEN)),
            await client.post("/auth/logout", headers=with_cookie(fake_auth.OPERATOR_TOKEN)),
        ]
    for response in responses:
        assert_failed(
            response, 503, "service_unavailable", "service temporarily unavailable, try again", retryable=True
        )


async def test_auth_past_its_deadline_is_a_retryable_503(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    fake_auth.hang("OperatorAuth/Authenticate")
    async with make_gateway(auth_deadline_seconds=0.2) as client:
        response = await client.get("/dashboard/session", headers=with_cookie(fake_auth.OPERATOR_TOKEN))
    assert response.status_code == 503 and envelope(response)["meta"]["retryable"] is True


async def test_a_failure_without_an_envelope_is_a_plain_500_with_no_detail(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    fake_auth.answers["OperatorAuth/Authenticate"] = grpc.StatusCode.UNAUTHENTICATED
    async with make_gateway() as client:
        response = await client.get("/dashboard/session", headers=with_cookie(fake_auth.OPERATOR_TOKEN))
    assert_failed(response, 500, "internal_error", "internal error", retryable=False)
    assert "scripted" not in response.text
