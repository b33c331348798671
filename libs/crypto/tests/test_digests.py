from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guardian_crypto import digests, rpo
from guardian_crypto.errors import AccountIdError
from guardian_crypto.field import bytes_to_elements, word_to_hex

VectorLoader = Callable[[str], dict[str, Any]]

ACCOUNT = "0xb67bc00ceee619617204e3f73f0a43"
TIMESTAMP_MS = 1700000000000


def test_operator_challenge_vector_every_stage(vectors: VectorLoader) -> None:
    vector = vectors("operator_challenge_vectors")["vectors"][0]
    payload = vector["payload"]
    data = digests.operator_challenge_bytes(**payload)
    assert data.decode() == vector["canonical_json"]
    assert len(data) == int(vector["canonical_json_byte_length"])
    assert "0x" + data.hex() == vector["canonical_json_bytes_hex"]
    elements = bytes_to_elements(data)
    assert elements == [int(e) for e in vector["elements"]]
    assert len(elements) == int(vector["element_count"])
    assert len(elements) % 8 == int(vector["capacity_init_state8"])
    word = digests.operator_challenge_digest(**payload)
    assert list(word) == [int(e) for e in vector["signing_digest_elements"]]
    assert word_to_hex(word) == vector["signing_digest_word_hex"]


def test_challenge_key_order_does_not_depend_on_arguments() -> None:
    a = digests.operator_challenge_bytes(commitment="c", domain="*", expires_at="e", nonce="n")
    assert a == b'{"commitment":"c","domain":"*","expires_at":"e","nonce":"n"}'


# Derived vectors from docs/contracts/client-api.md §7 (same Python RPO; not yet checked against Rust).
REQUEST_VECTORS = [
    (b"", "0x" + "00" * 32, "0x7941102449c203ad8858c5d1a1e4ce67cb0b07422cdc639e64c6ce67271806eb"),
    (
        b'{"account_id":"' + ACCOUNT.encode() + b'"}',
        "0xc6fcea29795e4afcf05b1bd79e63ac330c100435f2f6ea0875f5895b1bf1e512",
        "0xfcfd90b56b8d1d8677425b94d0b15526504a2290f39644f5298ae0ba3dadcd82",
    ),
    (
        b'{"account_id":"' + ACCOUNT.encode() + b'","nonce":1}',
        "0xc501b3d9fe490545e21fe124e7f79fdf7400e01096bf55f669eed9774335d59e",
        "0x4c9dccc055ae4d03f5dce4c4f2b357d109e6186fab28cc1deda5ebf718f5fa78",
    ),
    (
        b"\x0a\x20" + ACCOUNT.encode(),
        "0x5f7cb9806e41fb6f8ff04ace79938fb9af41532ff6616bc0f1fd3ec414bcf24b",
        "0x184c99379910cb62aaccaf0abbb9cf4b4a329954669669567db4348f4fef8d84",
    ),
    (
        b"\x0a\x20" + ACCOUNT.encode() + b"\x10\x01",
        "0x1ec12eb9053cb7779d13b55ead8817a96dc8e872f7edaffaba2ddd46020fed66",
        "0x8603bf641805041413345e32f318970e085acb505dffd1f6427ea88741808cf4",
    ),
]


@pytest.mark.parametrize(("payload", "payload_word", "digest"), REQUEST_VECTORS)
def test_request_digest(payload: bytes, payload_word: str, digest: str) -> None:
    assert word_to_hex(digests.payload_word(payload)) == payload_word
    assert word_to_hex(digests.request_digest(ACCOUNT, TIMESTAMP_MS, payload)) == digest
    assert digests.request_digest(ACCOUNT.upper().replace("0X", "0x"), TIMESTAMP_MS, payload) == (
        digests.request_digest(ACCOUNT, TIMESTAMP_MS, payload)
    )


def test_account_id_elements() -> None:
    assert digests.account_id_elements(ACCOUNT) == (13149314698818492769, 8215942271284691712)


@pytest.mark.parametrize(
    "bad", ["", ACCOUNT[2:], ACCOUNT + "0", ACCOUNT[:-1], "0x" + "g" * 30, "0X" + ACCOUNT[2:]]
)
def test_account_id_rejects(bad: str) -> None:
    with pytest.raises(AccountIdError):
        digests.account_id_elements(bad)


@given(st.text(max_size=40))
def test_account_id_parser_raises_only_its_error(text: str) -> None:
    try:
        prefix, suffix = digests.account_id_elements(text)
    except AccountIdError:
        return
    assert suffix & 0xFF == 0 and prefix < 2**64


def test_account_id_must_encode_field_elements() -> None:
    with pytest.raises(AccountIdError):
        digests.account_id_elements("0x" + "ff" * 15)


def test_lookup_digest(vectors: VectorLoader) -> None:
    lookup = vectors("rpo256_vectors")["guardian_lookup_auth"]["vectors"]
    assert word_to_hex(rpo.hash_bytes(digests.LOOKUP_DOMAIN)) == lookup[0]["expected_word_hex"]
    for vector in lookup[1:]:
        commitment = tuple(int(e) for e in vector["key_commitment_elements"])
        word = digests.lookup_digest(int(vector["timestamp_ms"]), commitment)  # type: ignore[arg-type]
        assert word_to_hex(word) == vector["expected_word_hex"], vector["name"]
