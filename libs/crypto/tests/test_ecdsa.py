import contextlib

import pytest
from eth_hash.auto import keccak
from eth_keys.backends.native.main import NativeECCBackend
from eth_keys.main import KeyAPI
from hypothesis import given, settings
from hypothesis import strategies as st

from guardian_crypto import ecdsa, poseidon2, secp256k1
from guardian_crypto.errors import EcdsaSignatureError
from guardian_crypto.field import P, bytes_to_u32_elements, word_to_bytes

# eth-keys' own pure-Python curve arithmetic: its default backend would be coincurve (the same libsecp256k1 that
# guardian_crypto uses), which would make the comparison below check libsecp256k1 against itself.
INDEPENDENT = KeyAPI(NativeECCBackend)
SECRET = bytes(range(1, 33))
WORD = (1, 2, 3, 4)
N = secp256k1.ORDER


def _parts(signature: bytes) -> tuple[int, int, int]:
    return int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]


def _encode(r: int, s: int, v: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def test_prehash_is_keccak_of_word_bytes() -> None:
    assert ecdsa.prehash(WORD) == keccak(word_to_bytes(WORD))


def test_sign_recover_verify() -> None:
    signature = ecdsa.sign(SECRET, WORD)
    public_key = ecdsa.public_key_from_secret(SECRET)
    assert len(signature) == 65 and signature[64] in (0, 1)
    assert ecdsa.recover_public_key(WORD, signature) == public_key
    assert ecdsa.verify(WORD, signature, public_key)
    assert not ecdsa.verify((1, 2, 3, 5), signature, public_key)
    assert ecdsa.recover_public_key((1, 2, 3, 5), signature) != public_key
    assert not ecdsa.verify(WORD, signature, ecdsa.public_key_from_secret(bytes(31) + b"\x07"))


def test_matches_an_independent_implementation() -> None:
    key = INDEPENDENT.PrivateKey(SECRET)
    assert ecdsa.public_key_from_secret(SECRET) == key.public_key.to_compressed_bytes()
    theirs = key.sign_msg_hash(ecdsa.prehash(WORD))
    assert _parts(ecdsa.sign(SECRET, WORD)) == (theirs.r, theirs.s, theirs.v)


def test_signing_key_object_signs_like_the_function() -> None:
    key = ecdsa.SigningKey(SECRET)
    assert key.public_key == ecdsa.public_key_from_secret(SECRET)
    assert key.sign(WORD) == ecdsa.sign(SECRET, WORD)


@pytest.mark.parametrize(
    "secret", [bytes(32), N.to_bytes(32, "big"), (2**256 - 1).to_bytes(32, "big"), bytes(31)]
)
def test_invalid_secrets_are_value_errors(secret: bytes) -> None:
    with pytest.raises(ValueError):
        ecdsa.public_key_from_secret(secret)
    with pytest.raises(ValueError):
        ecdsa.sign(secret, WORD)


def test_verify_uses_r_and_s_only() -> None:
    # A known key fixes the signer; v only selects among candidate keys during recovery.
    r, s, v = _parts(ecdsa.sign(SECRET, WORD))
    assert ecdsa.verify(WORD, _encode(r, s, v ^ 1), ecdsa.public_key_from_secret(SECRET))
    assert ecdsa.recover_public_key(WORD, _encode(r, s, v ^ 1)) != ecdsa.public_key_from_secret(SECRET)


def test_commitment_is_poseidon2_over_u32_packing() -> None:
    public_key = ecdsa.public_key_from_secret(SECRET)
    elements = bytes_to_u32_elements(public_key)
    assert len(elements) == 9 and elements[-1] == public_key[32]
    assert ecdsa.public_key_commitment(public_key) == poseidon2.hash_elements(elements)
    with pytest.raises(EcdsaSignatureError):
        ecdsa.public_key_commitment(b"\x02" + bytes(32))  # x = 0 is not on the curve


def test_high_s_and_ethereum_v_rejected() -> None:
    r, s, v = _parts(ecdsa.sign(SECRET, WORD))
    high = _encode(r, N - s, v ^ 1)
    # The high-s twin is a valid ECDSA signature of the same key (libsecp256k1 recovery alone accepts it).
    twin = INDEPENDENT.Signature(vrs=(v ^ 1, r, N - s))
    assert INDEPENDENT.ecdsa_recover(ecdsa.prehash(WORD), twin).to_compressed_bytes() == (
        ecdsa.public_key_from_secret(SECRET)
    )
    with pytest.raises(EcdsaSignatureError, match="high-s"):
        ecdsa.recover_public_key(WORD, high)
    with pytest.raises(EcdsaSignatureError, match="high-s"):
        ecdsa.decode_signature(high)
    assert not ecdsa.verify(WORD, high, ecdsa.public_key_from_secret(SECRET))
    for bad_v in (4, 27, 28, 255):
        with pytest.raises(EcdsaSignatureError):
            ecdsa.recover_public_key(WORD, _encode(r, s, bad_v))


@pytest.mark.parametrize(
    "signature",
    [b"", bytes(64), bytes(66), _encode(0, 1, 0), _encode(1, 0, 0), _encode(N, 1, 0), _encode(1, N, 0)],
)
def test_malformed_signatures(signature: bytes) -> None:
    with pytest.raises(EcdsaSignatureError):
        ecdsa.recover_public_key(WORD, signature)
    assert not ecdsa.verify(WORD, signature, ecdsa.public_key_from_secret(SECRET))


@pytest.mark.parametrize(
    "public_key",
    [
        b"",
        bytes(33),
        b"\x04" + bytes(32),
        b"\x02" + bytes(32),  # x = 0: no point
        b"\x02" + (2**256 - 2**32 - 977).to_bytes(32, "big"),  # x = p: not a field element
        b"\x04" + bytes(64),
    ],
)
def test_malformed_public_keys(public_key: bytes) -> None:
    signature = ecdsa.sign(SECRET, WORD)
    assert not ecdsa.verify(WORD, signature, public_key)
    with pytest.raises(EcdsaSignatureError):
        ecdsa.public_key_commitment(public_key)


def test_uncompressed_key_of_a_real_signer_is_refused() -> None:
    uncompressed = INDEPENDENT.PrivateKey(SECRET).public_key.to_bytes()
    assert not ecdsa.verify(WORD, ecdsa.sign(SECRET, WORD), b"\x04" + uncompressed)


def test_x_reduced_recovery_ids_fail_cleanly() -> None:
    r, s, _v = _parts(ecdsa.sign(SECRET, WORD))
    for recovery_id in (2, 3):
        with pytest.raises(EcdsaSignatureError):
            ecdsa.recover_public_key(WORD, _encode(r, s, recovery_id))


def test_trailing_bytes() -> None:
    signature = ecdsa.sign(SECRET, WORD)
    assert ecdsa.decode_signature(signature + b"\x00", allow_trailing=True) == ecdsa.decode_signature(
        signature
    )
    with pytest.raises(EcdsaSignatureError):
        ecdsa.decode_signature(signature + b"\x00")


secrets = st.integers(min_value=1, max_value=N - 1).map(lambda k: k.to_bytes(32, "big"))
words = st.tuples(*[st.integers(min_value=0, max_value=P - 1)] * 4)


@settings(max_examples=25, deadline=None)
@given(secret=secrets, word=words)
def test_recovery_round_trip(secret: bytes, word: tuple[int, int, int, int]) -> None:
    signature = ecdsa.sign(secret, word)
    assert _parts(signature)[1] <= secp256k1.HALF_ORDER
    theirs = INDEPENDENT.PrivateKey(secret)
    expected = theirs.sign_msg_hash(ecdsa.prehash(word))
    assert _parts(signature) == (expected.r, expected.s, expected.v)
    assert ecdsa.recover_public_key(word, signature) == theirs.public_key.to_compressed_bytes()
    assert ecdsa.verify(word, signature, theirs.public_key.to_compressed_bytes())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=70))
def test_random_bytes_never_escape(data: bytes) -> None:
    with contextlib.suppress(EcdsaSignatureError):
        ecdsa.recover_public_key(WORD, data)
    assert ecdsa.verify(WORD, data, ecdsa.public_key_from_secret(SECRET)) in (True, False)
    with contextlib.suppress(EcdsaSignatureError):
        secp256k1.parse_compressed(data)
