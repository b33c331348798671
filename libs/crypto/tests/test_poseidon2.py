import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardian_crypto import poseidon2
from guardian_crypto.field import P, word_to_hex

VectorLoader = Callable[[str], dict[str, Any]]


def _ints(values: list[str]) -> list[int]:
    return [int(v, 0) for v in values]


def _reference_permutation(state: list[int], constants: dict[str, object]) -> list[int]:
    """The permutation as poseidon2_constants.json words it: slow, plain, independent of the module."""
    m4 = [[2, 3, 1, 1], [1, 2, 3, 1], [1, 1, 2, 3], [3, 1, 1, 2]]

    def external(s: list[int]) -> list[int]:
        y = [sum(m4[r][c] * s[4 * b + c] for c in range(4)) for b in range(3) for r in range(4)]
        column = [y[i] + y[4 + i] + y[8 + i] for i in range(4)]
        return [(y[i] + column[i % 4]) % P for i in range(12)]

    diagonal = _ints(constants["internal_diagonal"])  # type: ignore[arg-type]
    s = external(list(state))
    for rc in constants["external_round_constants_initial"]:  # type: ignore[attr-defined]
        s = external([pow((x + c) % P, 7, P) for x, c in zip(s, _ints(rc), strict=True)])
    for c in _ints(constants["internal_round_constants"]):  # type: ignore[arg-type]
        s[0] = pow((s[0] + c) % P, 7, P)
        total = sum(s)
        s = [(x * d + total) % P for x, d in zip(s, diagonal, strict=True)]
    for rc in constants["external_round_constants_terminal"]:  # type: ignore[attr-defined]
        s = external([pow((x + c) % P, 7, P) for x, c in zip(s, _ints(rc), strict=True)])
    return s


@pytest.fixture(scope="module")
def shared_constants(vectors: VectorLoader) -> dict[str, object]:
    return vectors("poseidon2_constants")


def test_package_constants_match_shared_vectors(shared_constants: dict[str, object]) -> None:
    packaged = json.loads(
        resources.files("guardian_crypto").joinpath("data", "poseidon2.json").read_text(encoding="utf-8")
    )
    for key in (
        "external_round_constants_initial",
        "internal_round_constants",
        "external_round_constants_terminal",
        "internal_diagonal",
    ):
        assert packaged[key] == shared_constants[key]


def test_permutation_known_answer(vectors: VectorLoader, shared_constants: dict[str, object]) -> None:
    kat = vectors("poseidon2_vectors")["permutation_kat"]
    state = _ints(kat["input_state"])
    assert poseidon2.permute(state) == _ints(kat["output_state"])
    assert [f"0x{v:016x}" for v in poseidon2.permute(state)] == kat["output_state_hex"]
    assert _reference_permutation(state, shared_constants) == _ints(kat["output_state"])


def test_merge_vectors_then_derived_hash_vectors(vectors: VectorLoader) -> None:
    data = vectors("poseidon2_vectors")
    cases = data["upstream_merge_vectors"]["vectors"] + data["derived_hash_elements_vectors"]["vectors"]
    assert len(cases) == 14
    for vector in cases:
        word = poseidon2.hash_elements(_ints(vector["input_elements"]))
        assert list(word) == _ints(vector["output_elements"]), vector["name"]
        assert word_to_hex(word) == vector["output_word_hex"], vector["name"]


def test_empty_input_is_zero_word() -> None:
    assert poseidon2.hash_elements([]) == (0, 0, 0, 0)


def test_non_canonical_input_is_refused() -> None:
    with pytest.raises(ValueError):
        poseidon2.hash_elements([P])
    with pytest.raises(ValueError):
        poseidon2.permute([0] * 11)


@settings(max_examples=40, deadline=None)
@given(state=st.lists(st.integers(min_value=0, max_value=P - 1), min_size=12, max_size=12))
def test_fast_permutation_equals_reference(state: list[int], shared_constants: dict[str, object]) -> None:
    assert poseidon2.permute(state) == _reference_permutation(state, shared_constants)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(min_value=-(2**70), max_value=2**70), min_size=12, max_size=12))
def test_unreduced_inputs_are_taken_mod_p(state: list[int]) -> None:
    assert poseidon2.permute(state) == poseidon2.permute([s % P for s in state])
