"""Goldilocks field elements, Words and their byte and hex encodings.

A Word is 4 field elements. Its hex form is ``0x`` followed by the 4 canonical elements, each written as 8
bytes little-endian (64 lowercase hex characters in all).
"""

from collections.abc import Sequence

from guardian_crypto.errors import WordHexError

P = 0xFFFFFFFF00000001
"""The Goldilocks prime 2^64 - 2^32 + 1."""

Word = tuple[int, int, int, int]
ZERO_WORD: Word = (0, 0, 0, 0)

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_U64 = 1 << 64


def is_element(value: int) -> bool:
    return 0 <= value < P


def to_word(elements: Sequence[int]) -> Word:
    """Check that ``elements`` are 4 canonical field elements and return them as a Word."""
    if len(elements) != 4 or not all(is_element(e) for e in elements):
        raise ValueError("a Word is exactly 4 field elements, each in [0, p)")
    return (elements[0], elements[1], elements[2], elements[3])


def word_to_bytes(word: Word) -> bytes:
    """The 32-byte serialisation of a Word: each element as 8 bytes little-endian."""
    return b"".join(e.to_bytes(8, "little") for e in word)


def word_from_bytes(data: bytes) -> Word:
    """Parse exactly 32 bytes as a Word; every limb must be below p."""
    if len(data) != 32:
        raise WordHexError("a Word is 32 bytes")
    limbs = [int.from_bytes(data[i : i + 8], "little") for i in range(0, 32, 8)]
    if not all(limb < P for limb in limbs):
        raise WordHexError("a Word limb is not below p")
    return (limbs[0], limbs[1], limbs[2], limbs[3])


def word_to_hex(word: Word) -> str:
    return "0x" + word_to_bytes(word).hex()


def _strip_0x(text: str) -> str:
    return text[2:] if text[:2] in ("0x", "0X") else text


def _hex_bytes(digits: str) -> bytes:
    if len(digits) % 2 or not _HEX_DIGITS.issuperset(digits):
        raise WordHexError("not an even-length hex string")
    return bytes.fromhex(digits)


def word_from_hex(text: str) -> Word:
    """Strict Word hex parser: optional ``0x``, exactly 64 hex digits (either case), every limb below p."""
    digits = _strip_0x(text)
    if len(digits) != 64:
        raise WordHexError("a Word hex string has exactly 64 hex digits")
    return word_from_bytes(_hex_bytes(digits))


def normalize_commitment_hex(text: str) -> str:
    """Normalise a requested commitment the way Guardian does (docs/contracts/auth.md §2.4).

    Optional ``0x``, even number of hex digits, at least 32 bytes; bytes after the first 32 are ignored; every
    limb must be below p. Returns lowercase Word hex.
    """
    data = _hex_bytes(_strip_0x(text))
    if len(data) < 32:
        raise WordHexError("a commitment has at least 32 bytes")
    return word_to_hex(word_from_bytes(data[:32]))


def bytes_to_elements(data: bytes) -> list[int]:
    """Guardian's byte packing: 8-byte little-endian chunks, the last zero-padded on the right, mod p."""
    padded = data + bytes(-len(data) % 8)
    return [int.from_bytes(padded[i : i + 8], "little") % P for i in range(0, len(padded), 8)]


def bytes_to_u32_elements(data: bytes) -> list[int]:
    """Miden's packing for key commitments: 4-byte little-endian chunks, the last zero-padded on the right."""
    padded = data + bytes(-len(data) % 4)
    return [int.from_bytes(padded[i : i + 4], "little") for i in range(0, len(padded), 4)]


def i64_to_element(value: int) -> int:
    """A signed 64-bit integer as a field element: two's complement as u64, then reduced mod p."""
    if not -(1 << 63) <= value < (1 << 63):
        raise ValueError("value does not fit in a signed 64-bit integer")
    return (value % _U64) % P
