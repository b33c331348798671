"""The compiled permutations and sponges (``_goldilocks``) agree with the pure-Python ones on every input, and
are built wherever a C compiler is available."""

import shutil
import threading
import time
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardian_crypto import poseidon2, rpo
from guardian_crypto.compiled import PURE_PYTHON_REQUESTED, goldilocks
from guardian_crypto.field import P, Word, bytes_to_elements
from guardian_crypto.sponge import sponge_hash

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
        assert rpo.hash_bytes_in_c is goldilocks.rpo_hash_bytes
        assert rpo.hash_elements_in_c is goldilocks.rpo_hash_elements
        assert poseidon2.hash_elements_in_c is goldilocks.poseidon2_hash_elements


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
    with pytest.raises(ValueError, match="1/7"):
        goldilocks.rpo_setup(rpo._MDS_ROW, rpo._ARK1, rpo._ARK2, 3)
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


# --- the whole sponge in C against sponge.py ------------------------------------------------------------
#
# These tests name both implementations themselves, so they run once (in the fixture's "compiled" pass).


@pytest.fixture(scope="module")
def once(permutations: str) -> None:
    if permutations != "compiled":
        pytest.skip("compares both implementations itself: one pass is enough")


def python_hash_bytes(data: bytes, permute: Callable[[list[int]], list[int]] = rpo.permute_python) -> Word:
    """The reference: field.py's packing and sponge.py's sponge, over the pure-Python permutation unless told."""
    return sponge_hash(bytes_to_elements(data), permute)


def compiled_rpo_hash_bytes(data: bytes | bytearray | memoryview) -> Word:
    assert goldilocks is not None
    word: Word = goldilocks.rpo_hash_bytes(data)
    return word


def little_endian(value: int) -> bytes:
    return value.to_bytes(8, "little")


# Empty, one partial limb, one limb, one limb and a byte, exactly one and two rate blocks and one more limb,
# and limbs at and above p (the packing takes them mod p) and just below it, also as the partial last limb.
EDGE_BYTES = [
    b"",
    b"\x01",
    bytes(range(7)),
    bytes(range(8)),
    bytes(range(9)),
    bytes(range(64)),
    bytes(range(72)),
    bytes(128),
    little_endian(P),
    little_endian(P - 1),
    little_endian(P + 1),
    b"\xff" * 8,
    b"\xff" * 64 + b"\xff" * 7,
    little_endian(P) * 8 + b"\x00\x00\x00\x00\xff",
]


@needs_compiled
@pytest.mark.parametrize("data", EDGE_BYTES, ids=lambda d: f"{len(d)}B-{d[:1].hex()}")
def test_rpo_hash_bytes_edge_cases(once: None, data: bytes) -> None:
    expected = python_hash_bytes(data)
    assert compiled_rpo_hash_bytes(data) == expected
    assert compiled_rpo_hash_bytes(bytearray(data)) == expected
    assert compiled_rpo_hash_bytes(memoryview(data)) == expected
    assert rpo.hash_bytes(data) == expected


def test_limbs_at_and_above_p_hash_like_their_residues(once: None) -> None:
    assert rpo.hash_bytes(little_endian(P)) == rpo.hash_bytes(bytes(8)) == rpo.hash_elements([0])
    assert rpo.hash_bytes(b"\xff" * 8) == rpo.hash_elements([2**64 - 1 - P])


# Lengths spread evenly over 0..5000 (st.binary alone mostly draws short ones).
any_length_up_to_5000 = st.integers(min_value=0, max_value=5000).flatmap(
    lambda n: st.binary(min_size=n, max_size=n)
)


@needs_compiled
@settings(deadline=None, max_examples=40)
@given(any_length_up_to_5000)
def test_rpo_hash_bytes_equals_pure_python(once: None, data: bytes) -> None:
    assert compiled_rpo_hash_bytes(data) == python_hash_bytes(data)


@needs_compiled
@settings(deadline=None, max_examples=300)
@given(any_length_up_to_5000)
def test_rpo_hash_bytes_equals_python_sponge_over_compiled_permutation(once: None, data: bytes) -> None:
    """Many more lengths: the permutations are checked against each other above, so this pins the packing,
    padding and block layout of the C sponge against the Python one."""
    assert goldilocks is not None
    assert compiled_rpo_hash_bytes(data) == python_hash_bytes(data, goldilocks.rpo_permute)


@needs_compiled
@pytest.mark.parametrize("length", [(1 << 16) + 3, (1 << 20) + 5])
def test_rpo_hash_bytes_of_large_inputs(once: None, length: int) -> None:
    assert goldilocks is not None
    data = bytes((i * 131 + 7) & 0xFF for i in range(length))
    assert compiled_rpo_hash_bytes(data) == python_hash_bytes(data, goldilocks.rpo_permute)


element_lists = st.lists(
    st.one_of(st.integers(min_value=0, max_value=P - 1), st.sampled_from([0, 1, P - 1, 2**32, 2**63])),
    max_size=700,
)


@needs_compiled
@settings(deadline=None, max_examples=40)
@given(element_lists)
def test_hash_elements_equals_pure_python(once: None, elements: list[int]) -> None:
    assert goldilocks is not None
    assert goldilocks.rpo_hash_elements(elements) == sponge_hash(elements, rpo.permute_python)
    assert goldilocks.poseidon2_hash_elements(elements) == sponge_hash(
        elements, poseidon2.permute_unreduced_python
    )
    assert goldilocks.rpo_hash_elements(tuple(elements)) == goldilocks.rpo_hash_elements(elements)


@needs_compiled
@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ([P], ValueError),
        ([1, 2, -1], ValueError),
        ([2**64], ValueError),
        ([2**200], ValueError),
        ([1.0], TypeError),
        (["1"], TypeError),
        ([None], TypeError),
        (None, TypeError),
        (5, TypeError),
    ],
    ids=repr,
)
def test_bad_hash_input_is_refused_like_the_python_sponge(once: None, bad: object, error: type) -> None:
    assert goldilocks is not None
    compiled: list[Callable[[Sequence[int]], Word]] = [
        goldilocks.rpo_hash_elements,
        goldilocks.poseidon2_hash_elements,
    ]
    for hash_elements in compiled:
        with pytest.raises(error):
            hash_elements(bad)  # type: ignore[arg-type]
    with pytest.raises(error):
        sponge_hash(bad, rpo.permute_python)  # type: ignore[arg-type]


@needs_compiled
@pytest.mark.parametrize("bad", ["text", 5, None, [1, 2]], ids=repr)
def test_hash_bytes_refuses_what_is_not_bytes(once: None, bad: object) -> None:
    with pytest.raises(TypeError):
        compiled_rpo_hash_bytes(bad)  # type: ignore[arg-type]


@needs_compiled
def test_large_inputs_are_hashed_without_holding_the_gil(once: None) -> None:
    """While one thread hashes 4 MiB, another runs Python code in the middle of that call. Were the GIL held,
    the other thread could run only before the C call starts or after it returns."""
    data = bytes(4 << 20)
    window: list[float] = []
    finished = threading.Event()

    def hash_it() -> None:
        window.append(time.perf_counter())
        compiled_rpo_hash_bytes(data)
        window.append(time.perf_counter())
        finished.set()

    worker = threading.Thread(target=hash_it)
    ticks: list[float] = []
    worker.start()
    while not finished.is_set():
        ticks.append(time.perf_counter())
    worker.join()
    start, end = window
    quarter = (end - start) / 4
    assert any(start + quarter < tick < end - quarter for tick in ticks)
