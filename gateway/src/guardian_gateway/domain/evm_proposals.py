"""EVM proposal values (docs/contracts/auth.md §3.7): parsing of what clients send, the proposal id, the
signer a raw-hash signature recovers to. Pure functions; failures are the envelopes the routes answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from eth_abi.abi import encode

from guardian_common.envelope import ErrorEnvelope
from guardian_crypto import eip712
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.keccak import keccak256

ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
EVM_ACCOUNT_ID = re.compile(r"evm:([1-9][0-9]{0,19}):(0x[0-9a-f]{40})")
JSON_ACCOUNT_ID = re.compile(r"0x[0-9a-f]{30}")
HEX_DIGITS = re.compile(r"[0-9a-fA-F]*")
MAX_U64 = 2**64 - 1
MAX_U256 = 2**256 - 1
MAX_SIGNERS = 1024
# The reference only requires a TTL above zero; a year keeps every expiry representable (docs/gateway.md).
MAX_TTL_SECONDS = 366 * 24 * 3600
MAX_PAYLOAD_CHARS = 1024 * 1024
PROPOSAL_ID_TYPES = ["uint256", "address", "address", "bytes32", "uint256"]


@dataclass(frozen=True)
class EvmAccountRef:
    chain_id: int
    address: str

    @property
    def account_id(self) -> str:
        return f"evm:{self.chain_id}:{self.address}"


def normalize_address(raw: object, field: str) -> str:
    """Trimmed, lowercase `0x` prefix, 40 hex digits, lowercased (the login's rule); else 400 invalid_input."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not ADDRESS.fullmatch(text):
        raise ErrorEnvelope.of("invalid_input", f"{field} must be 0x followed by 40 hex digits")
    return text.lower()


def parse_chain_id(raw: object) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= MAX_U64:
        raise ErrorEnvelope.of("invalid_input", "chain_id must be an integer in 1..2^64-1")
    return raw


def parse_account_id(raw: object) -> EvmAccountRef:
    """`evm:<chain id>:<lowercase address>`; a json-network account id is 400 unsupported_for_network."""
    if not isinstance(raw, str):
        raise ErrorEnvelope.of("invalid_input", "account_id must be a string")
    match = EVM_ACCOUNT_ID.fullmatch(raw)
    if match is None or int(match.group(1)) > MAX_U64:
        if JSON_ACCOUNT_ID.fullmatch(raw):
            raise ErrorEnvelope.of("unsupported_for_network", "this account is not an EVM account")
        raise ErrorEnvelope.of("invalid_input", "account_id must be evm:<chain id>:<lowercase 0x address>")
    return EvmAccountRef(int(match.group(1)), match.group(2))


def _fixed_hex(raw: object, size: int, field: str) -> bytes:
    """`0x` + exactly `size` bytes of hex (either case); else 400 invalid_evm_proposal."""
    text = raw if isinstance(raw, str) else ""
    digits = text[2:] if text.startswith("0x") else None
    if digits is None or len(digits) != 2 * size or not HEX_DIGITS.fullmatch(digits):
        raise ErrorEnvelope.of("invalid_evm_proposal", f"{field} must be 0x followed by {size} bytes of hex")
    return bytes.fromhex(digits)


def parse_hash(raw: object, field: str = "user_op_hash") -> bytes:
    return _fixed_hex(raw, 32, field)


def parse_signature(raw: object) -> bytes:
    return _fixed_hex(raw, 65, "signature")


def parse_proposal_id(raw: object) -> str:
    return "0x" + _fixed_hex(raw, 32, "proposal_id").hex()


def parse_nonce(raw: object) -> int:
    """A uint256 as a decimal string or `0x` hex (at most 64 digits); else 400 invalid_evm_proposal."""
    text = raw.strip() if isinstance(raw, str) else ""
    if text.startswith("0x") and 2 < len(text) <= 66 and HEX_DIGITS.fullmatch(text[2:]):
        return int(text[2:], 16)
    if text.isascii() and text.isdigit() and int(text) <= MAX_U256:
        return int(text)
    raise ErrorEnvelope.of("invalid_evm_proposal", "nonce must be a uint256, in decimal or 0x hex")


def parse_ttl(raw: object) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= MAX_TTL_SECONDS:
        raise ErrorEnvelope.of(
            "invalid_evm_proposal", f"ttl_seconds must be an integer in 1..{MAX_TTL_SECONDS}"
        )
    return raw


def parse_payload(raw: object) -> str:
    if not isinstance(raw, str) or len(raw) > MAX_PAYLOAD_CHARS:
        raise ErrorEnvelope.of(
            "invalid_input", f"payload must be a string of at most {MAX_PAYLOAD_CHARS} characters"
        )
    return raw


def proposal_id(chain_id: int, account: str, validator: str, user_op_hash: bytes, nonce: int) -> str:
    """keccak256(abi.encode(uint256 chainId, address account, address validator, bytes32 hash, uint256 nonce))."""
    encoded = encode(PROPOSAL_ID_TYPES, [chain_id, account, validator, user_op_hash, nonce])
    return "0x" + keccak256(encoded).hex()


def recover_signer(user_op_hash: bytes, signature: bytes) -> str:
    """The lowercase address whose key signed the raw 32-byte hash (no EIP-191 prefix); a signature that
    recovers to nothing is 400 invalid_proposal_signature."""
    try:
        return eip712.recover_address(user_op_hash, signature)
    except CryptoInputError:
        raise ErrorEnvelope.of(
            "invalid_proposal_signature", "the signature does not recover to a signer"
        ) from None


def check_signer_set(signers: list[str], threshold: int) -> None:
    """What the chain must show for an account to be served (else 502 rpc_validation_failed)."""
    if not signers:
        raise ErrorEnvelope.of(
            "rpc_validation_failed", "the multisig validator has no signers for this account"
        )
    if not 1 <= threshold <= len(signers):
        raise ErrorEnvelope.of(
            "rpc_validation_failed", f"threshold {threshold} is unreachable with {len(signers)} signer(s)"
        )
    if len(set(signers)) != len(signers):
        raise ErrorEnvelope.of("rpc_validation_failed", "the multisig validator lists a signer twice")
