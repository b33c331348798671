"""The compiled permutations (``_goldilocks``) agree with the pure-Python ones on every input, and are built
wherever a C compiler is available."""

import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guardian_crypto import poseidon2, rpo
from guardian_crypto.compiled import PURE_PYTHON_REQUESTED, goldilocks
from guardian_crypto.field import P

needs_compiled = pytest.mark.skipif(goldilocks is None, reason="built without a C compiler")
states = st.lists(st.integers(min_value=0, max_value=P - 1), min_size=12, max_size=12)
wide_states = st.lists(st.integers(min_value=-(2**80), max_value=2**80), min_size=12, max_size=12)
EDGES = [[0] * 12, [1] * 12, [P - 1] * 12, [P] * 12, [2**64 - 1] * 12, [-1] * 12, [2**200 + 7] * 12]


def test_the_extension_is_built_where_a_compiler_is_available(permutations: str) -> None:
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler on this machine: the pure-Python permutations are in use")
    if PURE_PYTHON_REQUESTED:
        pytest.skip("GUARDIAN_CRYPTO_PURE_PYTHON=1")
    assert goldilocks is not None, "a C compiler is available but guardian_crypto._goldilocks was not built"
    if permutations == "compiled":  # the modules use it unless a test swaps in the Python ones
        assert rpo.permute is goldilocks.rpo_permute
        assert poseidon2.permute_unreduced is goldilocks.poseidon2_permute


@needs_compiled
@given(states)
def test_rpo_compiled_equals_python(state: list[int]) -> None:
    assert goldilocks is not None
    assert goldilocks.rpo_permute(state) == rpo.permute_python(state)


@needs_compiled
@given(wide_states)
def test_poseidon2_compiled_equals_python_on_any_integers(state: list[int]) -> None:
    assert goldilocks is not None
    assert goldilocks.poseidon2_permute(state) == poseidon2.permute_python(state)


@needs_compiled
@pytest.mark.parametrize("state", EDGES, ids=lambda s: str(s[0]))
def test_edge_inputs_are_taken_mod_p(state: list[int]) -> None:
    assert goldilocks is not None
    reduced = [s % P for s in state]
    assert goldilocks.rpo_permute(state) == rpo.permute_python(reduced)
    assert goldilocks.poseidon2_permute(state) == poseidon2.permute_python(reduced)


@needs_compiled
def test_a_refused_setup_leaves_the_permutations_unchanged() -> None:
    assert goldilocks is not None
    state = list(range(12))
    before = goldilocks.rpo_permute(state), goldilocks.poseidon2_permute(state)
    with pytest.raises(ValueError, match="below 2"):
        goldilocks.rpo_setup([P - 1] * 12, rpo._ARK1, rpo._ARK2, rpo._INV_ALPHA)
    with pytest.raises(OverflowError):
        goldilocks.rpo_setup(rpo._MDS_ROW, rpo._ARK1, rpo._ARK2, -1)
    with pytest.raises(ValueError, match="as many"):
        goldilocks.poseidon2_setup(
            poseidon2.EXTERNAL_INITIAL,
            poseidon2.INTERNAL,
            poseidon2.EXTERNAL_TERMINAL[:2],
            poseidon2.INTERNAL_DIAGONAL,
        )
    assert (goldilocks.rpo_permute(state), goldilocks.poseidon2_permute(state)) == before
    assert before == (rpo.permute_python(state), poseidon2.permute_python(state))


@needs_compiled
@pytest.mark.parametrize("bad", [[0] * 11, [0] * 13, ["1"] * 12, None, 5, set(range(12)), iter(range(12))])
def test_bad_states_are_refused(bad: object) -> None:
    assert goldilocks is not None
    for permutation in (goldilocks.rpo_permute, goldilocks.poseidon2_permute):
        with pytest.raises((ValueError, TypeError)):
            permutation(bad)
