import contextlib
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardian_crypto import falcon_verify as fv
from guardian_crypto.errors import FalconSignatureError
from guardian_crypto.falcon_codec import (
    PUBLIC_KEY_LEN,
    S2_LEN,
    SIGNATURE_LEN,
    decode_public_key,
    decode_s2,
    decode_secret_key,
    decode_signature,
    encode_public_key,
    encode_s2,
    nonce_elements,
)
from guardian_crypto.field import P, Word, word_to_hex

VectorLoader = Callable[[str], dict[str, Any]]

S2_START = 2
PK_START = 2 + S2_LEN


@pytest.fixture(scope="module")
def falcon_vectors(vectors: VectorLoader) -> dict[str, Any]:
    return vectors("falcon512_poseidon2_vectors")


@pytest.fixture(scope="module")
def signature(falcon_vectors: dict[str, Any]) -> bytes:
    return bytes.fromhex(falcon_vectors["deterministic_signature_vector"]["signature_hex"][2:])


@pytest.fixture(scope="module")
def message(falcon_vectors: dict[str, Any]) -> Word:
    m = [int(e) for e in falcon_vectors["deterministic_signature_vector"]["message_elements"]]
    return (m[0], m[1], m[2], m[3])


def _balanced(values: tuple[int, ...] | list[int]) -> list[int]:
    return [v - 12289 if v > 6144 else v for v in values]


def _with(data: bytes, offset: int, value: int) -> bytes:
    return data[:offset] + bytes([value]) + data[offset + 1 :]


def _s2_bits(parts: list[tuple[int, int]]) -> str:
    """Compressed-encoding bits for raw (sign, magnitude) pairs, even ones a valid encoder never writes."""
    return "".join(f"{sign}{magnitude & 0x7F:07b}{'0' * (magnitude >> 7)}1" for sign, magnitude in parts)


def _s2_bytes(bits: str) -> bytes:
    return int(bits.ljust(8 * S2_LEN, "0")[: 8 * S2_LEN], 2).to_bytes(S2_LEN, "big")


def test_deterministic_signature_verifies(
    signature: bytes, message: Word, falcon_vectors: dict[str, Any]
) -> None:
    vector = falcon_vectors["deterministic_signature_vector"]
    assert vector["expected_verify"] is True
    assert fv.verify(signature, message)
    assert fv.verify_falcon(signature, [message]) == 0


def test_decoded_stages(signature: bytes, message: Word, falcon_vectors: dict[str, Any]) -> None:
    decoded = falcon_vectors["deterministic_signature_vector"]["decoded"]
    sig = decode_signature(signature)
    assert sig.nonce_version == int(decoded["nonce_version_hex"], 16)
    assert nonce_elements(sig.nonce_version) == [int(e) for e in decoded["nonce_elements"]]
    assert list(sig.h) == [int(c) for c in decoded["h_coefficients"]]
    assert _balanced(sig.s2) == [int(c) for c in decoded["s2_coefficients_balanced"]]
    c = fv.hash_to_point(message, sig.nonce_version)
    assert c == [int(x) for x in decoded["c_coefficients"]]
    prepared = fv.prepare(sig)
    s1 = [(ci - sh) % 12289 for ci, sh in zip(c, prepared.s2_times_h, strict=True)]
    assert _balanced(s1) == [int(x) for x in decoded["s1_coefficients_balanced"]]
    assert fv.balanced_norm_squared(s1) == int(decoded["s1_norm_squared"])
    assert fv.balanced_norm_squared(sig.s2) == int(decoded["s2_norm_squared"])
    assert fv.SIGNATURE_BOUND - prepared.budget == int(decoded["s2_norm_squared"])


def test_embedded_public_key_and_commitment(signature: bytes, falcon_vectors: dict[str, Any]) -> None:
    key = falcon_vectors["embedded_public_key"]
    public_key = bytes.fromhex(key["public_key_hex"][2:])
    assert signature[PK_START:] == public_key
    commitment = fv.public_key_commitment(public_key)
    assert word_to_hex(commitment) == key["commitment_word_hex"]
    assert list(commitment) == [int(e) for e in key["commitment_elements"]]
    assert fv.commitment_of_coefficients(decode_public_key(public_key)) == commitment
    assert fv.prepare(decode_signature(signature)).commitment == commitment
    assert encode_public_key(decode_public_key(public_key)) == public_key


