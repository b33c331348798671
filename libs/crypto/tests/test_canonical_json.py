import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.errors import CanonicalJsonError


def test_keys_sorted_recursively_arrays_kept() -> None:
    value = {"b": [3, {"z": 1, "a": None}], "a": True, "aa": "x"}
    assert canonical_json(value) == b'{"a":true,"aa":"x","b":[3,{"a":null,"z":1}]}'


def test_serde_json_string_escaping() -> None:
    value = {"s": 'q"b\\/é€\U0001f600\n\t\r\b\f\x01\x1f\x7f\u2028'}
    expected = '{"s":"q\\"b\\\\/é€\U0001f600\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\u2028"}'.encode()
    assert canonical_json(value) == expected


def test_sorting_is_by_utf8_bytes() -> None:
    value = {"é": 1, "z": 2, "Z": 3, "_": 4, "1": 5}
    assert list(json.loads(canonical_json(value))) == sorted(value, key=lambda k: k.encode())


@pytest.mark.parametrize(
    "bad", [1.5, {"a": float("nan")}, {1: "a"}, 2**64, -(2**63) - 1, b"x", ("a",), "\ud800"]
)
def test_refused_values(bad: Any) -> None:
    with pytest.raises(CanonicalJsonError):
        canonical_json(bad)


def test_integer_range_edges() -> None:
    assert canonical_json([2**64 - 1, -(2**63)]) == b"[18446744073709551615,-9223372036854775808]"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_round_trips_through_json(value: Any) -> None:
    try:
        encoded = canonical_json(value)
    except CanonicalJsonError:
        return  # only lone surrogates in generated text get here
    assert json.loads(encoded) == value
    assert canonical_json(json.loads(encoded)) == encoded
