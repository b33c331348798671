"""GET /pubkey?scheme=: the ECDSA ack key by default and for `ecdsa` in any case; `falcon` and unknown
schemes refused with the envelope before auth is asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from guardian.auth.v1 import auth_pb2 as pb

if TYPE_CHECKING:
    from .conftest import GatewayFactory, ScriptedAuth

KEY = pb.AckKeyInfo(scheme="ecdsa", public_key="0x02" + "ab" * 32, commitment="0x" + "cd" * 32)


@pytest.mark.parametrize("query", ["", "?scheme=ecdsa", "?scheme=ECDSA", "?scheme=Ecdsa", "?scheme="])
async def test_ecdsa_key(make_gateway: GatewayFactory, fake_auth: ScriptedAuth, query: str) -> None:
    fake_auth.answers["AccountAuth/AckKey"] = KEY
    async with make_gateway() as client:
        response = await client.get(f"/pubkey{query}")
    assert response.status_code == 200
    assert response.json() == {"commitment": KEY.commitment, "pubkey": KEY.public_key}
    assert [request.scheme for request in fake_auth.called("AccountAuth/AckKey")] == ["ecdsa"]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("?scheme=falcon", "ECDSA only"),
        ("?scheme=FALCON", "ECDSA only"),
        ("?scheme=rsa", "must be 'ecdsa' or 'falcon'"),
        ("?scheme=ecdsa&scheme=ecdsa", "repeated"),
    ],
)
async def test_refused_schemes(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth, query: str, says: str
) -> None:
    fake_auth.answers["AccountAuth/AckKey"] = KEY
    async with make_gateway() as client:
        response = await client.get(f"/pubkey{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and says in body["message"]
    assert body["meta"] == {"retryable": False}
    assert fake_auth.called("AccountAuth/AckKey") == []


async def test_auth_answering_another_scheme_fails_closed(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    fake_auth.answers["AccountAuth/AckKey"] = pb.AckKeyInfo(scheme="falcon", commitment=KEY.commitment)
    async with make_gateway() as client:
        response = await client.get("/pubkey")
    assert response.status_code == 500 and response.json()["code"] == "configuration_error"


async def test_auth_down_is_a_retryable_503(make_gateway: GatewayFactory) -> None:
    async with make_gateway(auth_target="127.0.0.1:1") as client:
        response = await client.get("/pubkey?scheme=ecdsa")
    assert response.status_code == 503 and response.json()["meta"]["retryable"] is True