def test_vector_negative_cases(signature: bytes, falcon_vectors: dict[str, Any]) -> None:
    cases = falcon_vectors["negative_cases"]
    assert {case["name"] for case in cases} == {
        "message_changed",
        "nonce_version_changed",
        "standard_falcon_header",
        "truncated",
    }
    for case in cases:
        data = signature
        mutation = case.get("mutation", {})
        if "offset" in mutation:
            data = _with(data, int(mutation["offset"]), int(mutation["new_byte_hex"], 16))
        if "truncate_to_length" in mutation:
            data = data[: int(mutation["truncate_to_length"])]
        m = [int(e) for e in case["message_elements"]]
        assert case["expected_verify"] is False
        assert fv.verify_falcon(data, [(m[0], m[1], m[2], m[3])]) is None, case["name"]


def test_norm_bound_is_strict(signature: bytes, message: Word, falcon_vectors: dict[str, Any]) -> None:
    s1_norm = int(falcon_vectors["deterministic_signature_vector"]["decoded"]["s1_norm_squared"])
    prepared = fv.prepare(decode_signature(signature))
    assert not dataclasses.replace(prepared, budget=s1_norm).verifies(message)
    assert dataclasses.replace(prepared, budget=s1_norm + 1).verifies(message)


@pytest.mark.parametrize("header", [0x39, 0xB8, 0xBA, 0xA9, 0x00, 0xFF])
def test_wrong_header_rejected(signature: bytes, message: Word, header: int) -> None:
    with pytest.raises(FalconSignatureError):
        decode_signature(_with(signature, 0, header))
    assert fv.verify_falcon(_with(signature, 0, header), [message]) is None


@pytest.mark.parametrize("length", [0, 1, SIGNATURE_LEN - 1, SIGNATURE_LEN + 1, 2 * SIGNATURE_LEN])
def test_wrong_length_rejected(signature: bytes, message: Word, length: int) -> None:
    data = (signature * 2)[:length]
    with pytest.raises(FalconSignatureError):
        decode_signature(data)
    assert fv.verify_falcon(data, [message]) is None


def test_trailing_bytes_only_when_allowed(signature: bytes, message: Word) -> None:
    assert fv.verify_falcon(signature + b"\x00\x01", [message], allow_trailing=True) == 0
    assert fv.verify_falcon(signature + b"\x00\x01", [message]) is None


def test_changed_message_and_nonce_rejected(signature: bytes, message: Word) -> None:
    assert not fv.verify(signature, (message[0], message[1], message[2], message[3] + 1))
    assert not fv.verify(signature, (0, 0, 0, 0))
    for version in (0, 2, 0xFF):
        assert not fv.verify(_with(signature, 1, version), message)


def test_s2_negative_zero_rejected(signature: bytes) -> None:
    s2 = decode_signature(signature).s2
    parts = [(int(v > 6144), 12289 - v if v > 6144 else v) for v in s2]
    assert decode_s2(_s2_bytes(_s2_bits(parts))) == list(s2)
    zero = next(i for i, (_, magnitude) in enumerate(parts) if magnitude == 0)
    parts[zero] = (1, 0)
    with pytest.raises(FalconSignatureError, match="negative zero"):
        decode_s2(_s2_bytes(_s2_bits(parts)))


def test_s2_magnitude_2048_rejected() -> None:
    ok = [(0, 2047)] + [(0, 0)] * 511
    assert decode_s2(_s2_bytes(_s2_bits(ok)))[0] == 2047
    bad = [(0, 2048)] + [(0, 0)] * 511
    with pytest.raises(FalconSignatureError, match="too large"):
        decode_s2(_s2_bytes(_s2_bits(bad)))
    with pytest.raises(FalconSignatureError):
        decode_s2(_s2_bytes(_s2_bits([(1, 4095)] + [(0, 1)] * 511)))


def test_s2_unused_bits_must_be_zero() -> None:
    bits = _s2_bits([(0, 128)] + [(0, 1)] * 511)  # 10 + 511 * 9 = 4609 bits: ends 1 bit into a byte
    assert len(bits) % 8 == 1
    assert decode_s2(_s2_bytes(bits)) == [128] + [1] * 511
    with pytest.raises(FalconSignatureError, match="unused bits"):
        decode_s2(_s2_bytes(bits + "1"))
    with pytest.raises(FalconSignatureError, match="unused bits"):
        decode_s2(_s2_bytes(bits + "0" * (7 - len(bits) % 8) + "1"))


def test_s2_bytes_after_the_last_read_byte_are_not_checked(signature: bytes, message: Word) -> None:
    # Upstream's decoder stops after the byte holding the last coefficient (613 bytes for this vector).
    assert signature[S2_START + 613 : PK_START] == bytes(12)
    assert fv.verify(_with(signature, S2_START + 620, 0xFF), message)


