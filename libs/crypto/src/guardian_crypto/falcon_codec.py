"""Byte formats of Miden's Falcon-512 Poseidon2 scheme (miden-crypto ``falcon512_poseidon2``, v0.25.1).

* Public key, 897 bytes: ``0x09`` then the 512 coefficients of h, 14 bits each, big-endian bit packing.
* Signature, 1524 bytes: header ``0xB9``, nonce version, s2 in Falcon's compressed encoding (625 bytes), then
  the public key.
* Secret key, 1281 bytes: header ``0x59``, f (6 bits each), g (6 bits), F (8 bits); two's complement,
  big-endian bit packing.

Decoders accept only canonical encodings and raise :class:`FalconSignatureError` for anything else.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from guardian_crypto.errors import FalconSignatureError
from guardian_crypto.falcon_ntt import N, Q

LOG_N = 9
SIGNATURE_HEADER = 0xB9
SECRET_KEY_HEADER = 0x50 | LOG_N
PUBLIC_KEY_LEN = 897
S2_LEN = 625
SIGNATURE_LEN = 2 + S2_LEN + PUBLIC_KEY_LEN
SECRET_KEY_LEN = 1281
NONCE_VERSION = 1
# The fixed nonce after its version byte: log2(n), "FALCON-POSEIDON2-DET", zero padding to 39 bytes.
PREVERSIONED_NONCE = bytes([LOG_N]) + b"FALCON-POSEIDON2-DET" + bytes(18)
S2_MAX_MAGNITUDE = 2047

_COEFFICIENT_BITS = 14
_UNARY_LIMIT = 16  # 16 zero bits in the high part would make |v| >= 2048
# Sign bit and 7 low bits, as text, mapped to (is negative, low bits).
_HEADS = {format(i, "08b"): (i >> 7 == 1, i & 0x7F) for i in range(256)}


def nonce_elements(version: int) -> list[int]:
    """The 40-byte nonce as 8 field elements, each a 5-byte little-endian chunk."""
    nonce = bytes([version]) + PREVERSIONED_NONCE
    return [int.from_bytes(nonce[i : i + 5], "little") for i in range(0, 40, 5)]


def decode_public_key(data: bytes) -> list[int]:
    """Decode an 897-byte public key into the 512 coefficients of h (each in [0, 12289))."""
    if len(data) != PUBLIC_KEY_LEN:
        raise FalconSignatureError("a public key is 897 bytes")
    if data[0] != LOG_N:
        raise FalconSignatureError("public key header is not 0x09")
    h: list[int] = []
    # 7 bytes hold exactly 4 coefficients of 14 bits.
    for i in range(1, PUBLIC_KEY_LEN, 7):
        v = int.from_bytes(data[i : i + 7], "big")
        h += (v >> 42, (v >> 28) & 0x3FFF, (v >> 14) & 0x3FFF, v & 0x3FFF)
    if max(h) >= Q:
        raise FalconSignatureError("public key coefficient is not below 12289")
    return h


def encode_public_key(h: Sequence[int]) -> bytes:
    if len(h) != N or not all(0 <= c < Q for c in h):
        raise ValueError("h has 512 coefficients in [0, 12289)")
    packed = 0
    for c in h:
        packed = (packed << _COEFFICIENT_BITS) | c
    return bytes([LOG_N]) + packed.to_bytes(PUBLIC_KEY_LEN - 1, "big")


def decode_s2(data: bytes) -> list[int]:
    """Decode Falcon's compressed encoding of s2 (coefficients returned in [0, 12289)).

    Per coefficient: a sign bit, the 7 low bits of |v|, then |v| >> 7 zero bits closed by a one bit. |v| must
    stay below 2048, "-0" is forbidden, and the unused low bits of the last byte read must be zero. Whole
    bytes after that last byte are not examined, as in the reference decoder.
    """
    if len(data) != S2_LEN:
        raise FalconSignatureError("compressed s2 is 625 bytes")
    bits = format(int.from_bytes(data, "big"), f"0{8 * S2_LEN}b")
    find = bits.find
    heads = _HEADS
    coefficients = []
    pos = 0
    for _ in range(N):
        # The closing one bit of the unary part must come within 16 bits after sign and low bits; this also
        # rejects running out of input.
        one = find("1", pos + 8, pos + 8 + _UNARY_LIMIT)
        if one < 0:
            raise FalconSignatureError("compressed s2 coefficient is too large or truncated")
        negative, magnitude = heads[bits[pos : pos + 8]]
        magnitude |= (one - pos - 8) << 7
        if negative:
            if magnitude == 0:
                raise FalconSignatureError("compressed s2 holds a negative zero")
            magnitude = Q - magnitude
        coefficients.append(magnitude)
        pos = one + 1
    if "1" in bits[pos : -(-pos // 8) * 8]:
        raise FalconSignatureError("compressed s2 has non-zero unused bits")
    return coefficients


def encode_s2(s2: Sequence[int]) -> bytes | None:
    """Compress signed coefficients of s2.

    Returns ``None`` if a magnitude exceeds 2047 or the encoding needs more than 625 bytes.
    """
    if len(s2) != N:
        raise ValueError("s2 has 512 coefficients")
    parts = []
    for v in s2:
        magnitude = abs(v)
        if magnitude > S2_MAX_MAGNITUDE:
            return None
        parts.append(f"{int(v < 0)}{magnitude & 0x7F:07b}{'0' * (magnitude >> 7)}1")
    bits = "".join(parts)
    if len(bits) > 8 * S2_LEN:
        return None
    return int(bits.ljust(8 * S2_LEN, "0"), 2).to_bytes(S2_LEN, "big")


@dataclass(frozen=True)
class FalconSignature:
    """A decoded signature. ``s2`` and ``h`` hold coefficients in [0, 12289)."""

    nonce_version: int
    s2: tuple[int, ...]
    h: tuple[int, ...]
    public_key: bytes


def decode_signature(data: bytes, *, allow_trailing: bool = False) -> FalconSignature:
    """Strictly decode a 1524-byte signature.

    ``allow_trailing`` accepts (and ignores) bytes after the 1524th, which is how the request-auth path of
    upstream parses; everywhere else the length must be exact.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FalconSignatureError("a signature is bytes")
    data = bytes(data)
    if len(data) < SIGNATURE_LEN or (len(data) > SIGNATURE_LEN and not allow_trailing):
        raise FalconSignatureError("a signature is 1524 bytes")
    if data[0] != SIGNATURE_HEADER:
        raise FalconSignatureError("signature header is not 0xB9")
    s2 = decode_s2(data[2 : 2 + S2_LEN])
    public_key = data[2 + S2_LEN : SIGNATURE_LEN]
    h = decode_public_key(public_key)
    return FalconSignature(nonce_version=data[1], s2=tuple(s2), h=tuple(h), public_key=public_key)


