"""EVM proposal values without a node: the proposal id, nonce parsing, signature recovery, the settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from guardian_common.envelope import ErrorEnvelope
from guardian_crypto import eip712
from guardian_crypto.keccak import keccak256
from guardian_gateway.config import GatewaySettings
from guardian_gateway.domain.evm_proposals import (
    parse_account_id,
    parse_hash,
    parse_nonce,
    parse_proposal_id,
    parse_signature,
    parse_ttl,
    proposal_id,
    recover_signer,
)
from guardian_gateway.evm_settings import DEFAULT_ENTRYPOINT, parse_rpc_urls

ACCOUNT = "0x" + "11" * 20
VALIDATOR = "0x" + "22" * 20
# anvil's first dev key (a public test key) and its address
DEV_KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
DEV_ADDRESS = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"


def code(call: object, *args: object) -> str:
    with pytest.raises(ErrorEnvelope) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.code


def test_proposal_id_is_keccak_of_the_abi_encoded_words() -> None:
    user_op_hash = bytes(range(32))
    words = (
        (31337).to_bytes(32, "big")
        + bytes(12)
        + bytes.fromhex(ACCOUNT[2:])
        + bytes(12)
        + bytes.fromhex(VALIDATOR[2:])
        + user_op_hash
        + (7 << 64 | 3).to_bytes(32, "big")
    )
    assert proposal_id(31337, ACCOUNT, VALIDATOR, user_op_hash, 7 << 64 | 3) == "0x" + keccak256(words).hex()


def test_nonce_in_decimal_or_hex_up_to_uint256() -> None:
    assert parse_nonce("0") == 0
    assert parse_nonce("0x10") == 16
    assert parse_nonce("0x" + "f" * 64) == 2**256 - 1
    assert parse_nonce(str(2**256 - 1)) == 2**256 - 1
    for bad in ("", "-1", "0x", "0x" + "f" * 65, str(2**256), "1.5", "0xzz", 5, None, "١٢"):
        assert code(parse_nonce, bad) == "invalid_evm_proposal", bad


def test_fixed_size_hex_fields() -> None:
    assert parse_proposal_id("0x" + "AB" * 32) == "0x" + "ab" * 32
    assert parse_hash("0x" + "00" * 32) == bytes(32)
    assert len(parse_signature("0x" + "01" * 65)) == 65
    for bad in ("0x" + "00" * 31, "00" * 32, "0x" + "0" * 63, "0x" + "gg" * 32, None):
        assert code(parse_hash, bad) == "invalid_evm_proposal", bad
    assert code(parse_signature, "0x" + "01" * 64) == "invalid_evm_proposal"


def test_ttl_bounds() -> None:
    assert parse_ttl(1) == 1
    for bad in (0, -1, 366 * 24 * 3600 + 1, True, "60", 1.5):
        assert code(parse_ttl, bad) == "invalid_evm_proposal", bad


def test_account_ids() -> None:
    ref = parse_account_id(f"evm:31337:{ACCOUNT}")
    assert (ref.chain_id, ref.address, ref.account_id) == (31337, ACCOUNT, f"evm:31337:{ACCOUNT}")
    assert code(parse_account_id, "0x" + "ab" * 15) == "unsupported_for_network"
    for bad in (
        f"evm:0:{ACCOUNT}",
        f"evm:031337:{ACCOUNT}",
        f"evm:1:{ACCOUNT.upper()}",
        f"evm:{2**64}:{ACCOUNT}",
        5,
    ):
        assert code(parse_account_id, bad) == "invalid_input", bad


def test_raw_hash_signatures_recover_their_signer() -> None:
    digest = keccak256(b"user operation")
    signature = eip712.sign_digest(DEV_KEY, digest)
    assert recover_signer(digest, signature) == DEV_ADDRESS
    assert recover_signer(keccak256(b"another"), signature) != DEV_ADDRESS
    assert code(recover_signer, digest, signature[:64] + bytes([30])) == "invalid_proposal_signature"


def test_rpc_urls_setting() -> None:
    assert parse_rpc_urls(None) == {}
    assert parse_rpc_urls(" 1=https://a.example , 31337=http://127.0.0.1:8545,") == {
        1: "https://a.example",
        31337: "http://127.0.0.1:8545",
    }
    for bad in ("0=http://a", "x=http://a", "1=ftp://a", "1=http://", "1", "1=http://a,1=http://b"):
        with pytest.raises(ValueError):
            parse_rpc_urls(bad)


def test_settings_are_checked_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    assert GatewaySettings().evm_entrypoint_address == DEFAULT_ENTRYPOINT
    monkeypatch.setenv("GUARDIAN_EVM_ENTRYPOINT_ADDRESS", "0x" + "AA" * 20)
    assert GatewaySettings().evm_entrypoint_address == "0x" + "aa" * 20
    for name, value in [
        ("GUARDIAN_EVM_RPC_URLS", "31337=localhost:8545"),
        ("GUARDIAN_EVM_ENTRYPOINT_ADDRESS", "0x12"),
        ("GUARDIAN_EVM_RPC_TIMEOUT_SECS", "0"),
    ]:
        monkeypatch.setenv(name, value)
        with pytest.raises(ValidationError):
            GatewaySettings()
        monkeypatch.delenv(name)
