"""Keccak-256 (the Ethereum variant, not SHA3-256)."""

from Crypto.Hash import keccak


def keccak256(data: bytes) -> bytes:
    digest: bytes = keccak.new(digest_bits=256, data=data).digest()
    return digest
