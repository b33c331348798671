"""The json network type: RFC 7396 merge patches and RPO256 commitments of canonical JSON."""

from __future__ import annotations

from typing import Any

import pytest

from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.field import word_to_hex
from guardian_crypto.rpo import hash_bytes
from guardian_network import InvalidDelta, JsonNetwork
from guardian_network.json_network import merge_patch

NETWORK = JsonNetwork()


@pytest.mark.parametrize(
    ("target", "patch", "expected"),
    [  # the examples of RFC 7396 appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"a": "foo"}, None, None),
        ({"a": "foo"}, "bar", "bar"),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_follows_rfc_7396(target: Any, patch: Any, expected: Any) -> None:
    assert merge_patch(target, patch) == expected


def test_apply_returns_the_new_state_and_its_commitment_without_touching_the_input() -> None:
    state = {"balance": 10, "owner": "alice", "limits": {"daily": 5}}
    transition = NETWORK.apply(state, {"patch": {"balance": 7, "limits": {"daily": None}}})
    assert transition.new_state == {"balance": 7, "owner": "alice", "limits": {}}
    assert state == {"balance": 10, "owner": "alice", "limits": {"daily": 5}}
    assert transition.commitment == word_to_hex(hash_bytes(canonical_json(transition.new_state)))


def test_commitment_depends_on_content_not_on_key_order() -> None:
    assert NETWORK.commitment({"a": 1, "b": [1, 2]}) == NETWORK.commitment({"b": [1, 2], "a": 1})
    assert NETWORK.commitment({"a": 1}) != NETWORK.commitment({"a": 2})
    assert NETWORK.commitment({}) == word_to_hex(hash_bytes(b"{}"))


@pytest.mark.parametrize(
    "payload",
    [{}, {"patch": {}, "extra": 1}, {"patc": {}}, {"patch": [1]}, {"patch": "x"}, {"patch": {"x": 1.5}}],
)
def test_bad_payloads_are_invalid_deltas(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidDelta):
        NETWORK.apply({"x": 1}, payload)
