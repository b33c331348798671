"""Falcon-512 Poseidon2 signer, byte-identical to miden-crypto v0.25.1: auth's Falcon ack key, the operator CLI,
the client's Falcon cosigners and tests.

Requires the ``signer`` extra (``falcon-digital-signature`` for the FFT and NTRU helpers, ``blake3``). The
verification path never imports this module. Pure Python, so not constant-time (docs/auth.md "Ack keys").

* ``SecretKey.generate(seed)`` is ``SecretKey::with_rng(ChaCha20Rng::from_seed(seed))``, with a fresh random
  seed when none is given.
* ``sign(word)`` is deterministic: the sampler's ChaCha20 stream is seeded with BLAKE3(0x09 || sk || word).
"""

import os
from collections.abc import Sequence

from blake3 import blake3
from falcon.fft import fft, ifft

from guardian_crypto.chacha_rng import ChaChaStream
from guardian_crypto.errors import FalconSignatureError
from guardian_crypto.falcon_codec import (
    LOG_N,
    NONCE_VERSION,
    S2_MAX_MAGNITUDE,
    decode_secret_key,
    encode_public_key,
    encode_secret_key,
    encode_signature,
)
from guardian_crypto.falcon_keygen import ntru_gen
from guardian_crypto.falcon_ntt import N, Q, intt, multiply, ntt
from guardian_crypto.falcon_sampler import ByteSource, Tree, falcon_tree, ffsampling
from guardian_crypto.falcon_verify import SIGNATURE_BOUND, hash_to_point, public_key_commitment
from guardian_crypto.field import Word, word_to_bytes
from guardian_crypto.rust_float import round_half_away, squared_magnitudes


def _divide(numerator: Sequence[int], denominator: Sequence[int]) -> list[int]:
    """numerator / denominator in Z_q[x]/(x^512 + 1), coefficients in [0, q)."""
    den = ntt(denominator)
    if 0 in den:
        raise FalconSignatureError("f is not invertible mod q")
    return intt([a * pow(b, -1, Q) % Q for a, b in zip(ntt(numerator), den, strict=True)])


def _balanced(values: Sequence[int]) -> list[int]:
    return [v - Q if v > Q // 2 else v for v in values]


def _exact_product(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """a * b in Z[x]/(x^512 + 1), exactly, by Kronecker substitution (coefficients must stay below 2^63)."""
    width = 64
    packed = sum(v << (width * i) for i, v in enumerate(a)) * sum(v << (width * i) for i, v in enumerate(b))
    digits = []
    for _ in range(2 * N - 1):
        digit = packed & ((1 << width) - 1)
        if digit >> (width - 1):
            digit -= 1 << width
        digits.append(digit)
        packed = (packed - digit) >> width
    return [digits[i] - (digits[i + N] if i + N < len(digits) else 0) for i in range(N)]


class SecretKey:
    """A Falcon-512 secret key (f, g, F, G) with its Falcon tree and public key."""

    def __init__(
        self, f: Sequence[int], g: Sequence[int], big_f: Sequence[int], big_g: Sequence[int]
    ) -> None:
        self._f, self._g, self._big_f, self._big_g = list(f), list(g), list(big_f), list(big_g)
        residual = [x - y for x, y in zip(_exact_product(f, big_g), _exact_product(g, big_f), strict=True)]
        if residual != [Q] + [0] * (N - 1):
            raise FalconSignatureError("f*G - g*F != q: not a Falcon secret key")
        self._bytes = encode_secret_key(self._f, self._g, self._big_f)
        self._h = _divide(g, f)
        self._g_fft = fft([complex(v) for v in g])
        self._f_fft = fft([complex(v) for v in f])
        self._big_g_fft = fft([complex(v) for v in big_g])
        self._big_f_fft = fft([complex(v) for v in big_f])
        # The basis [[g, -f], [G, -F]] enters the Gram matrix only through products with conjugates, so the
        # signs of the second column do not matter there.
        self._tree: Tree = falcon_tree(self._g_fft, self._f_fft, self._big_g_fft, self._big_f_fft)

    @classmethod
    def generate(cls, seed: bytes | None = None) -> "SecretKey":
        """A new key from a 32-byte ChaCha20 seed (fresh from the OS when ``None``)."""
        stream = ChaChaStream(os.urandom(32) if seed is None else seed)
        return cls(*ntru_gen(stream.read))

    @classmethod
    def from_bytes(cls, data: bytes) -> "SecretKey":
        """Load the 1281-byte secret key; G is recomputed as g * F / f."""
        f, g, big_f = decode_secret_key(data)
        big_g = _balanced(_divide(multiply(g, big_f), f))
        return cls(f, g, big_f, big_g)

    def to_bytes(self) -> bytes:
        return self._bytes

    @property
    def basis(self) -> tuple[list[int], list[int], list[int], list[int]]:
        """(f, g, F, G) with f*G - g*F = q."""
        return list(self._f), list(self._g), list(self._big_f), list(self._big_g)

    def public_key(self) -> bytes:
        """The 897-byte public key (``0x09`` then h)."""
        return encode_public_key(self._h)

    def commitment(self) -> Word:
        return public_key_commitment(self.public_key())

    def sign(self, message: Word) -> bytes:
        """The deterministic 1524-byte signature of a Word."""
        seed = blake3(bytes([LOG_N]) + self._bytes + word_to_bytes(message)).digest()
        s2 = self._sample_s2(hash_to_point(message, NONCE_VERSION), ChaChaStream(seed).read)
        return encode_signature(NONCE_VERSION, s2, self._h)

    def _sample_s2(self, c: list[int], read: ByteSource) -> list[int]:
        one_over_q = 1.0 / Q
        c_fft = fft([complex(one_over_q * v) for v in c])
        t0 = [a * b for a, b in zip(c_fft, self._big_f_fft, strict=True)]
        t1 = [-(a * b) for a, b in zip(c_fft, self._f_fft, strict=True)]
        while True:
            z0, z1 = ffsampling(t0, t1, self._tree, read)
            d0 = [a - b for a, b in zip(t0, z0, strict=True)]
            d1 = [a - b for a, b in zip(t1, z1, strict=True)]
            s0 = [a * g + b * gg for a, b, g, gg in zip(d0, d1, self._g_fft, self._big_g_fft, strict=True)]
            s1 = [a * f + b * ff for a, b, f, ff in zip(d0, d1, self._f_fft, self._big_f_fft, strict=True)]
            norm = (squared_magnitudes(s0) + squared_magnitudes(s1)) / N
            if norm > SIGNATURE_BOUND:
                continue
            s2 = [max(-32768, min(32767, round_half_away(v))) for v in ifft(s1)]
            if all(-S2_MAX_MAGNITUDE <= v <= S2_MAX_MAGNITUDE for v in s2):
                return s2
