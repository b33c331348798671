"""Lookup authentication (AccountAuth.AuthorizeLookup's domain) on a fixed clock: the key looked up must be
the key that signed the lookup digest; the commitment is normalised or refused first."""

from __future__ import annotations

import secrets

import pytest

from guardian_auth.domain.lookup_auth import LookupAuthenticator, normalized_key_commitment
from guardian_common.envelope import ErrorEnvelope
from guardian_crypto import ecdsa
from guardian_crypto.digests import lookup_digest
from guardian_crypto.field import word_from_hex, word_to_hex
from guardian_testing.identities import operators

NOW = 1_700_000_000_000


def ecdsa_key() -> tuple[bytes, str]:
    secret = secrets.token_bytes(32)
    return secret, word_to_hex(ecdsa.public_key_commitment(ecdsa.public_key_from_secret(secret)))


def ecdsa_lookup(secret: bytes, commitment: str, ts: int = NOW) -> str:
    return "0x" + ecdsa.sign(secret, lookup_digest(ts, word_from_hex(commitment))).hex()


@pytest.fixture
def lookups() -> LookupAuthenticator:
    return LookupAuthenticator(clock_ms=lambda: NOW)


def test_ecdsa_lookup(lookups: LookupAuthenticator) -> None:
    secret, commitment = ecdsa_key()
    signature = ecdsa_lookup(secret, commitment)
    assert lookups.verify(commitment, signature, str(NOW)) == commitment
    assert lookups.verify(commitment[2:].upper(), signature, str(NOW)) == commitment
    assert lookups.verify("0X" + commitment[2:], signature, f"+{NOW}") == commitment
    # Exactly 300 s away still passes, as for request signatures.
    assert lookups.verify(commitment, ecdsa_lookup(secret, commitment, NOW - 300_000), str(NOW - 300_000))


def test_falcon_lookup(lookups: LookupAuthenticator) -> None:
    identity = operators()[0]
    commitment = word_to_hex(identity.secret_key.commitment())
    signature = identity.secret_key.sign(lookup_digest(NOW, word_from_hex(commitment)))
    assert len(signature) == 1524
    assert lookups.verify(commitment, signature.hex(), str(NOW)) == commitment
    # Trailing bytes make it not a Falcon signature (exactly 1524 bytes, as upstream) and not ECDSA either.
    with pytest.raises(ErrorEnvelope) as refused:
        lookups.verify(commitment, signature.hex() + "00", str(NOW))
    assert refused.value.code == "authentication_failed"


@pytest.mark.parametrize(
    "case", ["other key", "other commitment", "other timestamp", "stale", "garbage", "bad ts"]
)
def test_refused_lookups(lookups: LookupAuthenticator, case: str) -> None:
    secret, commitment = ecdsa_key()
    other_secret, other_commitment = ecdsa_key()
    signature, ts = ecdsa_lookup(secret, commitment), str(NOW)
    if case == "other key":
        signature = ecdsa_lookup(other_secret, commitment)
    elif case == "other commitment":
        signature = ecdsa_lookup(secret, other_commitment)
    elif case == "other timestamp":
        ts = str(NOW + 1)
    elif case == "stale":
        ts = str(NOW - 300_001)
        signature = ecdsa_lookup(secret, commitment, NOW - 300_001)
    elif case == "garbage":
        signature = "0xzz"
    else:
        ts = "soon"
    with pytest.raises(ErrorEnvelope) as refused:
        lookups.verify(commitment, signature, ts)
    assert refused.value.code == "authentication_failed"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "0x",
        "0x" + "ab" * 31,
        "0x" + "ab" * 33,
        "0x" + "zz" * 32,
        "00x" + "ab" * 32,
        "01000000ffffffff" + "00" * 24,
    ],
)
def test_malformed_commitments_are_invalid_input_first(lookups: LookupAuthenticator, raw: str) -> None:
    with pytest.raises(ErrorEnvelope) as refused:
        lookups.verify(raw, "0xzz", "not a timestamp")
    assert refused.value.code == "invalid_input"
    with pytest.raises(ErrorEnvelope):
        normalized_key_commitment(raw)
