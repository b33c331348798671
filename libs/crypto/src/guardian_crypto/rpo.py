"""RPO256 (Rescue Prime Optimized) permutation and ``hash_elements``, miden-crypto v0.25.1.

When the package was built with a C compiler, ``_goldilocks`` runs the whole hash: ``hash_bytes`` and
``hash_elements`` go to its packing and sponge (``hash_bytes_in_c``, ``hash_elements_in_c``), which release the
GIL on large inputs, and ``permute`` is its permutation. Otherwise, or with those set to None, the sponge of
``sponge.py`` runs in Python over ``permute`` (``permute_python`` below favours clarity over speed): that path
is the reference the compiled one is tested against.
"""

from collections.abc import Callable, Sequence

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


permute: Callable[[list[int]], list[int]] = permute_python
hash_elements_in_c: Callable[[Sequence[int]], Word] | None = None
hash_bytes_in_c: Callable[[bytes], Word] | None = None
if goldilocks is not None:
    goldilocks.rpo_setup(_MDS_ROW, _ARK1, _ARK2, _INV_ALPHA)
    permute = goldilocks.rpo_permute
    hash_elements_in_c = goldilocks.rpo_hash_elements
    hash_bytes_in_c = goldilocks.rpo_hash_bytes


def hash_elements(elements: Sequence[int]) -> Word:
    """RPO256 of canonical field elements (TypeError for a non-int, ValueError outside [0, p))."""
    if hash_elements_in_c is not None:
        return hash_elements_in_c(elements)
    return sponge_hash(elements, permute)


def hash_bytes(data: bytes) -> Word:
    """Guardian's bytes → Word digest: 8-byte LE packing mod p, then ``hash_elements`` (empty → zero Word)."""
    if hash_bytes_in_c is not None:
        return hash_bytes_in_c(data)
    return sponge_hash(bytes_to_elements(data), permute)
