"""The ``hash_elements`` sponge shared by RPO256 and Poseidon2 (miden-crypto 0.25 layout).

State width 12: rate = state[0..8], capacity = state[8..12], digest = state[0..4]. state[8] is set once to the
input length mod 8; input elements overwrite the rate; a partial last block is zero-padded; an empty input
gives the zero Word without any permutation.
"""

from collections.abc import Callable, Sequence

from guardian_crypto.field import ZERO_WORD, P, Word

Permutation = Callable[[list[int]], list[int]]
RATE = 8


def sponge_hash(elements: Sequence[int], permute: Permutation) -> Word:
    """Hash canonical field elements with ``permute`` (which may return unreduced representatives).

    The reference for the compiled sponge of ``_goldilocks.c``, which refuses the same inputs the same way.
    """
    for e in elements:
        if not isinstance(e, int):
            raise TypeError(f"hash input must be ints, not {type(e).__name__}")
        if not 0 <= e < P:
            raise ValueError("hash input must be canonical field elements")
    if not elements:
        return ZERO_WORD
    state = [0] * 12
    state[8] = len(elements) % RATE
    for start in range(0, len(elements), RATE):
        block = list(elements[start : start + RATE])
        state[: len(block)] = block
        if len(block) < RATE:
            state[len(block) : RATE] = [0] * (RATE - len(block))
        state = permute(state)
    return (state[0] % P, state[1] % P, state[2] % P, state[3] % P)
