"""Per-account request authentication (AccountAuth.VerifyRequest's domain), on a fixed clock and an
in-memory replay floor."""

from __future__ import annotations

import secrets
from dataclasses import replace

import pytest

from guardian_auth.domain.request_auth import (
    RequestAuthenticator,
    Scheme,
    SignedRequest,
    parse_timestamp,
)
from guardian_auth.domain.stores import FloorOutcome
from guardian_common.envelope import ErrorEnvelope
from guardian_crypto import ecdsa
from guardian_crypto.digests import request_digest
from guardian_crypto.field import word_to_hex
from guardian_testing.identities import operators

NOW = 1_700_000_000_000
ACCOUNT = "0x" + "ab" * 15
PAYLOAD = b'{"account_id":"0xabababababababababababababab"}'


class MemoryFloor:
    def __init__(self) -> None:
        self.floors: dict[tuple[str, str], int] = {}

    async def advance(self, account_id: str, signer_commitment: str, timestamp_ms: int) -> FloorOutcome:
        key = (account_id, signer_commitment)
        if self.floors.get(key, -1) >= timestamp_ms:
            return FloorOutcome.REPLAY
        self.floors[key] = timestamp_ms
        return FloorOutcome.ACCEPTED


def ecdsa_key() -> tuple[bytes, str, str]:
    secret = secrets.token_bytes(32)
    public = ecdsa.public_key_from_secret(secret)
    return secret, "0x" + public.hex(), word_to_hex(ecdsa.public_key_commitment(public))


def ecdsa_request(secret: bytes, pubkey: str, cosigners: list[str], ts: int = NOW) -> SignedRequest:
    signature = ecdsa.sign(secret, request_digest(ACCOUNT, ts, PAYLOAD)).hex()
    return SignedRequest(ACCOUNT, pubkey, "0x" + signature, str(ts), PAYLOAD, Scheme.ECDSA, cosigners, True)


@pytest.fixture
def floor() -> MemoryFloor:
    return MemoryFloor()


@pytest.fixture
def authenticator(floor: MemoryFloor) -> RequestAuthenticator:
    return RequestAuthenticator(floor, clock_ms=lambda: NOW)


async def refused(authenticator: RequestAuthenticator, request: SignedRequest) -> str:
    with pytest.raises(ErrorEnvelope) as error:
        await authenticator.verify(request)
    return error.value.code


async def test_ecdsa_signer_is_recovered_and_the_floor_advances(
    authenticator: RequestAuthenticator, floor: MemoryFloor
) -> None:
    secret, pubkey, commitment = ecdsa_key()
    verified = await authenticator.verify(ecdsa_request(secret, "garbage", [commitment]))
    assert verified.signer_commitment == commitment and verified.timestamp_ms == NOW
    assert floor.floors == {(ACCOUNT, commitment): NOW}
    assert (
        await refused(authenticator, ecdsa_request(secret, pubkey, [commitment])) == "authentication_replay"
    )


async def test_window_is_inclusive_at_300_seconds(authenticator: RequestAuthenticator) -> None:
    secret, pubkey, commitment = ecdsa_key()
    assert await authenticator.verify(ecdsa_request(secret, pubkey, [commitment], NOW - 300_000))
    assert await authenticator.verify(ecdsa_request(secret, pubkey, [commitment], NOW + 300_000))
    late = ecdsa_request(secret, pubkey, [commitment], NOW + 300_001)
    assert await refused(authenticator, late) == "authentication_failed"


async def test_unauthorised_wrong_or_tampered_signatures_fail(authenticator: RequestAuthenticator) -> None:
    secret, pubkey, commitment = ecdsa_key()
    other_secret, other_pubkey, other_commitment = ecdsa_key()
    good = ecdsa_request(secret, pubkey, [commitment])
    assert (
        await refused(authenticator, replace(good, cosigners=[other_commitment])) == "authentication_failed"
    )
    forged = ecdsa_request(other_secret, pubkey, [commitment])  # x-pubkey names the cosigner, key differs
    assert await refused(authenticator, forged) == "authentication_failed"
    assert await refused(authenticator, replace(good, payload=b"{}")) == "authentication_failed"
    assert await refused(authenticator, replace(good, timestamp="12:00")) == "authentication_failed"
    assert await refused(authenticator, replace(good, signature="0xnothex")) == "authentication_failed"
    assert await refused(authenticator, replace(good, cosigners=[])) == "authentication_failed"
    del other_pubkey


async def test_x_pubkey_fallback_when_recovery_names_another_key(authenticator: RequestAuthenticator) -> None:
    secret, pubkey, commitment = ecdsa_key()
    request = ecdsa_request(secret, pubkey, [commitment])
    raw = bytes.fromhex(request.signature[2:])
    flipped = raw[:64] + bytes([raw[64] ^ 1])  # another recovery id recovers another key
    verified = await authenticator.verify(replace(request, signature=flipped.hex()))
    assert verified.signer_commitment == commitment


async def test_falcon_key_comes_from_the_signature_and_trailing_bytes_are_ignored(
    authenticator: RequestAuthenticator,
) -> None:
    identity = operators()[0]
    signature = identity.sign_digest(word_to_hex(request_digest(ACCOUNT, NOW, PAYLOAD)))
    request = SignedRequest(
        ACCOUNT,
        "ignored",
        "0x0x" + signature[2:] + "ff" * 3,
        str(NOW),
        PAYLOAD,
        Scheme.FALCON,
        [identity.commitment],
        True,
    )
    verified = await authenticator.verify(request)
    assert verified.signer_commitment == identity.commitment
    other = replace(request, cosigners=[operators()[1].commitment], timestamp=str(NOW + 1))
    assert await refused(authenticator, other) == "authentication_failed"


async def test_without_consuming_the_floor_is_untouched(
    authenticator: RequestAuthenticator, floor: MemoryFloor
) -> None:
    secret, pubkey, commitment = ecdsa_key()
    request = replace(ecdsa_request(secret, pubkey, [commitment]), consume_timestamp=False)
    await authenticator.verify(request)
    await authenticator.verify(request)
    assert floor.floors == {}


@pytest.mark.parametrize(("raw", "value"), [("1700", 1700), ("+5", 5), ("-3", -3), (" 42 ", 42)])
def test_timestamps_parse_like_rust_i64(raw: str, value: int) -> None:
    assert parse_timestamp(raw) == value


@pytest.mark.parametrize("raw", ["", "1.5", "0x10", "9223372036854775808", "1e3"])
def test_bad_timestamps_fail(raw: str) -> None:
    with pytest.raises(ErrorEnvelope):
        parse_timestamp(raw)
