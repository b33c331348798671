import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from guardian_crypto import rpo
from guardian_crypto.field import bytes_to_elements, i64_to_element, word_from_hex, word_to_hex

VectorLoader = Callable[[str], dict[str, Any]]


def _ints(values: list[str]) -> list[int]:
    return [int(v, 0) for v in values]


def test_package_constants_match_shared_vectors(vectors: VectorLoader) -> None:
    shared = vectors("rpo256_constants")
    packaged = json.loads(
        resources.files("guardian_crypto").joinpath("data", "rpo256.json").read_text(encoding="utf-8")
    )
    assert packaged["mds_first_row"] == shared["mds"]["first_row"]
    assert packaged["ark1"] == shared["ark1"]["rows"]
    assert packaged["ark2"] == shared["ark2"]["rows"]
    assert packaged["inv_alpha"] == shared["inv_alpha"]
    assert packaged["num_rounds"] == shared["num_rounds"]


def test_upstream_hash_elements(vectors: VectorLoader) -> None:
    data = vectors("rpo256_vectors")["upstream_miden_crypto"]
    empty = data["empty_input"]
    assert word_to_hex(rpo.hash_elements([])) == empty["output_word_hex"]
    assert len(data["vectors"]) == 19
    for vector in data["vectors"]:
        word = rpo.hash_elements(_ints(vector["input_elements"]))
        assert list(word) == _ints(vector["output_elements"]), vector["name"]
        assert word_to_hex(word) == vector["output_word_hex"], vector["name"]


def test_guardian_lookup_vectors_rebuilt_from_raw_fields(vectors: VectorLoader) -> None:
    data = vectors("rpo256_vectors")["guardian_lookup_auth"]["vectors"]
    tag_vector, lookups = data[0], data[1:]
    tag_elements = bytes_to_elements(tag_vector["input_utf8"].encode())
    assert tag_elements == _ints(tag_vector["input_elements"])
    assert bytes_to_elements(bytes.fromhex(tag_vector["input_bytes_hex"][2:])) == tag_elements
    tag = rpo.hash_elements(tag_elements)
    assert word_to_hex(tag) == tag_vector["expected_word_hex"]
    assert list(tag) == _ints(tag_vector["expected_elements"])
    assert len(lookups) == 8
    for vector in lookups:
        elements = [
            *tag,
            i64_to_element(int(vector["timestamp_ms"])),
            *word_from_hex(vector["key_commitment_word_hex"]),
        ]
        assert elements == _ints(vector["input_elements"]), vector["name"]
        word = rpo.hash_elements(elements)
        assert word_to_hex(word) == vector["expected_word_hex"], vector["name"]
        assert list(word) == _ints(vector["expected_elements"]), vector["name"]


def test_hash_bytes_of_empty_input_is_zero_word() -> None:
    assert rpo.hash_bytes(b"") == (0, 0, 0, 0)
