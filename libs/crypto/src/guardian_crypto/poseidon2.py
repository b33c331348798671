"""Poseidon2 permutation (Goldilocks, width 12) and ``hash_elements`` as miden-crypto v0.25.1 (Plonky3)
defines it.

Falcon hash-to-point runs 65 permutations per verification, so the permutation is written for CPython speed:
12 named locals instead of a list, reductions mod p only before an S-box, and the internal rounds run on a
state scaled by 8, so that every internal-diagonal entry (a small rational: -2, 1, 2, 1/2, ..., 1/8) becomes a
small integer. Undoing the scale costs one multiplication per lane after the 22 internal rounds.

When the package was built with a C compiler, ``permute`` and ``permute_unreduced`` are the compiled
permutation of ``_goldilocks`` instead (about 40 times faster), and ``hash_elements`` runs the whole sponge
there (``hash_elements_in_c``); the Python permutation stays as ``permute_python``, and with
``hash_elements_in_c`` set to None the sponge of ``sponge.py`` runs over ``permute_unreduced``.
"""

from collections.abc import Callable, Sequence

from guardian_crypto import constants
from guardian_crypto.compiled import goldilocks
from guardian_crypto.field import P, Word
from guardian_crypto.sponge import sponge_hash

_DATA = constants.load("poseidon2")
if constants.number(_DATA["modulus_p"]) != P or int(_DATA["sbox_exponent"]) != 7:
    raise RuntimeError("poseidon2.json does not describe the Goldilocks x^7 instance")
if [constants.numbers(row) for row in _DATA["m4"]] != [
    [2, 3, 1, 1],
    [1, 2, 3, 1],
    [1, 1, 2, 3],
    [3, 1, 1, 2],
]:
    raise RuntimeError("the external layer below is written for Plonky3's M4")

EXTERNAL_INITIAL = [constants.numbers(row) for row in _DATA["external_round_constants_initial"]]
INTERNAL = constants.numbers(_DATA["internal_round_constants"])
EXTERNAL_TERMINAL = [constants.numbers(row) for row in _DATA["external_round_constants_terminal"]]
INTERNAL_DIAGONAL = constants.numbers(_DATA["internal_diagonal"])

_SCALE = 8
# 8 * internal_diagonal, as small integers. The internal rounds below are written for exactly these values
# (lanes 3/6, 4/7, 5/8 and 9/10 carry opposite multipliers and run as sum/difference pairs).
_SCALED_DIAGONAL = (-16, 8, 16, 4, 24, 32, -4, -24, -32, 2, -2, 1)
if any((d * _SCALE - k) % P for d, k in zip(INTERNAL_DIAGONAL, _SCALED_DIAGONAL, strict=True)):
    raise RuntimeError("poseidon2.json has an internal diagonal this module is not written for")

_INV_SCALE = pow(_SCALE, -1, P)
# Internal round r runs on state * 8^r, so its constant is scaled by 8^r and the S-box output, computed on the
# scaled input, carries 8^(7r); multiplying by 8^(-6r) brings it back to scale 8^r.
_INTERNAL_SCHEDULE = tuple(
    (c * pow(_SCALE, r, P) % P, pow(_INV_SCALE, 6 * r, P)) for r, c in enumerate(INTERNAL)
)
_UNSCALE = pow(_INV_SCALE, len(INTERNAL), P)
_UNSCALE_HALF = _UNSCALE * pow(2, -1, P) % P
_EXTERNAL = (*EXTERNAL_INITIAL, *EXTERNAL_TERMINAL)
_HALF = len(EXTERNAL_INITIAL)


