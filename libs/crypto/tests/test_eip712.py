from collections.abc import Callable
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_keys.backends.native.main import NativeECCBackend
from eth_keys.main import KeyAPI
from hypothesis import given, settings
from hypothesis import strategies as st

from guardian_crypto import eip712, secp256k1
from guardian_crypto.errors import EcdsaSignatureError

VectorLoader = Callable[[str], dict[str, Any]]


@pytest.fixture(scope="module")
def evm(vectors: VectorLoader) -> dict[str, Any]:
    return vectors("evm_session_vectors")


def _message(vector: dict[str, Any]) -> tuple[str, str, int, int]:
    m = vector["message"]
    return m["wallet"], m["nonce"], int(m["issued_at"]), int(m["expires_at"])


def test_type_hashes_and_domain(evm: dict[str, Any]) -> None:
    assert evm["type_strings"]["EIP712Domain"] == eip712.DOMAIN_TYPE
    assert evm["type_strings"]["GuardianEvmSession"] == eip712.SESSION_TYPE
    assert "0x" + eip712.DOMAIN_TYPEHASH.hex() == evm["type_hashes"]["EIP712Domain"]
    assert "0x" + eip712.SESSION_TYPEHASH.hex() == evm["type_hashes"]["GuardianEvmSession"]
    assert "0x" + eip712.DOMAIN_SEPARATOR.hex() == evm["vectors"][0]["domain_separator"]


def test_vector_digest_and_recovery(evm: dict[str, Any]) -> None:
    vector = evm["vectors"][0]
    message = _message(vector)
    assert "0x" + eip712.session_struct_hash(*message).hex() == vector["hash_struct"]
    digest = eip712.session_digest(*message)
    assert "0x" + digest.hex() == vector["digest"]
    for signature in (vector["signature"]["hex_65_bytes"], vector["signature_with_v_as_0_or_1"]):
        assert eip712.recover_address(digest, bytes.fromhex(signature[2:])) == vector["recovers_to"]
    assert vector["recovers_to"] == vector["wallet_address"]


def test_typed_data_matches_eth_account(evm: dict[str, Any]) -> None:
    vector = evm["vectors"][0]
    typed = eip712.session_typed_data(*_message(vector))
    assert typed["types"] == evm["typed_data"]["types"]
    assert typed["domain"] == evm["typed_data"]["domain"]
    assert typed["primaryType"] == evm["typed_data"]["primaryType"]
    signable = encode_typed_data(full_message=typed)
    assert signable.header == eip712.DOMAIN_SEPARATOR
    assert signable.body == eip712.session_struct_hash(*_message(vector))
    signed = Account.sign_message(signable, vector["private_key_hex"])
    assert "0x" + bytes(signed.signature).hex() == vector["signature"]["hex_65_bytes"]


def test_sign_digest_reproduces_vector_signature(evm: dict[str, Any]) -> None:
    vector = evm["vectors"][0]
    digest = eip712.session_digest(*_message(vector))
    signature = eip712.sign_digest(bytes.fromhex(vector["private_key_hex"][2:]), digest)
    assert "0x" + signature.hex() == vector["signature"]["hex_65_bytes"]


def test_negative_case_recovers_a_different_address(evm: dict[str, Any]) -> None:
    case = evm["negative_cases"][0]
    message = _message(case)
    assert "0x" + eip712.session_digest(*message).hex() == case["digest"]
    signer = eip712.recover_session_signer(*message, bytes.fromhex(case["signature"][2:]))
    assert signer == case["recovers_to"]
    assert signer != case["message"]["wallet"]


def test_high_s_rejected(evm: dict[str, Any]) -> None:
    vector = evm["vectors"][0]
    digest = bytes.fromhex(vector["digest"][2:])
    signature = bytes.fromhex(vector["signature"]["hex_65_bytes"][2:])
    s = int.from_bytes(signature[32:64], "big")
    flipped = signature[:32] + (secp256k1.ORDER - s).to_bytes(32, "big") + bytes([55 - signature[64]])
    with pytest.raises(EcdsaSignatureError, match="high-s"):
        eip712.recover_address(digest, flipped)


@pytest.mark.parametrize("v", [2, 3, 26, 29, 255])
def test_other_v_values_rejected(evm: dict[str, Any], v: int) -> None:
    vector = evm["vectors"][0]
    signature = bytes.fromhex(vector["signature"]["hex_65_bytes"][2:])
    with pytest.raises(EcdsaSignatureError):
        eip712.recover_address(bytes.fromhex(vector["digest"][2:]), signature[:64] + bytes([v]))


def test_bad_message_fields_rejected() -> None:
    nonce = "0x" + "11" * 32
    wallet = "0x" + "ab" * 20
    for args in [
        ("0x" + "ab" * 19, nonce, 1, 2),
        ("0x" + "zz" * 20, nonce, 1, 2),
        (wallet, "0x" + "11" * 31, 1, 2),
        (wallet, "0x" + "zz" * 32, 1, 2),
        (wallet, nonce, -1, 2),
        (wallet, nonce, 1, 2**64),
    ]:
        with pytest.raises(EcdsaSignatureError):
            eip712.session_digest(*args)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=70))
def test_random_signatures_never_escape(data: bytes) -> None:
    try:
        address = eip712.recover_address(bytes(32), data)
    except EcdsaSignatureError:
        return
    assert address.startswith("0x") and len(address) == 42


def test_address_of_accepts_both_sec1_encodings(evm: dict[str, Any]) -> None:
    vector = evm["vectors"][0]
    private_key = bytes.fromhex(vector["private_key_hex"][2:])
    compressed = secp256k1.public_key(private_key)
    uncompressed = secp256k1.public_key(private_key, compressed=False)
    assert eip712.address_from_private_key(private_key) == vector["wallet_address"]
    assert eip712.address_of(compressed) == eip712.address_of(uncompressed) == vector["wallet_address"]
    tampered = uncompressed[:-1] + bytes([uncompressed[-1] ^ 1])  # y no longer matches x
    for bad in (b"", uncompressed[1:], b"\x06" + uncompressed[1:], b"\x02" + bytes(32), tampered):
        with pytest.raises(EcdsaSignatureError):
            eip712.address_of(bad)


@settings(max_examples=25, deadline=None)
@given(
    private_key=st.integers(min_value=1, max_value=secp256k1.ORDER - 1).map(lambda k: k.to_bytes(32, "big")),
    digest=st.binary(min_size=32, max_size=32),
)
def test_sign_and_recover_match_eth_keys_pure_python(private_key: bytes, digest: bytes) -> None:
    # The native backend is eth-keys' own curve arithmetic, independent of the libsecp256k1 used here.
    theirs = KeyAPI(NativeECCBackend).PrivateKey(private_key)
    expected = theirs.sign_msg_hash(digest)
    assert eip712.sign_digest(private_key, digest) == expected.to_bytes()[:64] + bytes([27 + expected.v])
    signature = eip712.sign_digest(private_key, digest)
    assert eip712.recover_address(digest, signature) == theirs.public_key.to_address().lower()
