"""The server acknowledgement of pushed deltas (docs/contracts/client-api.md §5, json network type): an ECDSA secp256k1
signature over RPO256 of the canonical JSON of {account_id, nonce, prev_commitment, new_commitment,
delta_payload}."""

from __future__ import annotations

import json
import logging
import os
import secrets
import stat
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guardian_common.envelope import ErrorEnvelope
from guardian_common.errors import ConfigurationError
from guardian_common.stage import Stage
from guardian_crypto import ecdsa
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.field import Word, word_to_hex
from guardian_crypto.rpo import hash_bytes

log = logging.getLogger(__name__)

SCHEME = "ecdsa"
KEY_BYTES = 32

EPHEMERAL = (
    "GUARDIAN_ACK_ECDSA_KEY_FILE is not set: this auth replica signs delta acknowledgements with a random "
    "per-process key, so acks change on restart and differ between replicas. Point every auth replica at "
    "the same key file (32-byte secret as 64 hex characters, mode 0600)."
)
REFUSED_IN_PROD = (
    "GUARDIAN_ACK_ECDSA_KEY_FILE is not set: in the prod stage the ack key must be stable and shared by "
    "every auth replica. Write a 32-byte secret as 64 hex characters (e.g. `openssl rand -hex 32`) to a "
    "file readable only by the service (mode 0600) and set GUARDIAN_ACK_ECDSA_KEY_FILE to its path."
)


@dataclass(frozen=True)
class AckDelta:
    account_id: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    delta_payload: dict[str, Any]


@dataclass(frozen=True)
class Ack:
    signature_hex: str  # no 0x
    public_key_hex: str  # 0x + 33 bytes
    message: Word


def ack_message(delta: AckDelta) -> Word:
    document = {
        "account_id": delta.account_id,
        "nonce": delta.nonce,
        "prev_commitment": delta.prev_commitment,
        "new_commitment": delta.new_commitment,
        "delta_payload": delta.delta_payload,
    }
    return hash_bytes(canonical_json(document))


class AckSigner:
    def __init__(self, secret_key: bytes, configured: bool) -> None:
        # Loaded into libsecp256k1 once per process: deriving the key costs more than signing an ack.
        self._key = ecdsa.SigningKey(secret_key)
        self.configured = configured
        self.public_key = self._key.public_key
        self.public_key_hex = "0x" + self.public_key.hex()
        self.commitment = word_to_hex(ecdsa.public_key_commitment(self.public_key))

    def sign(self, delta: AckDelta) -> Ack:
        try:
            message = ack_message(delta)
            signature = self._key.sign(message)
        except (CryptoInputError, ValueError) as exc:
            log.error("ack signing failed: %s", exc)
            raise ErrorEnvelope.of("signing_error") from None
        return Ack(signature.hex(), self.public_key_hex, message)

    def sign_json(
        self, account_id: str, nonce: int, prev_commitment: str, new_commitment: str, payload_json: str
    ) -> Ack:
        try:
            payload = json.loads(payload_json)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise ErrorEnvelope.of("invalid_input", "delta_payload_json must be a JSON object")
        return self.sign(AckDelta(account_id, nonce, prev_commitment, new_commitment, payload))


def _read_key_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        text = path.read_text()
    except OSError as exc:
        raise ConfigurationError(
            f"GUARDIAN_ACK_ECDSA_KEY_FILE={str(path)!r} cannot be read ({exc.strerror}); point it at the "
            "ack key file"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"GUARDIAN_ACK_ECDSA_KEY_FILE={str(path)!r} is accessible by group or others (mode "
            f"{stat.S_IMODE(mode):04o}); the ack key must be private: chmod 600 it"
        )
    digits = text.strip().removeprefix("0x")
    if len(digits) != 2 * KEY_BYTES or any(c not in string.hexdigits for c in digits):
        raise ConfigurationError(
            f"GUARDIAN_ACK_ECDSA_KEY_FILE={str(path)!r} does not hold a 32-byte secret as 64 hex "
            "characters (optional 0x, surrounding whitespace ignored)"
        )
    secret = bytes.fromhex(digits)
    try:
        ecdsa.public_key_from_secret(secret)
    except (CryptoInputError, ValueError):
        raise ConfigurationError(
            f"GUARDIAN_ACK_ECDSA_KEY_FILE={str(path)!r} is not a valid secp256k1 secret key"
        ) from None
    return secret


def load_ack_signer(path: Path | None, stage: Stage) -> AckSigner:
    """The configured key; unset: refused in prod, an ephemeral random key (with a warning) elsewhere."""
    if path is not None:
        return AckSigner(_read_key_file(Path(os.path.expanduser(path))), configured=True)
    if stage is Stage.PROD:
        raise ConfigurationError(REFUSED_IN_PROD)
    log.warning(EPHEMERAL)
    while True:
        candidate = secrets.token_bytes(KEY_BYTES)
        try:
            return AckSigner(candidate, configured=False)
        except (CryptoInputError, ValueError):  # zero or above the group order: astronomically rare
            continue
