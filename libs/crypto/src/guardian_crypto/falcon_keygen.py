"""Falcon-512 key generation as miden-crypto's ``ntru_gen`` runs it, driven by a :class:`ChaChaStream`.

The NTRU solver reuses falcon.py's exact integer helpers (field norm, lift, Galois conjugate, Karatsuba); the
extended GCD, Babai reduction and rounding follow the Rust code (truncating division, rounding half away from
zero, 1000-iteration cap) so that a seed gives the same key as upstream.
"""

from collections.abc import Sequence

from falcon.fft import fft, ifft
from falcon.ntrugen import field_norm, galois_conjugate, karamul, lift

from guardian_crypto.falcon_ntt import N, Q, ntt
from guardian_crypto.falcon_sampler import ByteSource, sampler_z
from guardian_crypto.rust_float import reciprocal, round_half_away, sequential_sum, squared_magnitudes

_SIGMA_FG = 1.43300980528773
_SMALL_BOUND = 31  # f and g fit 6-bit two's complement
_BIG_BOUND = 127  # F and G fit 8-bit two's complement
_BABAI_LIMIT = 1000


def _gen_poly(read: ByteSource) -> list[int]:
    samples = [sampler_z(0.0, _SIGMA_FG, _SIGMA_FG - 0.001, read) for _ in range(4096)]
    k = 4096 // N
    return [sum(samples[i * k : (i + 1) * k]) for i in range(N)]


def _gram_schmidt_norm_squared(f: list[int], g: list[int]) -> float:
    gamma1 = sequential_sum([float(c * c) for c in f]) + sequential_sum([float(c * c) for c in g])
    f_fft = fft([complex(c) for c in f])
    g_fft = fft([complex(c) for c in g])
    f_adj = [c.conjugate() for c in f_fft]
    g_adj = [c.conjugate() for c in g_fft]
    ffgg = [a * b + c * d for a, b, c, d in zip(f_fft, f_adj, g_fft, g_adj, strict=True)]
    inverse = [reciprocal(c) for c in ffgg]
    qf = [(a * float(Q)) * b for a, b in zip(f_adj, inverse, strict=True)]
    qg = [(a * float(Q)) * b for a, b in zip(g_adj, inverse, strict=True)]
    gamma2 = squared_magnitudes(qf) / N + squared_magnitudes(qg) / N
    return max(gamma1, gamma2)


def _xgcd(a: int, b: int) -> tuple[int, int, int]:
    """(g, u, v) with u*a + v*b = g, quotients truncated toward zero like num-bigint's division."""
    old_r, r = a, b
    old_s, s = 1, 0
    old_t, t = 0, 1
    while r:
        quotient = abs(old_r) // abs(r)
        if (old_r < 0) != (r < 0):
            quotient = -quotient
        old_r, r = r, old_r - quotient * r
        old_s, s = s, old_s - quotient * s
        old_t, t = t, old_t - quotient * t
    return old_r, old_s, old_t


def _bitsize(values: Sequence[int]) -> int:
    return max(max((abs(v).bit_length() + 7) & ~7 for v in values), 53)


def _babai_reduce(f: list[int], g: list[int], big_f: list[int], big_g: list[int]) -> bool:
    """Reduce (F, G) against (f, g) in place; False if the loop does not settle."""
    n = len(f)
    size = max(_bitsize(f), _bitsize(g))
    shift = size - 53
    f_adj = fft([float(v >> shift) for v in f])
    g_adj = fft([float(v >> shift) for v in g])
    f_star = [c.conjugate() for c in f_adj]
    g_star = [c.conjugate() for c in g_adj]
    denominator = [a * b + c * d for a, b, c, d in zip(f_adj, f_star, g_adj, g_star, strict=True)]
    inverse = [reciprocal(c) for c in denominator]
    for _ in range(_BABAI_LIMIT + 1):
        capital_size = max(_bitsize(big_f), _bitsize(big_g))
        if capital_size < size:
            return True
        capital_shift = capital_size - 53
        big_f_adj = fft([float(v >> capital_shift) for v in big_f])
        big_g_adj = fft([float(v >> capital_shift) for v in big_g])
        numerator = [a * b + c * d for a, b, c, d in zip(big_f_adj, f_star, big_g_adj, g_star, strict=True)]
        quotient = ifft([a * b for a, b in zip(numerator, inverse, strict=True)])
        k = [round_half_away(q.real if isinstance(q, complex) else q) for q in quotient]
        if not any(k):
            return True
        scale = capital_size - size
        kf = karamul(k, f)
        kg = karamul(k, g)
        for i in range(n):
            big_f[i] -= kf[i] << scale
            big_g[i] -= kg[i] << scale
    return False


def _ntru_solve(f: list[int], g: list[int]) -> tuple[list[int], list[int]] | None:
    if len(f) == 1:
        gcd, u, v = _xgcd(f[0], g[0])
        if gcd != 1:
            return None
        return [-v * Q], [u * Q]
    solved = _ntru_solve(field_norm(f), field_norm(g))
    if solved is None:
        return None
    big_f = karamul(lift(solved[0]), galois_conjugate(g))
    big_g = karamul(lift(solved[1]), galois_conjugate(f))
    if not _babai_reduce(f, g, big_f, big_g):
        return None
    return big_f, big_g


def ntru_gen(read: ByteSource) -> tuple[list[int], list[int], list[int], list[int]]:
    """Sample (f, g, F, G) with f*G - g*F = q mod x^512 + 1 and coefficients that fit the key encoding."""
    while True:
        f = _gen_poly(read)
        g = _gen_poly(read)
        if max(map(abs, f)) > _SMALL_BOUND or max(map(abs, g)) > _SMALL_BOUND:
            continue
        if 0 in ntt(f):
            continue
        if _gram_schmidt_norm_squared(f, g) > 1.3689 * Q:
            continue
        solved = _ntru_solve(f, g)
        if solved is None:
            continue
        big_f, big_g = solved
        if max(map(abs, big_f)) > _BIG_BOUND or max(map(abs, big_g)) > _BIG_BOUND:
            continue
        return f, g, big_f, big_g
