"""Wallet login through the in-process gateway against the scripted auth server (docs/contracts/auth.md §3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guardian.auth.v1 import auth_pb2 as pb
from guardian_common.envelope import ErrorEnvelope

if TYPE_CHECKING:
    from .conftest import GatewayFactory, ScriptedAuth

COOKIE = "guardian_evm_session"


async def test_challenge_shape_with_typed_data_object(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway() as client:
        response = await client.get(
            "/evm/auth/challenge", params={"address": fake_auth.WALLET.upper().replace("X", "x")}
        )
    assert response.status_code == 200
    assert response.json() == {
        "address": fake_auth.WALLET,
        "nonce": "0x" + "11" * 32,
        "issued_at": 1_700_000_000,
        "expires_at": 1_700_000_300,
        "typed_data": fake_auth.TYPED_DATA,
    }


async def test_invalid_address_is_the_400_envelope_from_auth(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway() as client:
        response = await client.get("/evm/auth/challenge", params={"address": "0X1234"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_input",
        "message": "address must be 0x followed by 40 hex digits",
        "meta": {"retryable": False},
    }


async def test_verify_session_and_logout(make_gateway: GatewayFactory, fake_auth: ScriptedAuth) -> None:
    body = {"address": fake_auth.WALLET, "nonce": "0x" + "11" * 32, "signature": fake_auth.GOOD_EVM_SIGNATURE}
    async with make_gateway() as client:
        verified = await client.post("/evm/auth/verify", json=body)
        assert verified.status_code == 200
        payload = verified.json()
        assert payload["address"] == fake_auth.WALLET and isinstance(payload["expires_at"], int)
        assert payload["expires_at"] > 1_700_000_000_000  # milliseconds
        cookie = verified.headers["set-cookie"]
        assert cookie.startswith(
            f"{COOKIE}={fake_auth.EVM_TOKEN}; HttpOnly; SameSite=Strict; Path=/; Max-Age=28800; "
        )

        session = await client.get("/evm/session")
        assert session.status_code == 200 and session.json() == {"address": fake_auth.WALLET}

        logout = await client.post("/evm/auth/logout")
        assert logout.status_code == 200 and logout.json() == {"success": True}
        assert logout.headers["set-cookie"].startswith(
            f"{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; "
        )

        client.cookies.clear()
        after = await client.get("/evm/session", headers={"cookie": f"{COOKIE}={fake_auth.EVM_TOKEN}"})
        assert after.status_code == 401 and after.json()["code"] == "authentication_failed"


async def test_bad_signature_format_is_the_400_from_auth(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    fake_auth.answers["EvmAuth/Verify"] = ErrorEnvelope.of("invalid_evm_proposal")
    async with make_gateway() as client:
        response = await client.post(
            "/evm/auth/verify", json={"address": fake_auth.WALLET, "nonce": "n", "signature": "0x"}
        )
    assert response.status_code == 400 and response.json()["code"] == "invalid_evm_proposal"
    assert "set-cookie" not in response.headers


async def test_session_requires_a_well_formed_evm_cookie(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway() as client:
        for value in ("", fake_auth.OPERATOR_TOKEN, "0X" + "cd" * 32, fake_auth.EVM_TOKEN + "00"):
            response = await client.get("/evm/session", headers={"cookie": f"{COOKIE}={value}"})
            assert response.status_code == 401
        # the operator cookie is not an EVM session
        response = await client.get(
            "/evm/session", headers={"cookie": f"guardian_operator_session={fake_auth.EVM_TOKEN}"}
        )
        assert response.status_code == 401
    assert fake_auth.called("EvmAuth/Authenticate") == []


async def test_logout_storage_error_keeps_the_cookie(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    fake_auth.answers["EvmAuth/Logout"] = ErrorEnvelope.of("storage_error")
    async with make_gateway() as client:
        response = await client.post(
            "/evm/auth/logout", headers={"cookie": f"{COOKIE}={fake_auth.EVM_TOKEN}"}
        )
    assert response.status_code == 500 and response.json()["meta"] == {"retryable": True}
    assert "set-cookie" not in response.headers


async def test_typed_data_that_is_not_an_object_is_an_internal_error(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    fake_auth.answers["EvmAuth/IssueChallenge"] = pb.EvmChallenge(
        address=fake_auth.WALLET, typed_data_json="[]"
    )
    async with make_gateway() as client:
        response = await client.get("/evm/auth/challenge", params={"address": fake_auth.WALLET})
    assert response.status_code == 500 and response.json()["code"] == "internal_error"
