"""The thin layer over libsecp256k1: the checks Guardian adds (range, high s, recovery id) and the
encodings it builds for the library (the DER sequence verification passes to it)."""

import pytest
from eth_keys.backends.native.main import NativeECCBackend
from eth_keys.main import KeyAPI

from guardian_crypto import secp256k1
from guardian_crypto.errors import EcdsaSignatureError

FIELD = 2**256 - 2**32 - 977
PREHASH = bytes(range(32))
SECRET = bytes(range(1, 33))
INDEPENDENT = KeyAPI(NativeECCBackend)  # eth-keys' pure-Python curve arithmetic, not libsecp256k1


def _recover_any(r: int, s: int, recovery_ids: tuple[int, ...]) -> tuple[bytes, int]:
    """A key that (r, s) recovers to under one of ``recovery_ids``; tries a neighbouring r (towards the middle
    of [1, n - 1]) when x is not on the curve."""
    step = 1 if r < secp256k1.HALF_ORDER else -1
    for candidate in range(r, r + 64 * step, step):
        for recovery_id in recovery_ids:
            try:
                signature = secp256k1.RecoverableSignature(candidate, s, recovery_id)
                return secp256k1.recover(PREHASH, signature), candidate
            except EcdsaSignatureError:
                continue
    raise AssertionError("no x on the curve in 64 tries")


def test_sign_matches_independent_rfc6979_low_s() -> None:
    ours = secp256k1.sign(SECRET, PREHASH)
    theirs = INDEPENDENT.PrivateKey(SECRET).sign_msg_hash(PREHASH)
    assert (ours.r, ours.s, ours.recovery_id) == (theirs.r, theirs.s, theirs.v)
    assert ours.s <= secp256k1.HALF_ORDER


@pytest.mark.parametrize("r", [1, 0x7F, 0x80, 2**255 + 5, secp256k1.ORDER - 1])
def test_verify_round_trips_short_and_high_bit_r(r: int) -> None:
    # DER integers drop leading zeros and gain a 0x00 before a set high bit: recovering a key for an
    # arbitrary r and verifying under it exercises every length of the sequence built for libsecp256k1.
    key, r = _recover_any(r, 12345, (0, 1))
    assert secp256k1.verify(PREHASH, r, 12345, secp256k1.parse_compressed(key))
    assert not secp256k1.verify(bytes(32), r, 12345, secp256k1.parse_compressed(key))


def test_recovery_ids_2_and_3_use_r_plus_n() -> None:
    # Only r < p - n can name R.x = r + n; the key it recovers still verifies (R.x mod n = r).
    key, r = _recover_any(1, 777, (2, 3))
    assert r + secp256k1.ORDER < FIELD
    assert secp256k1.verify(PREHASH, r, 777, secp256k1.parse_compressed(key))
    with pytest.raises(EcdsaSignatureError, match="does not recover"):
        secp256k1.recover(PREHASH, secp256k1.RecoverableSignature(FIELD - secp256k1.ORDER, 777, 2))


def test_recover_checks_before_the_library() -> None:
    signed = secp256k1.sign(SECRET, PREHASH)
    high = secp256k1.RecoverableSignature(signed.r, secp256k1.ORDER - signed.s, signed.recovery_id ^ 1)
    with pytest.raises(EcdsaSignatureError, match="high-s"):
        secp256k1.recover(PREHASH, high)
    assert not secp256k1.verify(
        PREHASH, high.r, high.s, secp256k1.parse_compressed(secp256k1.public_key(SECRET))
    )
    for recovery_id in (-1, 4):
        with pytest.raises(EcdsaSignatureError, match="recovery id"):
            secp256k1.recover(PREHASH, secp256k1.RecoverableSignature(signed.r, signed.s, recovery_id))
    for r, s in ((0, 1), (1, 0), (secp256k1.ORDER, 1), (1, secp256k1.ORDER)):
        with pytest.raises(EcdsaSignatureError, match=r"\[1, n - 1\]"):
            secp256k1.recover(PREHASH, secp256k1.RecoverableSignature(r, s, 0))


def test_wrong_sized_prehash_is_a_caller_error() -> None:
    signed = secp256k1.sign(SECRET, PREHASH)
    key = secp256k1.parse_compressed(secp256k1.public_key(SECRET))
    for prehash in (b"", bytes(31), bytes(33)):
        with pytest.raises(ValueError, match="32 bytes"):
            secp256k1.sign(SECRET, prehash)
        with pytest.raises(ValueError, match="32 bytes"):
            secp256k1.recover(prehash, signed)
        with pytest.raises(ValueError, match="32 bytes"):
            secp256k1.verify(prehash, signed.r, signed.s, key)


def test_public_key_matches_independent() -> None:
    theirs = INDEPENDENT.PrivateKey(SECRET).public_key
    assert secp256k1.public_key(SECRET) == theirs.to_compressed_bytes()
    assert secp256k1.public_key(SECRET, compressed=False) == b"\x04" + theirs.to_bytes()
