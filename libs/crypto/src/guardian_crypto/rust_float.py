"""f64 helpers that reproduce Rust's results bit for bit where CPython's differ.

Byte-identical signatures depend on the signer rounding exactly like miden-crypto.
"""

from collections.abc import Iterable
from functools import reduce
from operator import add


def reciprocal(c: complex) -> complex:
    """1 / c as num-complex computes it (CPython's complex division scales differently)."""
    norm = c.real * c.real + c.imag * c.imag
    return complex(c.real / norm, -c.imag / norm)


def round_half_away(value: float) -> int:
    """``f64::round``: to the nearest integer, ties away from zero (CPython's ``round`` ties to even)."""
    floor = int(value // 1)
    diff = value - floor
    if diff > 0.5 or (diff == 0.5 and value > 0):
        return floor + 1
    return floor


def sequential_sum(values: Iterable[float]) -> float:
    """Left-to-right f64 sum like ``Iterator::sum`` (``sum()`` compensates rounding from Python 3.12 on)."""
    return float(reduce(add, values, 0.0))


def squared_magnitudes(values: Iterable[complex]) -> float:
    """Sum of |c|^2, each computed as (c * conj(c)).re, summed left to right."""
    return sequential_sum((c * c.conjugate()).real for c in values)
