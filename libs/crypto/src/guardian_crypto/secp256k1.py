"""secp256k1 prehash ECDSA through libsecp256k1 (the ``coincurve`` binding): signing, verification, recovery.

libsecp256k1 signs with RFC 6979 (HMAC-SHA256) nonces, always returns low s (flipping the recovery id with
it), and computes with the secret in constant time. Scalar range and the high-s rule are checked here in
Python before a signature reaches the library: recovery in libsecp256k1 accepts high s, and Guardian refuses
it on every path (docs/crypto.md, "High-s decisions"). Every rejection of untrusted input is an
:class:`EcdsaSignatureError`; a wrong-sized secret or prehash (a caller's bug, not input) is a ``ValueError``.
"""

from dataclasses import dataclass

import coincurve

from guardian_crypto.errors import EcdsaSignatureError

ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_ORDER = ORDER // 2
COMPRESSED_LEN = 33
UNCOMPRESSED_LEN = 65


@dataclass(frozen=True)
class RecoverableSignature:
    r: int
    s: int
    recovery_id: int  # bit 0: R.y is odd; bit 1: R.x = r + n


def check_scalars(r: int, s: int, *, allow_high_s: bool = False) -> None:
    if not (0 < r < ORDER and 0 < s < ORDER):
        raise EcdsaSignatureError("r and s must be in [1, n - 1]")
    if s > HALF_ORDER and not allow_high_s:
        raise EcdsaSignatureError("high-s signature")


def _check_prehash(prehash: bytes) -> bytes:
    if len(prehash) != 32:
        raise ValueError("a prehash is 32 bytes")
    return bytes(prehash)


class SigningKey:
    """A secret key loaded once into libsecp256k1 (deriving it costs more than a signature, so long-lived
    signers such as auth's ack key keep one)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise ValueError("a secp256k1 secret key is 32 bytes")
        if not 0 < int.from_bytes(secret, "big") < ORDER:
            raise ValueError("secret key out of range")
        self._key = coincurve.PrivateKey(bytes(secret))
        self.public_key: bytes = self._key.public_key.format(compressed=True)

    def public_key_uncompressed(self) -> bytes:
        """0x04 || x || y, 65 bytes."""
        return self._key.public_key.format(compressed=False)

    def sign(self, prehash: bytes) -> RecoverableSignature:
        """Deterministic ECDSA (RFC 6979, HMAC-SHA256), low s, with its recovery id."""
        raw = self._key.sign_recoverable(_check_prehash(prehash), hasher=None)
        return RecoverableSignature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
        )


def public_key(secret: bytes, *, compressed: bool = True) -> bytes:
    key = SigningKey(secret)
    return key.public_key if compressed else key.public_key_uncompressed()


def sign(secret: bytes, prehash: bytes) -> RecoverableSignature:
    return SigningKey(secret).sign(prehash)


def _parse(data: bytes) -> coincurve.PublicKey:
    try:
        return coincurve.PublicKey(bytes(data))
    except ValueError:
        raise EcdsaSignatureError("public key is not on secp256k1") from None


def parse_compressed(data: bytes) -> coincurve.PublicKey:
    """A 33-byte compressed SEC1 key (02/03 prefix, x on the curve); other encodings are refused."""
    if len(data) != COMPRESSED_LEN or data[0] not in (2, 3):
        raise EcdsaSignatureError("a compressed public key is 33 bytes starting with 02 or 03")
    return _parse(data)


def parse_public_key(data: bytes) -> coincurve.PublicKey:
    """A SEC1 key on the curve: 33 bytes compressed, or 65 bytes 0x04 || x || y (not the hybrid 06/07)."""
    if len(data) == UNCOMPRESSED_LEN and data[0] == 4:
        return _parse(data)
    if len(data) == COMPRESSED_LEN:
        return parse_compressed(data)
    raise EcdsaSignatureError("a public key is 33 bytes compressed or 65 bytes starting with 04")


def recover(prehash: bytes, signature: RecoverableSignature, *, compressed: bool = True) -> bytes:
    """The SEC1 key (33 bytes compressed, or 65 bytes 0x04 || x || y) that produced ``signature`` over
    ``prehash``; range, high-s and recovery-id checks included."""
    r, s, recovery_id = signature.r, signature.s, signature.recovery_id
    prehash = _check_prehash(prehash)
    check_scalars(r, s)
    if not 0 <= recovery_id <= 3:
        raise EcdsaSignatureError("recovery id must be 0..3")
    compact = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([recovery_id])
    try:
        key = coincurve.PublicKey.from_signature_and_message(compact, prehash, hasher=None)
    except ValueError:
        # R has no point for this x (or r + n overflows the field), or the result is the point at infinity.
        raise EcdsaSignatureError("signature does not recover a key") from None
    return key.format(compressed=compressed)


def _der_integer(value: int) -> bytes:
    body = value.to_bytes(32, "big").lstrip(b"\x00")
    if body[0] & 0x80:  # DER integers are signed: keep a positive value positive
        body = b"\x00" + body
    return bytes([0x02, len(body)]) + body


def verify(prehash: bytes, r: int, s: int, key: coincurve.PublicKey) -> bool:
    """Prehash ECDSA verification of (r, s) under ``key``; high-s and out-of-range scalars are False."""
    prehash = _check_prehash(prehash)
    try:
        check_scalars(r, s)
    except EcdsaSignatureError:
        return False
    # coincurve's verify takes DER; r and s are in [1, n - 1] here, so the sequence is at most 70 bytes.
    integers = _der_integer(r) + _der_integer(s)
    return key.verify(bytes([0x30, len(integers)]) + integers, prehash, hasher=None)
