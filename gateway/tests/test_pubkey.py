"""GET /pubkey?scheme=: the ECDSA ack key by default and for `ecdsa` in any case, the Falcon key's commitment
for `falcon` in any case; unknown or repeated schemes refused with the envelope before auth is asked, and an
auth answering another scheme's key fails closed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from guardian.auth.v1 import auth_pb2 as pb

if TYPE_CHECKING:
    from .conftest import GatewayFactory, ScriptedAuth

KEY = pb.AckKeyInfo(scheme="ecdsa", public_key="0x02" + "ab" * 32, commitment="0x" + "cd" * 32)
FALCON_KEY = pb.AckKeyInfo(scheme="falcon", public_key="0x09" + "ef" * 896, commitment="0x" + "12" * 32)


@pytest.mark.parametrize("query", ["", "?scheme=ecdsa", "?scheme=ECDSA", "?scheme=Ecdsa", "?scheme="])
async def test_ecdsa_key(make_gateway: GatewayFactory, fake_auth: ScriptedAuth, query: str) -> None:
    fake_auth.answers["AccountAuth/AckKey"] = KEY
    async with make_gateway() as client:
        response = await client.get(f"/pubkey{query}")
    assert response.status_code == 200
    assert response.json() == {"commitment": KEY.commitment, "pubkey": KEY.public_key}
    assert [request.scheme for request in fake_auth.called("AccountAuth/AckKey")] == ["ecdsa"]


@pytest.mark.parametrize("query", ["?scheme=falcon", "?scheme=FALCON", "?scheme=Falcon", "?scheme=%20falcon"])
async def test_falcon_key(make_gateway: GatewayFactory, fake_auth: ScriptedAuth, query: str) -> None:
    fake_auth.answers["AccountAuth/AckKey"] = FALCON_KEY
    async with make_gateway() as client:
        response = await client.get(f"/pubkey{query}")
    assert response.status_code == 200
    # As the reference: the commitment only (the 897-byte key travels with every Falcon ack).
    assert response.json() == {"commitment": FALCON_KEY.commitment}
    assert [request.scheme for request in fake_auth.called("AccountAuth/AckKey")] == ["falcon"]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("?scheme=rsa", "must be 'ecdsa' or 'falcon'"),
        ("?scheme=falcon512", "must be 'ecdsa' or 'falcon'"),
        ("?scheme=ecdsa&scheme=ecdsa", "repeated"),
        ("?scheme=falcon&scheme=ecdsa", "repeated"),
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


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        ("", FALCON_KEY),
        ("?scheme=falcon", KEY),  # an auth from before Falcon acks answers ECDSA to everything
        ("?scheme=falcon", pb.AckKeyInfo(scheme="falcon")),
    ],
)
async def test_auth_answering_another_scheme_fails_closed(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth, query: str, answer: pb.AckKeyInfo
) -> None:
    fake_auth.answers["AccountAuth/AckKey"] = answer
    async with make_gateway() as client:
        response = await client.get(f"/pubkey{query}")
    assert response.status_code == 500 and response.json()["code"] == "configuration_error"


async def test_auth_down_is_a_retryable_503(make_gateway: GatewayFactory) -> None:
    async with make_gateway(auth_target="127.0.0.1:1") as client:
        response = await client.get("/pubkey?scheme=falcon")
    assert response.status_code == 503 and response.json()["meta"]["retryable"] is True
