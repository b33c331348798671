"""Baseline for bench/bench_crypto.py only: the pure-Python secp256k1 that guardian_crypto used before it moved to
libsecp256k1 (coincurve). Kept here, outside production code, so the benchmark can time both in the same run.

Plain integer arithmetic in Jacobian coordinates, not constant-time; a recovery or verification is one
double-scalar multiplication (Shamir's trick). The Miden ECDSA and EIP-712 wrappers at the end do what
``guardian_crypto.ecdsa`` and ``guardian_crypto.eip712`` do around the curve (same parsing, same keccak).
"""

import hashlib
import hmac

from guardian_crypto import ecdsa, eip712, secp256k1
from guardian_crypto.errors import EcdsaSignatureError
from guardian_crypto.field import Word
from guardian_crypto.keccak import keccak256
from guardian_crypto.secp256k1 import RecoverableSignature

FIELD = 2**256 - 2**32 - 977
ORDER = secp256k1.ORDER
HALF_ORDER = secp256k1.HALF_ORDER
_G = (
    0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
)

Affine = tuple[int, int]
_Jacobian = tuple[int, int, int]
_INFINITY: _Jacobian = (1, 1, 0)


def _double(p: _Jacobian) -> _Jacobian:
    x, y, z = p
    if z == 0 or y == 0:
        return _INFINITY
    yy = y * y % FIELD
    s = 4 * x * yy % FIELD
    m = 3 * x * x % FIELD
    x3 = (m * m - 2 * s) % FIELD
    return x3, (m * (s - x3) - 8 * yy * yy) % FIELD, 2 * y * z % FIELD


def _add(p: _Jacobian, q: _Jacobian) -> _Jacobian:
    x1, y1, z1 = p
    x2, y2, z2 = q
    if z1 == 0:
        return q
    if z2 == 0:
        return p
    z1z1 = z1 * z1 % FIELD
    z2z2 = z2 * z2 % FIELD
    u1 = x1 * z2z2 % FIELD
    u2 = x2 * z1z1 % FIELD
    s1 = y1 * z2 * z2z2 % FIELD
    s2 = y2 * z1 * z1z1 % FIELD
    if u1 == u2:
        return _double(p) if s1 == s2 else _INFINITY
    h = (u2 - u1) % FIELD
    r = (s2 - s1) % FIELD
    hh = h * h % FIELD
    hhh = h * hh % FIELD
    v = u1 * hh % FIELD
    x3 = (r * r - hhh - 2 * v) % FIELD
    return x3, (r * (v - x3) - s1 * hhh) % FIELD, h * z1 * z2 % FIELD


def _affine(p: _Jacobian) -> Affine | None:
    x, y, z = p
    if z == 0:
        return None
    zi = pow(z, -1, FIELD)
    zi2 = zi * zi % FIELD
    return x * zi2 % FIELD, y * zi2 * zi % FIELD


def _double_mul(a: int, b: int, point: Affine) -> Affine | None:
    """a*G + b*point."""
    g: _Jacobian = (*_G, 1)
    q: _Jacobian = (*point, 1)
    table = {(0, 1): q, (1, 0): g, (1, 1): _add(g, q)}
    acc = _INFINITY
    for i in range(max(a.bit_length(), b.bit_length()) - 1, -1, -1):
        acc = _double(acc)
        bits = ((a >> i) & 1, (b >> i) & 1)
        if bits != (0, 0):
            acc = _add(acc, table[bits])
    return _affine(acc)