def test_s2_running_out_of_input_rejected() -> None:
    with pytest.raises(FalconSignatureError):
        decode_s2(_s2_bytes(_s2_bits([(0, 1500)] * 512)))
    with pytest.raises(FalconSignatureError):
        decode_s2(bytes(S2_LEN))


def test_s2_encoding_round_trip_and_limits() -> None:
    values = [(-1) ** i * (i * 7 % 300) for i in range(512)]
    encoded = encode_s2(values)
    assert encoded is not None
    assert _balanced(decode_s2(encoded)) == values
    assert encode_s2([2048] + [0] * 511) is None
    assert encode_s2([2047] * 512) is None  # does not fit 625 bytes


def test_public_key_defects_rejected(signature: bytes, message: Word) -> None:
    public_key = signature[PK_START:]
    for header in (0x00, 0x08, 0x0A, 0x89):
        with pytest.raises(FalconSignatureError, match="header"):
            decode_public_key(_with(public_key, 0, header))
        assert fv.verify_falcon(_with(signature, PK_START, header), [message]) is None
    # First coefficient 0x3fff >= 12289.
    too_big = public_key[:1] + bytes([0xFF, public_key[2] | 0xFC]) + public_key[3:]
    with pytest.raises(FalconSignatureError, match="below 12289"):
        decode_public_key(too_big)
    assert fv.verify_falcon(signature[:PK_START] + too_big, [message]) is None
    # Exactly 12289 in the last coefficient (the low 14 bits of the key).
    last = public_key[:-2] + bytes([(public_key[-2] & 0xC0) | (12289 >> 8), 12289 & 0xFF])
    with pytest.raises(FalconSignatureError):
        decode_public_key(last)
    with pytest.raises(FalconSignatureError):
        decode_public_key(public_key[:-1])


def test_signature_with_another_key_rejected(signature: bytes, message: Word, other_key: Any) -> None:
    swapped = signature[:PK_START] + other_key.public_key()
    assert fv.verify_falcon(swapped, [message]) is None
    other_signature = other_key.sign(message)
    assert fv.verify(other_signature, message)
    assert fv.public_key_commitment(other_signature[PK_START:]) != fv.public_key_commitment(
        signature[PK_START:]
    )


def test_several_candidates(signature: bytes, message: Word) -> None:
    others: list[Word] = [(i, 1, 2, 3) for i in range(7)]
    for position in range(8):
        candidates = [*others[:position], message, *others[position:]]
        assert fv.verify_falcon(signature, candidates) == position
    assert fv.verify_falcon(signature, others) is None
    assert fv.verify_falcon(signature, []) is None
    assert fv.verify_falcon(signature, [message, message]) == 0


def test_non_canonical_digest_is_a_clean_rejection(signature: bytes, message: Word) -> None:
    assert fv.verify_falcon(signature, [(P, 0, 0, 0)]) is None
    assert fv.verify_falcon(signature, [(message[0] + P, *message[1:])]) is None
    assert fv.verify_falcon(signature, [(1, 2, 3)]) is None  # type: ignore[list-item]


def test_secret_key_decoder_rejects() -> None:
    with pytest.raises(FalconSignatureError):
        decode_secret_key(bytes(1280))
    with pytest.raises(FalconSignatureError):
        decode_secret_key(b"\x5a" + bytes(1280))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2 * SIGNATURE_LEN))
def test_random_bytes_never_escape(data: bytes) -> None:
    for decoder in (decode_signature, decode_public_key, decode_s2, decode_secret_key):
        with contextlib.suppress(FalconSignatureError):
            decoder(data)
    assert fv.verify_falcon(data, [(1, 2, 3, 4)]) is None


@settings(max_examples=100, deadline=None)
@given(
    st.binary(min_size=S2_LEN, max_size=S2_LEN),
    st.binary(min_size=PUBLIC_KEY_LEN - 1, max_size=PUBLIC_KEY_LEN - 1),
)
def test_random_bodies_with_valid_headers_never_escape(s2: bytes, key: bytes) -> None:
    data = b"\xb9\x01" + s2 + b"\x09" + key
    with contextlib.suppress(FalconSignatureError):
        decode_signature(data)
    assert fv.verify_falcon(data, [(1, 2, 3, 4)]) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    offset=st.integers(min_value=0, max_value=SIGNATURE_LEN - 1), flip=st.integers(min_value=1, max_value=255)
)
def test_any_byte_change_outside_the_unchecked_tail_rejects(
    signature: bytes, message: Word, offset: int, flip: int
) -> None:
    mutated = _with(signature, offset, signature[offset] ^ flip)
    expected = 0 if S2_START + 613 <= offset < PK_START else None
    assert fv.verify_falcon(mutated, [message]) == expected
