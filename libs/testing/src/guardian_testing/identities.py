"""Signing identities for tests: pre-generated operator Falcon keys and well-known wallet keys.

The operator keys in data/operator_keys.json were made with SecretKey.generate(bytes([n]) * 32), and the
Falcon ack key of test stacks in data/ack_falcon_key.json with seed byte 0xAC, so tests skip the seconds that
Falcon key generation takes. Test data only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from guardian_crypto import eip712
from guardian_crypto.falcon_sign import SecretKey
from guardian_crypto.field import word_from_hex

DATA = Path(__file__).with_name("data")

# The first Hardhat/Anvil development accounts: public test keys, never funded anywhere real.
WALLET_KEYS = [
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
]


@dataclass(frozen=True)
class OperatorIdentity:
    secret_key: SecretKey
    public_key_hex: str
    commitment: str

    def sign_digest(self, digest_hex: str) -> str:
        return "0x" + self.secret_key.sign(word_from_hex(digest_hex)).hex()


@dataclass(frozen=True)
class WalletIdentity:
    private_key: bytes
    address: str

    def sign_session(self, nonce: str, issued_at: int, expires_at: int) -> str:
        digest = eip712.session_digest(self.address, nonce, issued_at, expires_at)
        return "0x" + eip712.sign_digest(self.private_key, digest).hex()


@cache
def operators() -> list[OperatorIdentity]:
    entries = json.loads((DATA / "operator_keys.json").read_text())["keys"]
    return [
        OperatorIdentity(
            SecretKey.from_bytes(bytes.fromhex(e["secret_key_hex"])), e["public_key_hex"], e["commitment"]
        )
        for e in entries
    ]


@cache
def falcon_ack_identity() -> OperatorIdentity:
    """The Falcon ack key test stacks run with (custody_api.write_falcon_ack_key)."""
    entry = json.loads((DATA / "ack_falcon_key.json").read_text())
    return OperatorIdentity(
        SecretKey.from_bytes(bytes.fromhex(entry["secret_key_hex"])),
        entry["public_key_hex"],
        entry["commitment"],
    )


@cache
def wallets() -> list[WalletIdentity]:
    from eth_account import Account

    return [WalletIdentity(bytes.fromhex(k), Account.from_key(k).address.lower()) for k in WALLET_KEYS]
