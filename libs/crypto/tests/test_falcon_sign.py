from collections.abc import Callable
from typing import Any

import pytest
from Crypto.Cipher import ChaCha20
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardian_crypto import falcon_verify as fv
from guardian_crypto.chacha_rng import ChaChaStream
from guardian_crypto.errors import FalconSignatureError
from guardian_crypto.falcon_codec import SECRET_KEY_LEN
from guardian_crypto.falcon_ntt import Q, multiply
from guardian_crypto.falcon_sign import SecretKey
from guardian_crypto.field import P, word_to_hex
from guardian_crypto.rust_float import round_half_away

VectorLoader = Callable[[str], dict[str, Any]]


@pytest.fixture(scope="module")
def falcon_vectors(vectors: VectorLoader) -> dict[str, Any]:
    return vectors("falcon512_poseidon2_vectors")


def test_keygen_from_seed_zero_reproduces_upstream(
    falcon_vectors: dict[str, Any], seed0_key: SecretKey
) -> None:
    key = SecretKey.generate(bytes(32))  # the one multi-second key generation of the suite
    public_key = falcon_vectors["embedded_public_key"]["public_key_hex"]
    assert "0x" + key.public_key().hex() == public_key
    assert key.to_bytes() == seed0_key.to_bytes()
    assert word_to_hex(key.commitment()) == falcon_vectors["embedded_public_key"]["commitment_word_hex"]


def test_deterministic_signature_byte_for_byte(falcon_vectors: dict[str, Any], seed0_key: SecretKey) -> None:
    vector = falcon_vectors["deterministic_signature_vector"]
    m = [int(e) for e in vector["message_elements"]]
    assert "0x" + seed0_key.sign((m[0], m[1], m[2], m[3])).hex() == vector["signature_hex"]


def test_secret_key_format(seed0_key: SecretKey) -> None:
    data = seed0_key.to_bytes()
    assert len(data) == SECRET_KEY_LEN and data[0] == 0x59
    assert SecretKey.from_bytes(data).to_bytes() == data
    f, g, big_f, big_g = seed0_key.basis
    fg = multiply(f, big_g)
    gf = multiply(g, big_f)
    assert [(a - b) % Q for a, b in zip(fg, gf, strict=True)] == [0] * 512  # f*G - g*F = q = 0 mod q
    assert max(map(abs, f + g)) <= 31 and max(map(abs, big_f + big_g)) <= 127


def test_secret_key_rejects_garbage(seed0_key: SecretKey) -> None:
    with pytest.raises(FalconSignatureError):
        SecretKey.from_bytes(b"\x59" + bytes(SECRET_KEY_LEN - 1))  # f = 0 is not invertible
    with pytest.raises(FalconSignatureError):
        SecretKey.from_bytes(bytes(SECRET_KEY_LEN))
    f_and_g = seed0_key.to_bytes()[: 1 + 2 * 384]
    with pytest.raises(FalconSignatureError, match="not a Falcon secret key"):
        SecretKey.from_bytes(f_and_g + bytes(512))  # F = 0, so G = 0 and f*G - g*F = 0


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=SECRET_KEY_LEN - 1, max_size=SECRET_KEY_LEN - 1))
def test_random_secret_keys_are_cleanly_rejected(body: bytes) -> None:
    with pytest.raises(FalconSignatureError):
        SecretKey.from_bytes(b"\x59" + body)


def test_chacha_stream_consumes_whole_words() -> None:
    seed = bytes(range(32))
    keystream = ChaCha20.new(key=seed, nonce=bytes(8)).encrypt(bytes(64))
    stream = ChaChaStream(seed)
    assert stream.read(1) == keystream[0:1]
    assert stream.read(9) == keystream[4:13]
    assert stream.read(4) == keystream[16:20]
    assert stream.read(2) == keystream[20:22]
    assert stream.read(3) == keystream[24:27]


def test_rust_rounding() -> None:
    assert [round_half_away(v) for v in (0.5, 1.5, 2.5, -0.5, -1.5, 0.49999999999999994, -2.6)] == [
        1,
        2,
        3,
        -1,
        -2,
        0,
        -3,
    ]


def test_other_key_signs_and_is_distinct(seed0_key: SecretKey, other_key: SecretKey) -> None:
    word = (5, 6, 7, 8)
    signature = other_key.sign(word)
    assert fv.verify(signature, word)
    assert other_key.public_key() != seed0_key.public_key()
    assert signature[627:] == other_key.public_key()


words = st.tuples(*[st.integers(min_value=0, max_value=P - 1)] * 4)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=words)
def test_sign_then_verify(seed0_key: SecretKey, word: tuple[int, int, int, int]) -> None:
    signature = seed0_key.sign(word)
    assert len(signature) == 1524
    assert signature == seed0_key.sign(word)
    changed = (word[0], word[1], word[2], (word[3] + 1) % P)
    assert fv.verify_falcon(signature, [changed, word]) == 1
