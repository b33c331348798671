"""A byte source that reproduces ``rand_chacha::ChaCha20Rng::from_seed`` as Miden's Falcon code consumes it.

The keystream is plain ChaCha20 (key = seed, 64-bit nonce 0, block counter from 0). ``rand_core``'s
``fill_bytes`` hands out whole 32-bit words, so a request for n bytes consumes ceil(n / 4) words and drops the
unused tail of the last one (a 1-byte read uses 4 keystream bytes, a 9-byte read uses 12).
"""

from Crypto.Cipher import ChaCha20

_REFILL = 4096


class ChaChaStream:
    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise ValueError("a ChaCha20Rng seed is 32 bytes")
        self._cipher = ChaCha20.new(key=seed, nonce=bytes(8))
        self._buffer = b""
        self._pos = 0

    def read(self, count: int) -> bytes:
        used = -(-count // 4) * 4
        if self._pos + used > len(self._buffer):
            self._buffer = self._buffer[self._pos :] + self._cipher.encrypt(bytes(max(_REFILL, used)))
            self._pos = 0
        out = self._buffer[self._pos : self._pos + count]
        self._pos += used
        return out