def _lift_x(x: int, odd: bool) -> Affine | None:
    if not 0 <= x < FIELD:
        return None
    y2 = (pow(x, 3, FIELD) + 7) % FIELD
    y = pow(y2, (FIELD + 1) // 4, FIELD)
    if y * y % FIELD != y2:
        return None
    return (x, y if (y & 1) == odd else FIELD - y)


def _scalar(prehash: bytes) -> int:
    if len(prehash) != 32:
        raise ValueError("a prehash is 32 bytes")
    return int.from_bytes(prehash, "big") % ORDER


def recover(prehash: bytes, signature: RecoverableSignature) -> Affine:
    """The public key that produced ``signature`` over ``prehash`` (low-s and range checks included)."""
    r, s, recovery_id = signature.r, signature.s, signature.recovery_id
    secp256k1.check_scalars(r, s)
    if not 0 <= recovery_id <= 3:
        raise EcdsaSignatureError("recovery id must be 0..3")
    x = r + ORDER if recovery_id & 2 else r
    big_r = _lift_x(x, bool(recovery_id & 1))
    if big_r is None:
        raise EcdsaSignatureError("signature does not recover a key")
    r_inv = pow(r, -1, ORDER)
    point = _double_mul(-_scalar(prehash) * r_inv % ORDER, s * r_inv % ORDER, big_r)
    if point is None:
        raise EcdsaSignatureError("signature does not recover a key")
    return point


def verify(prehash: bytes, r: int, s: int, point: Affine) -> bool:
    """Prehash ECDSA verification; high-s signatures are rejected."""
    try:
        secp256k1.check_scalars(r, s)
    except EcdsaSignatureError:
        return False
    s_inv = pow(s, -1, ORDER)
    result = _double_mul(_scalar(prehash) * s_inv % ORDER, r * s_inv % ORDER, point)
    return result is not None and result[0] % ORDER == r


def sign(secret: int, prehash: bytes) -> RecoverableSignature:
    """Deterministic ECDSA (RFC 6979, HMAC-SHA256) normalised to low s, with its recovery id."""
    z = _scalar(prehash)
    x = secret.to_bytes(32, "big")
    h1 = z.to_bytes(32, "big")
    v = b"\x01" * 32
    k = b"\x00" * 32
    k = hmac.new(k, v + b"\x00" + x + h1, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    k = hmac.new(k, v + b"\x01" + x + h1, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    while True:
        v = hmac.new(k, v, hashlib.sha256).digest()
        nonce = int.from_bytes(v, "big")
        if 0 < nonce < ORDER:
            point = _double_mul(nonce, 0, _G)
            assert point is not None
            r = point[0] % ORDER
            s = pow(nonce, -1, ORDER) * (z + r * secret) % ORDER
            if r and s:
                recovery_id = (point[1] & 1) | (2 if point[0] >= ORDER else 0)
                if s > HALF_ORDER:
                    s, recovery_id = ORDER - s, recovery_id ^ 1
                return RecoverableSignature(r, s, recovery_id)
        k = hmac.new(k, v + b"\x00", hashlib.sha256).digest()
        v = hmac.new(k, v, hashlib.sha256).digest()


def compress(point: Affine) -> bytes:
    return bytes([2 | (point[1] & 1)]) + point[0].to_bytes(32, "big")


def decompress(data: bytes) -> Affine:
    if len(data) != 33 or data[0] not in (2, 3):
        raise EcdsaSignatureError("a compressed public key is 33 bytes starting with 02 or 03")
    point = _lift_x(int.from_bytes(data[1:], "big"), data[0] == 3)
    if point is None:
        raise EcdsaSignatureError("public key is not on secp256k1")
    return point


def miden_sign(secret_key: bytes, message: Word) -> bytes:
    signature = sign(int.from_bytes(secret_key, "big"), ecdsa.prehash(message))
    return ecdsa.encode_signature(ecdsa.EcdsaSignature(signature.r, signature.s, signature.recovery_id))


def miden_recover(message: Word, signature: bytes) -> bytes:
    parsed = ecdsa.decode_signature(signature)
    return compress(recover(ecdsa.prehash(message), RecoverableSignature(parsed.r, parsed.s, parsed.v)))


def miden_verify(message: Word, signature: bytes, public_key: bytes) -> bool:
    parsed = ecdsa.decode_signature(signature)
    return verify(ecdsa.prehash(message), parsed.r, parsed.s, decompress(public_key))


def evm_recover(digest: bytes, signature: bytes) -> str:
    point = recover(digest, eip712.decode_signature(signature))
    return "0x" + keccak256(point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big"))[12:].hex()
