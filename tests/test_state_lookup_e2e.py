"""GET /state/lookup?key_commitment= (issue 17 item 2) through real processes (one coordinator on PostgreSQL,
two auth replicas, two gateways): the holder of a key finds the accounts whose cosigners include it, with an
ECDSA or a Falcon lookup signature; nobody else does; bad input is the envelope before any check."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from guardian_client import Cosigner, auth_config, new_account_id
from guardian_crypto.digests import lookup_digest
from guardian_crypto.field import word_from_hex
from guardian_testing.custody_api import Api
from guardian_testing.fleet import Fleet, custody_fleet_fixture
from guardian_testing.identities import operators

pytestmark = pytest.mark.slow

P_HEX_LIMB = "01000000ffffffff"  # p = 2^64 - 2^32 + 1 as 8 little-endian bytes: not a field element


fleet = custody_fleet_fixture("lookup", coordinators=1)


@pytest.fixture
async def api(fleet: Fleet) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Api(http, [fleet.gateway_url(i) for i in range(len(fleet.gateways))])


def lookup_headers(signer: Cosigner, key_commitment: str, timestamp_ms: int | None = None) -> dict[str, str]:
    ts = time.time_ns() // 1_000_000 if timestamp_ms is None else timestamp_ms
    digest = lookup_digest(ts, word_from_hex(key_commitment))
    return {"x-signature": signer.sign_word(digest), "x-timestamp": str(ts)}


async def lookup(api: Api, gateway: int, key_commitment: str, headers: dict[str, str]) -> httpx.Response:
    return await api.http.get(
        f"{api.url(gateway)}/state/lookup", params={"key_commitment": key_commitment}, headers=headers
    )


def assert_envelope(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and isinstance(body["message"], str)
    assert isinstance(body["meta"]["retryable"], bool)


async def test_a_key_finds_its_accounts(api: Api) -> None:
    alice, bob = Cosigner.ecdsa(), Cosigner.ecdsa()
    shared, alone, bobs = new_account_id(), new_account_id(), new_account_id()
    await api.configure(alice, shared, auth_config(alice, bob), {"n": 1})
    await api.configure(alice, alone, auth_config(alice), {"n": 2})
    await api.configure(bob, bobs, auth_config(bob), {"n": 3})

    for gateway in (0, 1):
        found = await lookup(api, gateway, alice.commitment, lookup_headers(alice, alice.commitment))
        assert found.status_code == 200, found.text
        assert found.json() == {"accounts": [{"account_id": a} for a in sorted([shared, alone])]}
    # The query is normalised (upper case, 0X, no prefix) and x-pubkey is not needed.
    bare = bob.commitment[2:].upper()
    found = await lookup(api, 1, bare, lookup_headers(bob, bob.commitment))
    assert found.json() == {"accounts": [{"account_id": a} for a in sorted([shared, bobs])]}
    found = await lookup(api, 0, "0X" + bare, lookup_headers(bob, bob.commitment))
    assert found.status_code == 200 and len(found.json()["accounts"]) == 2

    nobody = Cosigner.ecdsa()
    empty = await lookup(api, 0, nobody.commitment, lookup_headers(nobody, nobody.commitment))
    assert empty.status_code == 200 and empty.json() == {"accounts": []}


async def test_a_falcon_key_finds_its_account(api: Api) -> None:
    falcon = Cosigner.falcon(operators()[2].secret_key)
    account_id = new_account_id()
    await api.configure(falcon, account_id, auth_config(falcon), {"n": 1})
    found = await lookup(api, 0, falcon.commitment, lookup_headers(falcon, falcon.commitment))
    assert found.status_code == 200, found.text
    assert {"account_id": account_id} in found.json()["accounts"]


async def test_refusals(api: Api) -> None:
    alice, mallory = Cosigner.ecdsa(), Cosigner.ecdsa()
    await api.configure(alice, new_account_id(), auth_config(alice), {"n": 1})
    key = alice.commitment

    # Someone else's key: the signature proves mallory's key, not alice's.
    assert_envelope(await lookup(api, 0, key, lookup_headers(mallory, key)), 401, "authentication_failed")
    # A signature over another commitment, or another timestamp than the one sent.
    assert_envelope(
        await lookup(api, 1, key, lookup_headers(alice, mallory.commitment)), 401, "authentication_failed"
    )
    stale = lookup_headers(alice, key, time.time_ns() // 1_000_000 - 301_000)
    assert_envelope(await lookup(api, 0, key, stale), 401, "authentication_failed")
    moved = {**lookup_headers(alice, key), "x-timestamp": str(time.time_ns() // 1_000_000 + 5)}
    assert_envelope(await lookup(api, 0, key, moved), 401, "authentication_failed")
    for missing in ("x-signature", "x-timestamp"):
        headers = lookup_headers(alice, key)
        del headers[missing]
        assert_envelope(await lookup(api, 1, key, headers), 401, "authentication_failed")
    assert_envelope(
        await lookup(api, 0, key, {**lookup_headers(alice, key), "x-signature": "zz"}),
        401,
        "authentication_failed",
    )

    # Bad input: the envelope, before the signature is looked at.
    good = lookup_headers(alice, key)
    for bad in ("", "0x1234", key + "00", "0x" + "g" * 64, "00" + key):
        assert_envelope(await lookup(api, 0, bad, good), 400, "invalid_input")
    not_a_word = "0x" + P_HEX_LIMB + "00" * 24
    assert_envelope(await lookup(api, 1, not_a_word, good), 400, "invalid_input")
    assert_envelope(await api.http.get(f"{api.url(0)}/state/lookup", headers=good), 400, "invalid_input")
    repeated = await api.http.get(
        f"{api.url(0)}/state/lookup?key_commitment={key}&key_commitment={key}", headers=good
    )
    assert_envelope(repeated, 400, "invalid_input")
