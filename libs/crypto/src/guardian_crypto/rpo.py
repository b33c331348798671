"""RPO256 (Rescue Prime Optimized) permutation and ``hash_elements``, miden-crypto v0.25.1.

The permutation is the compiled one of ``_goldilocks`` when the package was built with a C compiler (about
50 times faster), else ``permute_python`` below, which favours clarity over speed.
"""

from collections.abc import Sequence

from guardian_crypto import constants
from guardian_crypto.compiled import goldilocks
from guardian_crypto.field import P, Word, bytes_to_elements
from guardian_crypto.sponge import sponge_hash

_DATA = constants.load("rpo256")
if constants.number(_DATA["modulus_p"]) != P:
    raise RuntimeError("rpo256.json is for another field")

_WIDTH = int(_DATA["state_width"])
_ROUNDS = int(_DATA["num_rounds"])
_ALPHA = constants.number(_DATA["alpha"])
_INV_ALPHA = constants.number(_DATA["inv_alpha"])
_MDS_ROW = constants.numbers(_DATA["mds_first_row"])
# Circulant: MDS[i][j] = first_row[(j - i) mod 12].
_MDS = [[_MDS_ROW[(j - i) % _WIDTH] for j in range(_WIDTH)] for i in range(_WIDTH)]
_ARK1 = [constants.numbers(row) for row in _DATA["ark1"]]
_ARK2 = [constants.numbers(row) for row in _DATA["ark2"]]


def _mds(state: list[int]) -> list[int]:
    return [sum(m * s for m, s in zip(row, state, strict=True)) % P for row in _MDS]


def permute_python(state: list[int]) -> list[int]:
    """Apply the RPO permutation to a 12-element state; returns canonical elements."""
    if len(state) != _WIDTH:
        raise ValueError("RPO state has 12 elements")
    for r in range(_ROUNDS):
        state = _mds(state)
        state = [pow(s + c, _ALPHA, P) for s, c in zip(state, _ARK1[r], strict=True)]
        state = _mds(state)
        state = [pow(s + c, _INV_ALPHA, P) for s, c in zip(state, _ARK2[r], strict=True)]
    return state


if goldilocks is not None:
    goldilocks.rpo_setup(_MDS_ROW, _ARK1, _ARK2, _INV_ALPHA)
    permute = goldilocks.rpo_permute
else:
    permute = permute_python


def hash_elements(elements: Sequence[int]) -> Word:
    return sponge_hash(elements, permute)


def hash_bytes(data: bytes) -> Word:
    """Guardian's bytes → Word digest: 8-byte LE packing mod p, then ``hash_elements`` (empty → zero Word)."""
    return hash_elements(bytes_to_elements(data))
