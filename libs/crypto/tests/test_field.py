import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guardian_crypto.errors import WordHexError
from guardian_crypto.field import (
    P,
    bytes_to_elements,
    bytes_to_u32_elements,
    i64_to_element,
    normalize_commitment_hex,
    word_from_bytes,
    word_from_hex,
    word_to_bytes,
    word_to_hex,
)

elements = st.integers(min_value=0, max_value=P - 1)
words = st.tuples(elements, elements, elements, elements)


def test_word_hex_is_little_endian_limbs() -> None:
    assert word_to_hex((100, 97, 116, 97)) == (
        "0x6400000000000000610000000000000074000000000000006100000000000000"
    )


@given(words)
def test_word_hex_round_trip(word: tuple[int, int, int, int]) -> None:
    text = word_to_hex(word)
    assert text == text.lower() and len(text) == 66
    assert word_from_hex(text) == word
    assert word_from_hex(text[2:].upper()) == word
    assert word_from_bytes(word_to_bytes(word)) == word


P_MINUS_1_LE = (P - 1).to_bytes(8, "little").hex()
P_LE = P.to_bytes(8, "little").hex()


def test_word_from_hex_accepts_largest_limb() -> None:
    assert word_from_hex("0x" + P_MINUS_1_LE * 4) == (P - 1,) * 4


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0x",
        "0x" + "0" * 63,
        "0x" + "0" * 65,
        "0x" + "g" * 64,
        "0x" + " " * 64,
        "0x" + P_LE + "00" * 24,
        "0x" + "00" * 24 + "ff" * 8,
    ],
)
def test_word_from_hex_rejects(text: str) -> None:
    with pytest.raises(WordHexError):
        word_from_hex(text)


@given(st.text(max_size=80))
def test_word_from_hex_raises_only_word_hex_error(text: str) -> None:
    with contextlib.suppress(WordHexError):
        word_from_hex(text)


def test_normalize_commitment() -> None:
    word = "11" * 32
    assert normalize_commitment_hex(word.upper()) == "0x" + word
    assert normalize_commitment_hex("0x" + word + "abcd") == "0x" + word  # bytes after 32 are ignored
    for bad in ["0x" + word[:-2], "0x" + word + "a", "0x" + P_LE + "00" * 24, "0xzz" + word]:
        with pytest.raises(WordHexError):
            normalize_commitment_hex(bad)


@given(st.text(max_size=100))
def test_normalize_commitment_raises_only_word_hex_error(text: str) -> None:
    with contextlib.suppress(WordHexError):
        assert len(normalize_commitment_hex(text)) == 66


def test_byte_packing() -> None:
    assert bytes_to_elements(b"") == []
    assert bytes_to_elements(b"\x01") == [1]
    assert bytes_to_elements(b"\xff" * 8 + b"\x02") == [(2**64 - 1) % P, 2]
    assert bytes_to_u32_elements(bytes(range(1, 34)))[-1] == 33
    assert len(bytes_to_u32_elements(bytes(33))) == 9


def test_i64_elements() -> None:
    assert i64_to_element(0) == 0
    assert i64_to_element(-1) == 4294967294
    assert i64_to_element(1700000000000) == 1700000000000
    with pytest.raises(ValueError):
        i64_to_element(1 << 63)
