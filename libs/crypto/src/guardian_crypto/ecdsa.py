"""Miden's ECDSA over secp256k1 with Keccak (miden-crypto ``ecdsa_k256_keccak``, v0.25.1).

* Prehash = Keccak-256 of the 32-byte Word (4 elements, 8 bytes little-endian each).
* Signature = 65 bytes r (32, big-endian) || s (32, big-endian) || v, with v in 0..3 (bit 0: R.y odd, bit 1:
  R.x = r + n). Ethereum's 27/28 are not accepted. High-s signatures are rejected, as k256 0.13.4 does.
* Public key = 33-byte compressed SEC1. Its commitment is Poseidon2 ``hash_elements`` over the 33 bytes packed
  into 9 little-endian u32 elements (the last zero-padded).
"""

import secrets
from dataclasses import dataclass

from guardian_crypto import poseidon2, secp256k1
from guardian_crypto.errors import CryptoInputError, EcdsaSignatureError
from guardian_crypto.field import Word, bytes_to_u32_elements, to_word, word_to_bytes
from guardian_crypto.keccak import keccak256

SIGNATURE_LEN = 65
PUBLIC_KEY_LEN = 33


@dataclass(frozen=True)
class EcdsaSignature:
    r: int
    s: int
    v: int


def prehash(message: Word) -> bytes:
    return keccak256(word_to_bytes(to_word(message)))


def decode_signature(data: bytes, *, allow_trailing: bool = False) -> EcdsaSignature:
    """Parse r || s || v; v must be 0..3, r and s in [1, n - 1], s not above n / 2."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EcdsaSignatureError("a signature is bytes")
    data = bytes(data)
    if len(data) < SIGNATURE_LEN or (len(data) > SIGNATURE_LEN and not allow_trailing):
        raise EcdsaSignatureError("a Miden ECDSA signature is 65 bytes")
    r, s, v = int.from_bytes(data[:32], "big"), int.from_bytes(data[32:64], "big"), data[64]
    if v > 3:
        raise EcdsaSignatureError("recovery id must be 0..3")
    secp256k1.check_scalars(r, s)
    return EcdsaSignature(r, s, v)


def encode_signature(signature: EcdsaSignature) -> bytes:
    return signature.r.to_bytes(32, "big") + signature.s.to_bytes(32, "big") + bytes([signature.v])


def recover_public_key(message: Word, signature: bytes) -> bytes:
    """The 33-byte compressed key that signed ``message``; raises :class:`EcdsaSignatureError` otherwise."""
    parsed = decode_signature(signature)
    return secp256k1.recover(prehash(message), secp256k1.RecoverableSignature(parsed.r, parsed.s, parsed.v))


def verify(message: Word, signature: bytes, public_key: bytes) -> bool:
    """Verify against a given 33-byte key (the ``x-pubkey`` fallback); malformed signature or key: False.
    v is not consulted: (r, s) alone verify under a known key."""
    try:
        parsed = decode_signature(signature)
        key = secp256k1.parse_compressed(bytes(public_key))
    except EcdsaSignatureError:
        return False
    return secp256k1.verify(prehash(message), parsed.r, parsed.s, key)


def public_key_commitment(public_key: bytes) -> Word:
    """Poseidon2 commitment of a 33-byte compressed key (the key is checked to be on the curve)."""
    secp256k1.parse_compressed(bytes(public_key))
    return poseidon2.hash_elements(bytes_to_u32_elements(bytes(public_key)))


class SigningKey:
    """A Miden ECDSA secret key, loaded once; for signers that sign many Words (auth's ack key)."""

    def __init__(self, secret_key: bytes) -> None:
        """Raises ``ValueError`` unless ``secret_key`` is 32 bytes encoding a scalar in [1, n - 1]."""
        self._key = secp256k1.SigningKey(secret_key)
        self.public_key: bytes = self._key.public_key  # 33-byte compressed SEC1

    def sign(self, message: Word) -> bytes:
        """Deterministic (RFC 6979) low-s signature with v in 0..3, as k256 produces it."""
        signature = self._key.sign(prehash(message))
        return encode_signature(EcdsaSignature(signature.r, signature.s, signature.recovery_id))


def public_key_from_secret(secret_key: bytes) -> bytes:
    return secp256k1.public_key(secret_key)


def new_secret() -> bytes:
    """A fresh random 32-byte secret key that is a valid scalar (1..n-1)."""
    while True:
        candidate = secrets.token_bytes(32)
        try:
            public_key_from_secret(candidate)
        except (CryptoInputError, ValueError):  # zero or above the group order: astronomically rare
            continue
        return candidate


def sign(secret_key: bytes, message: Word) -> bytes:
    """Deterministic (RFC 6979) low-s signature with v in 0..3, as k256 produces it."""
    return SigningKey(secret_key).sign(message)