def permute_unreduced_python(state: Sequence[int]) -> list[int]:
    """Apply the permutation; the result is congruent mod p to the true output but not necessarily below p.

    The input may hold any integers (they are taken mod p).
    """
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11 = state
    for r in range(2 * _HALF + 1):
        if r:
            c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11 = _EXTERNAL[r - 1]
            x = s0 + c0
            t = x * x * x % P
            s0 = t * t * x % P
            x = s1 + c1
            t = x * x * x % P
            s1 = t * t * x % P
            x = s2 + c2
            t = x * x * x % P
            s2 = t * t * x % P
            x = s3 + c3
            t = x * x * x % P
            s3 = t * t * x % P
            x = s4 + c4
            t = x * x * x % P
            s4 = t * t * x % P
            x = s5 + c5
            t = x * x * x % P
            s5 = t * t * x % P
            x = s6 + c6
            t = x * x * x % P
            s6 = t * t * x % P
            x = s7 + c7
            t = x * x * x % P
            s7 = t * t * x % P
            x = s8 + c8
            t = x * x * x % P
            s8 = t * t * x % P
            x = s9 + c9
            t = x * x * x % P
            s9 = t * t * x % P
            x = s10 + c10
            t = x * x * x % P
            s10 = t * t * x % P
            x = s11 + c11
            t = x * x * x % P
            s11 = t * t * x % P
        # External layer: each block of 4 becomes M4 * (block + sum of the 3 blocks).
        a = s0 + s4 + s8
        b = s1 + s5 + s9
        c = s2 + s6 + s10
        d = s3 + s7 + s11
        s0, s1, s2, s3 = s0 + a, s1 + b, s2 + c, s3 + d
        s4, s5, s6, s7 = s4 + a, s5 + b, s6 + c, s7 + d
        s8, s9, s10, s11 = s8 + a, s9 + b, s10 + c, s11 + d
        a, b = s0 + s1, s2 + s3
        c = a + b
        d, e = c + s1, c + s3
        s0, s1, s2, s3 = d + a, d + s2 + s2, e + b, e + s0 + s0
        a, b = s4 + s5, s6 + s7
        c = a + b
        d, e = c + s5, c + s7
        s4, s5, s6, s7 = d + a, d + s6 + s6, e + b, e + s4 + s4
        a, b = s8 + s9, s10 + s11
        c = a + b
        d, e = c + s9, c + s11
        s8, s9, s10, s11 = d + a, d + s10 + s10, e + b, e + s8 + s8
        if r == _HALF:
            u36, v36 = s3 + s6, s3 - s6
            u47, v47 = s4 + s7, s4 - s7
            u58, v58 = s5 + s8, s5 - s8
            u9a, v9a = s9 + s10, s9 - s10
            for c, m in _INTERNAL_SCHEDULE:
                x = (s0 + c) % P
                t = x * x * x % P
                s0 = t * t * x % P * m
                t = (s0 + s1 + s2 + s11 + u36 + u47 + u58 + u9a) << 3
                w = t << 1
                s0 = t - (s0 << 4)
                s1 = (s1 << 3) + t
                s2 = (s2 << 4) + t
                s11 = s11 + t
                u36, v36 = (v36 << 2) + w, u36 << 2
                u47, v47 = v47 * 24 + w, u47 * 24
                u58, v58 = (v58 << 5) + w, u58 << 5
                u9a, v9a = (v9a << 1) + w, u9a << 1
            u, h = _UNSCALE, _UNSCALE_HALF
            s0, s1, s2, s11 = s0 * u % P, s1 * u % P, s2 * u % P, s11 * u % P
            s3, s6 = (u36 + v36) * h % P, (u36 - v36) * h % P
            s4, s7 = (u47 + v47) * h % P, (u47 - v47) * h % P
            s5, s8 = (u58 + v58) * h % P, (u58 - v58) * h % P
            s9, s10 = (u9a + v9a) * h % P, (u9a - v9a) * h % P
    return [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11]


def permute_python(state: Sequence[int]) -> list[int]:
    """Apply the permutation to a 12-element state; returns canonical elements."""
    if len(state) != 12:
        raise ValueError("Poseidon2 state has 12 elements")
    return [s % P for s in permute_unreduced_python(state)]


permute: Callable[[Sequence[int]], list[int]] = permute_python
permute_unreduced: Callable[[Sequence[int]], list[int]] = permute_unreduced_python
hash_elements_in_c: Callable[[Sequence[int]], Word] | None = None
if goldilocks is not None:
    goldilocks.poseidon2_setup(EXTERNAL_INITIAL, INTERNAL, EXTERNAL_TERMINAL, INTERNAL_DIAGONAL)
    permute = permute_unreduced = goldilocks.poseidon2_permute
    hash_elements_in_c = goldilocks.poseidon2_hash_elements


def hash_elements(elements: Sequence[int]) -> Word:
    """Poseidon2 of canonical field elements (TypeError for a non-int, ValueError outside [0, p))."""
    if hash_elements_in_c is not None:
        return hash_elements_in_c(elements)
    return sponge_hash(elements, permute_unreduced)
