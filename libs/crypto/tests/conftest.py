"""Shared fixtures: the known-answer vectors in ``vectors/`` beside this file and Falcon keys.

Every test here runs once per implementation: the compiled permutations and sponges (when they were built)
and the pure-Python ones, so both are held to the same vectors.
"""

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from guardian_crypto import digests, falcon_verify, poseidon2, rpo
from guardian_crypto.compiled import goldilocks
from guardian_crypto.falcon_sign import SecretKey

IMPLEMENTATIONS = ["compiled", "python"] if goldilocks is not None else ["python"]


@pytest.fixture(scope="module", autouse=True, params=IMPLEMENTATIONS)
def permutations(request: pytest.FixtureRequest) -> Iterator[str]:
    """Module-scoped (not monkeypatch) so that hypothesis tests may use it. The caches of values computed
    with a permutation are emptied, so each implementation computes them itself."""
    for cached in (
        falcon_verify._state_after_nonce,
        falcon_verify._public_key_data,
        falcon_verify._commitment_of,
        digests._lookup_tag,
    ):
        cached.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "python":
            patch.setattr(rpo, "permute", rpo.permute_python)
            patch.setattr(rpo, "hash_elements_in_c", None)
            patch.setattr(rpo, "hash_bytes_in_c", None)
            patch.setattr(poseidon2, "hash_elements_in_c", None)
            patch.setattr(poseidon2, "permute", poseidon2.permute_python)
            patch.setattr(poseidon2, "permute_unreduced", poseidon2.permute_unreduced_python)
        yield str(request.param)


DATA = Path(__file__).parent / "data"
VECTORS = Path(__file__).parent / "vectors"

VectorLoader = Callable[[str], dict[str, Any]]


@pytest.fixture(scope="session")
def vectors() -> VectorLoader:
    """``vectors("rpo256_vectors")`` parses ``vectors/rpo256_vectors.json`` (see ``vectors/README.md``)."""

    def load(name: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
        return document

    return load


@pytest.fixture(scope="session")
def seed0_key() -> SecretKey:
    """The key upstream's DETERMINISTIC_SIGNATURE was made with, loaded from its 1281-byte form (fast).

    ``test_falcon_sign`` checks that key generation from seed 0 produces exactly these bytes.
    """
    return SecretKey.from_bytes(bytes.fromhex((DATA / "seed0_secret_key.hex").read_text().strip()))


@pytest.fixture(scope="session")
def other_key(seed0_key: SecretKey) -> SecretKey:
    """A second valid key without a second multi-second key generation.

    If f*G - g*F = q then (f', g', F', G') = (g, f, -G, -F) satisfies it too, so it is a short basis for the
    public key f / g.
    """
    f, g, big_f, big_g = seed0_key.basis
    return SecretKey(g, f, [-v for v in big_g], [-v for v in big_f])
