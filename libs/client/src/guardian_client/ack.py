"""Checking the server's acknowledgement of a push (docs/client-api.md, "The ack signature").

`ack_sig` signs the Word
`RPO256(pack(canonical_json({"account_id", "nonce", "prev_commitment", "new_commitment", "delta_payload"})))`
in the scheme of the account's cosigners:

* `ecdsa` (MidenEcdsa accounts): secp256k1 over Keccak-256 of the Word, `r‖s‖v`. The client recovers the key
  and compares it with the trusted ECDSA ack key (`GET /pubkey`).
* `falcon` (MidenFalconRpo accounts): a 1524-byte Falcon-512 Poseidon2 signature, public key embedded. The
  client verifies it and compares the embedded key's commitment with the trusted Falcon ack commitment
  (`GET /pubkey?scheme=falcon`).

The message is built from what the client pushed plus the server's `new_commitment`, so an ack of any
other delta fails.
"""

from __future__ import annotations

from typing import Any

from guardian_crypto import ecdsa, falcon_verify
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.falcon_codec import decode_signature
from guardian_crypto.field import Word, word_from_hex
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


def falcon_ack_verifies(message: Word, ack_sig: str, ack_commitment: str) -> bool:
    """Whether `ack_sig` (hex, `0x` optional: exactly 1524 bytes, the public key embedded) is a Falcon-512
    signature over `message` by the key whose commitment is `ack_commitment` (Word hex). Malformed input is
    simply False."""
    try:
        signature = _key_bytes(ack_sig)
        embedded = decode_signature(signature).public_key
        if falcon_verify.public_key_commitment(embedded) != word_from_hex(ack_commitment):
            return False
        return falcon_verify.verify(signature, message)
    except (CryptoInputError, ValueError):
        return False
