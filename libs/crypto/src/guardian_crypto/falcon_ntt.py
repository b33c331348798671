"""Number-theoretic transform over Z_12289[x]/(x^512 + 1) with precomputed twiddle tables.

The forward transform is the Cooley-Tukey split of x^512 + 1 into 512 linear factors (output in bit-reversed
order); multiplication in the ring is a pointwise product between two transforms. Butterflies run as C-level
``map`` calls over strided or contiguous slices (at most 16 slices per layer), which is what makes a
pure-Python transform take well under a millisecond.
"""

from collections.abc import Sequence
from operator import add, mod, mul, sub

Q = 12289
N = 512
_LOG_N = 9
# Each layer is processed as at most this many slices; more slices means more Python-level overhead.
_MAX_SLICES = 16


def _bitrev(value: int, bits: int) -> int:
    return int(f"{value:0{bits}b}"[::-1], 2)


def _root_of_unity(order: int) -> int:
    """A primitive ``order``-th root of unity mod Q (``order`` a power of two dividing Q - 1)."""
    for candidate in range(2, Q):
        root = pow(candidate, (Q - 1) // order, Q)
        if pow(root, order // 2, Q) == Q - 1:
            return root
    raise RuntimeError("no root of unity")  # pragma: no cover


_PSI = _root_of_unity(2 * N)
# ZETAS[k] = psi^bitrev(k): block b of the layer with half-length L uses ZETAS[N // (2 * L) + b].
_ZETAS = [pow(_PSI, _bitrev(k, _LOG_N), Q) for k in range(N)]
_ZETAS_INV = [pow(z, -1, Q) for z in _ZETAS]
_N_INV = pow(N, -1, Q)
_Q_REPEATED = [Q] * N


def _layer_groups(length: int) -> list[tuple[slice, slice, list[int]]]:
    """(low half, high half, twiddle index per butterfly) covering the layer of half-length ``length``."""
    # The layer has N / (2 length) blocks; block b uses twiddle index blocks + b.
    blocks = N // (2 * length)
    if length >= _MAX_SLICES:
        return [
            (
                slice(2 * length * b, 2 * length * b + length),
                slice(2 * length * b + length, 2 * length * (b + 1)),
                [blocks + b] * length,
            )
            for b in range(blocks)
        ]
    return [
        (slice(o, N, 2 * length), slice(o + length, N, 2 * length), list(range(blocks, 2 * blocks)))
        for o in range(length)
    ]


def _tables(zetas: list[int], lengths: Sequence[int]) -> list[list[tuple[slice, slice, list[int]]]]:
    return [
        [(lo, hi, [zetas[k] for k in indices]) for lo, hi, indices in _layer_groups(length)]
        for length in lengths
    ]


_FORWARD = _tables(_ZETAS, [N >> (i + 1) for i in range(_LOG_N)])
_INVERSE = _tables(_ZETAS_INV, [1 << i for i in range(_LOG_N)])


def ntt(coefficients: Sequence[int]) -> list[int]:
    """Forward transform of 512 integers (any representatives mod Q); returns values in [0, Q)."""
    a = list(coefficients)
    if len(a) != N:
        raise ValueError("a polynomial has 512 coefficients")
    for layer in _FORWARD:
        for lo, hi, twiddles in layer:
            low = a[lo]
            t = list(map(mod, map(mul, twiddles, a[hi]), _Q_REPEATED))
            a[lo] = map(add, low, t)
            a[hi] = map(sub, low, t)
    return list(map(mod, a, _Q_REPEATED))


def intt(values: Sequence[int]) -> list[int]:
    """Inverse of :func:`ntt`; returns coefficients in [0, Q)."""
    a = list(values)
    if len(a) != N:
        raise ValueError("a transform has 512 values")
    for layer in _INVERSE:
        for lo, hi, twiddles in layer:
            low = a[lo]
            high = a[hi]
            a[lo] = map(add, low, high)
            a[hi] = map(mod, map(mul, twiddles, map(sub, low, high)), _Q_REPEATED)
    return [x * _N_INV % Q for x in a]


def pointwise(a: Sequence[int], b: Sequence[int]) -> list[int]:
    return list(map(mod, map(mul, a, b), _Q_REPEATED))


def multiply(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """The product a * b in Z_Q[x]/(x^512 + 1), coefficients in [0, Q)."""
    return intt(pointwise(ntt(a), ntt(b)))
