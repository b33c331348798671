"""Checking the server's acknowledgement of a push (docs/client-api.md, "The ack signature").

`ack_sig` is an ECDSA secp256k1 signature (Keccak-256 of the Word, `r‖s‖v`) over the Word
`RPO256(pack(canonical_json({"account_id", "nonce", "prev_commitment", "new_commitment", "delta_payload"})))`.
A client recovers the key from the signature and compares it with the trusted ack key (`GET /pubkey`).
The message is built from what the client pushed plus the server's `new_commitment`, so an ack of any
other delta fails.
"""

from __future__ import annotations

from typing import Any

from guardian_crypto import ecdsa
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.field import Word
from guardian_crypto.rpo import hash_bytes


def ack_message(
    account_id: str, nonce: int, prev_commitment: str, new_commitment: str, delta_payload: dict[str, Any]
) -> Word:
    """The Word the server signs for a pushed delta."""
    return hash_bytes(
        canonical_json(
            {
                "account_id": account_id,
                "nonce": nonce,
                "prev_commitment": prev_commitment,
                "new_commitment": new_commitment,
                "delta_payload": delta_payload,
            }
        )
    )


def _key_bytes(pubkey_hex: str) -> bytes:
    digits = pubkey_hex[2:] if pubkey_hex[:2] in ("0x", "0X") else pubkey_hex
    return bytes.fromhex(digits)


def ack_verifies(message: Word, ack_sig: str, ack_pubkey: str) -> bool:
    """Whether `ack_sig` (hex, `0x` optional) over `message` was made by `ack_pubkey` (33-byte
    compressed key as hex). Malformed input is simply False."""
    try:
        digits = ack_sig[2:] if ack_sig[:2] in ("0x", "0X") else ack_sig
        recovered = ecdsa.recover_public_key(message, bytes.fromhex(digits))
        return recovered == _key_bytes(ack_pubkey)
    except (CryptoInputError, ValueError):
        return False
