"""Falcon's trapdoor sampler as miden-crypto runs it: the Falcon tree (LDL decomposition of the Gram matrix),
fast-Fourier sampling, and the integer Gaussian sampler ``sampler_z``.

Floating-point steps follow the Rust order of operations (reciprocal-then-multiply divisions, sequential sums)
so that signatures come out byte-identical to upstream. Polynomials in FFT form use falcon.py's
representation.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from falcon.fft import merge_fft, split_fft

from guardian_crypto.rust_float import reciprocal

ByteSource = Callable[[int], bytes]
Poly = list[complex]

SIGMA = 165.7366171829776
SIGMA_MIN = 1.2778336969128337
_SIGMA_MAX = 1.8205
_INV_2SIGMA_MAX_SQ = 1.0 / (2.0 * _SIGMA_MAX * _SIGMA_MAX)
_LN2 = 0.6931471805599453
_ILN2 = 1.0 / _LN2
_TWO63 = float(1 << 63)
_MASK64 = (1 << 64) - 1

# Reverse cumulative distribution table of the half-Gaussian base sampler (72-bit precision).
_RCDT = (
    3024686241123004913666,
    1564742784480091954050,
    636254429462080897535,
    199560484645026482916,
    47667343854657281903,
    8595902006365044063,
    1163297957344668388,
    117656387352093658,
    8867391802663976,
    496969357462633,
    20680885154299,
    638331848991,
    14602316184,
    247426747,
    3104126,
    28824,
    198,
    1,
)
# 2^63-scaled polynomial approximation of exp(-x) (FACCT coefficients), highest degree first.
_EXP_COEFFICIENTS = (
    0x00000004741183A3,
    0x00000036548CFC06,
    0x0000024FDCBF140A,
    0x0000171D939DE045,
    0x0000D00CF58F6F84,
    0x000680681CF796E3,
    0x002D82D8305B0FEA,
    0x011111110E066FD0,
    0x0555555555070F00,
    0x155555555581FF00,
    0x400000000002B400,
    0x7FFFFFFFFFFF4800,
    0x8000000000000000,
)


def _to_u64(value: float) -> int:
    """Rust's saturating ``f64 as u64`` for an already floored value."""
    if value != value or value <= 0:
        return 0
    return min(int(value), _MASK64)


def _approx_exp(x: float, ccs: float) -> int:
    """An integer approximation of 2^63 * ccs * exp(-x)."""
    y = _EXP_COEFFICIENTS[0]
    z = _to_u64(math.floor(x * _TWO63))
    for coefficient in _EXP_COEFFICIENTS[1:]:
        y = (coefficient - ((z * y) >> 63)) & _MASK64
    z = _to_u64(math.floor(_TWO63 * ccs))
    return ((z * y) >> 63) & _MASK64


def _bernoulli_exp(x: float, ccs: float, read: ByteSource) -> bool:
    """True with probability about ccs * exp(-x), comparing one random byte at a time."""
    s = math.floor(x * _ILN2)
    r = x - s * _LN2
    shift = min(_to_u64(s), 63)
    z = (((_approx_exp(r, ccs) << 1) - 1) & _MASK64) >> shift
    w = 0
    for i in range(56, -8, -8):
        w = read(1)[0] - ((z >> i) & 0xFF)
        if w:
            break
    return w < 0


def sampler_z(mu: float, sigma: float, sigma_min: float, read: ByteSource) -> int:
    """An integer drawn from the discrete Gaussian with centre ``mu`` and deviation ``sigma``."""
    inv_sigma = 1.0 / sigma
    dss = 0.5 * inv_sigma * inv_sigma
    s = math.floor(mu)
    r = mu - s
    ccs = sigma_min * inv_sigma
    while True:
        u = int.from_bytes(read(9), "little")
        z0 = sum(1 for bound in _RCDT if u < bound)
        b = read(1)[0] & 1
        z = b + (2 * b - 1) * z0
        offset = z - r
        x = offset * offset * dss - (z0 * z0) * _INV_2SIGMA_MAX_SQ
        if _bernoulli_exp(x, ccs, read):
            return z + s


@dataclass
class Leaf:
    sigma: float


@dataclass
class Branch:
    l10: Poly
    left: "Branch | Leaf"
    right: "Branch | Leaf"


Tree = Branch | Leaf


def _ffldl(g00: Poly, g01: Poly, g10: Poly, g11: Poly) -> Branch:
    """Falcon tree of the 2x2 Gram matrix [[g00, g01], [g10, g11]] (FFT form); leaves hold squared norms."""
    l10 = [b * reciprocal(a) for a, b in zip(g00, g10, strict=True)]
    d00 = g00
    d11 = [d - a * (c * c.conjugate()) for a, d, c in zip(g00, g11, l10, strict=True)]
    if len(g00) > 2:
        d00_left, d00_right = split_fft(d00)
        d11_left, d11_right = split_fft(d11)
        left = _ffldl(d00_left, d00_right, [c.conjugate() for c in d00_right], d00_left)
        right = _ffldl(d11_left, d11_right, [c.conjugate() for c in d11_right], d11_left)
        return Branch(l10, left, right)
    return Branch(l10, Leaf(d00[0].real), Leaf(d11[0].real))


def _normalize(tree: Tree, sigma: float) -> None:
    if isinstance(tree, Leaf):
        tree.sigma = sigma / math.sqrt(tree.sigma)
        return
    _normalize(tree.left, sigma)
    _normalize(tree.right, sigma)


def _hadamard_hermitian(a: Poly, b: Poly) -> Poly:
    return [x * y.conjugate() for x, y in zip(a, b, strict=True)]


def falcon_tree(b00: Poly, b01: Poly, b10: Poly, b11: Poly) -> Tree:
    """The normalised Falcon tree of the basis [[b00, b01], [b10, b11]] given in FFT form."""
    rows = ((b00, b01), (b10, b11))
    gram = [
        [
            [x + y for x, y in zip(*(_hadamard_hermitian(ri[k], rj[k]) for k in range(2)), strict=True)]
            for rj in rows
        ]
        for ri in rows
    ]
    tree = _ffldl(gram[0][0], gram[0][1], gram[1][0], gram[1][1])
    _normalize(tree, SIGMA)
    return tree


def ffsampling(t0: Poly, t1: Poly, tree: Tree, read: ByteSource) -> tuple[Poly, Poly]:
    """Fast-Fourier sampling of an integer vector close to the target (t0, t1), both in FFT form."""
    if isinstance(tree, Leaf):
        z0 = sampler_z(t0[0].real, tree.sigma, SIGMA_MIN, read)
        z1 = sampler_z(t1[0].real, tree.sigma, SIGMA_MIN, read)
        return [complex(z0)], [complex(z1)]
    t1_even, t1_odd = split_fft(t1)
    z1 = merge_fft(list(ffsampling(t1_even, t1_odd, tree.right, read)))
    t0_prime = [a + (b - z) * ell for a, b, z, ell in zip(t0, t1, z1, tree.l10, strict=True)]
    t0_even, t0_odd = split_fft(t0_prime)
    z0 = merge_fft(list(ffsampling(t0_even, t0_odd, tree.left, read)))
    return z0, z1
