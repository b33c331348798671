"""Session tokens: 32 random bytes as hex; only SHA-256 of the token's text is ever stored."""

from __future__ import annotations

import hashlib
import re
import secrets

OPERATOR_TOKEN = re.compile(r"[0-9a-f]{64}")
EVM_TOKEN = re.compile(r"0x[0-9a-f]{64}")


def mint_operator_token() -> str:
    return secrets.token_hex(32)


def mint_evm_token() -> str:
    return "0x" + secrets.token_hex(32)


def storage_key(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


def well_formed(token: str, shape: re.Pattern[str]) -> bool:
    """A malformed token cannot name a stored session; it is refused without a store lookup."""
    return shape.fullmatch(token) is not None
