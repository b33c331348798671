"""Falcon-512 Poseidon2 verification (miden-crypto ``falcon512_poseidon2``) and the public-key commitment.

``c = HashToPoint(nonce, message)``: absorb the 8 nonce elements and permute, overwrite rate[0..4] with the
message Word, then 64 times permute and emit rate[0..8] mod 12289. Accept iff
||c - s2*h||^2 + ||s2||^2 < 34034726, with balanced representatives.

Verifying one signature against several candidate digests shares everything but the hash: decoding, s2*h
(one NTT product) and ||s2||^2 are computed once, and the state after the nonce permutation is cached per
nonce version. The norm is accumulated while squeezing, so a candidate that cannot verify is dropped after the
first block whose partial sum reaches the bound (for a wrong digest, the first or second permutation) instead
of after all 64. Verification works on public data, so the early exit leaks nothing secret.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from guardian_crypto import poseidon2
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.falcon_codec import (
    FalconSignature,
    decode_public_key,
    decode_signature,
    nonce_elements,
)
from guardian_crypto.falcon_ntt import N, Q, intt, ntt, pointwise
from guardian_crypto.field import P, Word, to_word

SIGNATURE_BOUND = 34034726
_HALF_Q = Q // 2
# Squared balanced representative of every residue mod Q.
_SQUARED = [(v if v <= _HALF_Q else v - Q) ** 2 for v in range(Q)]
_SQUEEZES = N // 8


def balanced_norm_squared(coefficients: Sequence[int]) -> int:
    """Sum of squares of the balanced representatives (in [-6144, 6144]) of residues mod 12289."""
    return sum(_SQUARED[c % Q] for c in coefficients)


@lru_cache(maxsize=256)
def _state_after_nonce(version: int) -> tuple[int, ...]:
    return tuple(poseidon2.permute_unreduced([*nonce_elements(version), 0, 0, 0, 0]))


def hash_to_point(message: Word, nonce_version: int = 1) -> list[int]:
    """Miden's Poseidon2 hash-to-point: the 512 coefficients of c in [0, 12289)."""
    state = list(_state_after_nonce(nonce_version))
    state[:4] = to_word(message)
    permute = poseidon2.permute_unreduced
    c: list[int] = []
    for _ in range(_SQUEEZES):
        state = permute(state)
        c.extend(s % P % Q for s in state[:8])
    return c


@lru_cache(maxsize=64)
def _public_key_data(public_key: bytes) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Decoded h and its transform, cached because operators keep signing with the same few keys."""
    h = decode_public_key(public_key)
    return tuple(h), tuple(ntt(h))


@lru_cache(maxsize=256)
def _commitment_of(public_key: bytes) -> Word:
    return poseidon2.hash_elements(_public_key_data(public_key)[0])


def public_key_commitment(public_key: bytes) -> Word:
    """Poseidon2 ``hash_elements`` over the 512 coefficients of h of an 897-byte public key (cached)."""
    return _commitment_of(bytes(public_key))


def commitment_of_coefficients(h: Sequence[int]) -> Word:
    if len(h) != N or not all(0 <= c < Q for c in h):
        raise ValueError("h has 512 coefficients in [0, 12289)")
    return poseidon2.hash_elements(h)


@dataclass(frozen=True)
class PreparedSignature:
    """The digest-independent part of a verification: s2*h mod q and the room left under the bound."""

    signature: FalconSignature
    s2_times_h: tuple[int, ...]
    budget: int
    _start: tuple[int, ...] = field(repr=False)

    @property
    def commitment(self) -> Word:
        return public_key_commitment(self.signature.public_key)

    def verifies(self, message: Word) -> bool:
        if self.budget <= 0:
            return False
        state = list(self._start)
        state[:4] = to_word(message)
        permute = poseidon2.permute_unreduced
        squared = _SQUARED
        sh = self.s2_times_h
        budget = self.budget
        total = 0
        for i in range(0, N, 8):
            state = permute(state)
            s0, s1, s2, s3, s4, s5, s6, s7 = state[:8]
            total += (
                squared[(s0 % P - sh[i]) % Q]
                + squared[(s1 % P - sh[i + 1]) % Q]
                + squared[(s2 % P - sh[i + 2]) % Q]
                + squared[(s3 % P - sh[i + 3]) % Q]
                + squared[(s4 % P - sh[i + 4]) % Q]
                + squared[(s5 % P - sh[i + 5]) % Q]
                + squared[(s6 % P - sh[i + 6]) % Q]
                + squared[(s7 % P - sh[i + 7]) % Q]
            )
            if total >= budget:
                return False
        return True

    def first_match(self, messages: Sequence[Word]) -> int | None:
        """Index of the first message this signature verifies, or ``None``."""
        for index, message in enumerate(messages):
            if self.verifies(message):
                return index
        return None


def prepare(signature: FalconSignature) -> PreparedSignature:
    h, h_hat = _public_key_data(signature.public_key)
    if h != signature.h:
        raise ValueError("signature.h does not match its public key bytes")
    s2_times_h = intt(pointwise(ntt(signature.s2), h_hat))
    return PreparedSignature(
        signature=signature,
        s2_times_h=tuple(s2_times_h),
        budget=SIGNATURE_BOUND - balanced_norm_squared(signature.s2),
        _start=_state_after_nonce(signature.nonce_version),
    )


def verify_falcon(signature: bytes, digests: Sequence[Word], *, allow_trailing: bool = False) -> int | None:
    """Index of the first digest that ``signature`` (1524 bytes, public key embedded) verifies, else ``None``.

    A malformed signature, or a digest that is not a canonical Word, also gives ``None``: nothing is raised.
    """
    try:
        prepared = prepare(decode_signature(signature, allow_trailing=allow_trailing))
        return prepared.first_match(digests)
    except (CryptoInputError, ValueError, TypeError):
        return None


def verify(signature: bytes, message: Word) -> bool:
    return verify_falcon(signature, [message]) == 0