def encode_signature(nonce_version: int, s2: Sequence[int], h: Sequence[int]) -> bytes:
    encoded = encode_s2(s2)
    if encoded is None:
        raise ValueError("s2 does not fit the compressed encoding")
    return bytes([SIGNATURE_HEADER, nonce_version]) + encoded + encode_public_key(h)


def _pack_signed(values: Sequence[int], bits: int) -> bytes:
    limit = (1 << (bits - 1)) - 1
    packed = 0
    for v in values:
        if not -limit <= v <= limit:
            raise ValueError(f"coefficient {v} does not fit {bits} bits")
        packed = (packed << bits) | (v & ((1 << bits) - 1))
    return packed.to_bytes(N * bits // 8, "big")


def _unpack_signed(data: bytes, bits: int) -> list[int]:
    packed = int.from_bytes(data, "big")
    mask = (1 << bits) - 1
    sign = 1 << (bits - 1)
    raw = [(packed >> (bits * (N - 1 - i))) & mask for i in range(N)]
    return [v - (1 << bits) if v & sign else v for v in raw]


def encode_secret_key(f: Sequence[int], g: Sequence[int], big_f: Sequence[int]) -> bytes:
    return bytes([SECRET_KEY_HEADER]) + _pack_signed(f, 6) + _pack_signed(g, 6) + _pack_signed(big_f, 8)


def decode_secret_key(data: bytes) -> tuple[list[int], list[int], list[int]]:
    """Decode the 1281-byte secret key into (f, g, F) as signed integers."""
    if len(data) != SECRET_KEY_LEN:
        raise FalconSignatureError("a secret key is 1281 bytes")
    if data[0] != SECRET_KEY_HEADER:
        raise FalconSignatureError("secret key header is not 0x59")
    small = N * 6 // 8
    f = _unpack_signed(data[1 : 1 + small], 6)
    g = _unpack_signed(data[1 + small : 1 + 2 * small], 6)
    big_f = _unpack_signed(data[1 + 2 * small :], 8)
    return f, g, big_f
