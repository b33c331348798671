"""The server acknowledgement of pushed deltas (docs/contracts/client-api.md §5, json network type): a signature over
RPO256 of the canonical JSON of {account_id, nonce, prev_commitment, new_commitment, delta_payload}, made with
the ack key of the account's scheme: ECDSA secp256k1 for MidenEcdsa accounts, Falcon-512 Poseidon2 for
MidenFalconRpo accounts (docs/auth.md "Ack keys").

The Falcon signer is pure Python (about 20 ms per signature): it runs in the offload worker processes, each of
which loads the key once."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import stat
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guardian_common.envelope import ErrorEnvelope
from guardian_common.errors import ConfigurationError
from guardian_common.offload import Offload
from guardian_common.stage import Stage
from guardian_crypto import ecdsa
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.field import Word, word_to_hex
from guardian_crypto.rpo import hash_bytes

if TYPE_CHECKING:
    from guardian_crypto.falcon_sign import SecretKey

log = logging.getLogger(__name__)

ECDSA = "ecdsa"
FALCON = "falcon"
SCHEME = ECDSA  # the scheme of AckSigner, and of SignAck (which names no scheme)
KEY_BYTES = 32
FALCON_KEY_BYTES = 1281

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
FALCON_EPHEMERAL = (
    "GUARDIAN_ACK_FALCON_KEY_FILE is not set: this auth replica will generate a random per-process Falcon "
    "ack key when a MidenFalconRpo account first needs one (a few seconds of CPU), so Falcon acks change on "
    "restart and differ between replicas. Point every auth replica at the same key file (`guardian-operator "
    "keygen --out FILE` writes one, mode 0600)."
)
FALCON_REFUSED_IN_PROD = (
    "GUARDIAN_ACK_FALCON_KEY_FILE is not set: in the prod stage MidenFalconRpo accounts are acknowledged "
    "with a stable Falcon-512 key shared by every auth replica. Create one with `guardian-operator keygen "
    "--out FILE` (the 1281-byte secret key as hex, mode 0600) and set GUARDIAN_ACK_FALCON_KEY_FILE to its path."
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
    signature_hex: str  # no 0x: 65 bytes (ECDSA) or 1524 bytes (Falcon)
    public_key_hex: str  # 0x + 33 bytes (ECDSA) or 897 bytes (Falcon)
    message: Word
    scheme: str = ECDSA


@dataclass(frozen=True)
class AckKeyInfo:
    scheme: str
    public_key_hex: str
    commitment: str


def ack_message(delta: AckDelta) -> Word:
    document = {
        "account_id": delta.account_id,
        "nonce": delta.nonce,
        "prev_commitment": delta.prev_commitment,
        "new_commitment": delta.new_commitment,
        "delta_payload": delta.delta_payload,
    }
    return hash_bytes(canonical_json(document))


def _payload_of(payload_json: str) -> dict[str, Any]:
    try:
        payload = json.loads(payload_json)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise ErrorEnvelope.of("invalid_input", "delta_payload_json must be a JSON object")
    return payload


class AckSigner:
    """The ECDSA ack key."""

    scheme = ECDSA

    def __init__(self, secret_key: bytes, configured: bool) -> None:
        # Loaded into libsecp256k1 once per process: deriving the key costs more than signing an ack.
        self._key = ecdsa.SigningKey(secret_key)
        self.configured = configured
        self.public_key = self._key.public_key
        self.public_key_hex = "0x" + self.public_key.hex()
        self.commitment = word_to_hex(ecdsa.public_key_commitment(self.public_key))

    @property
    def info(self) -> AckKeyInfo:
        return AckKeyInfo(ECDSA, self.public_key_hex, self.commitment)

    def sign(self, delta: AckDelta) -> Ack:
        try:
            message = ack_message(delta)
            signature = self._key.sign(message)
        except (CryptoInputError, ValueError) as exc:
            log.error("ack signing failed: %s", exc)
            raise ErrorEnvelope.of("signing_error") from None
        return Ack(signature.hex(), self.public_key_hex, message, ECDSA)

    def sign_json(
        self, account_id: str, nonce: int, prev_commitment: str, new_commitment: str, payload_json: str
    ) -> Ack:
        payload = _payload_of(payload_json)
        return self.sign(AckDelta(account_id, nonce, prev_commitment, new_commitment, payload))


@lru_cache(maxsize=4)
def _falcon_key(secret: bytes) -> SecretKey:
    from guardian_crypto.falcon_sign import SecretKey  # the signer extra: numpy, blake3

    return SecretKey.from_bytes(secret)


def falcon_signature(secret: bytes, message: Word) -> bytes:
    """The 1524-byte Falcon signature of `message`; a plain function of plain data, so it runs in an offload
    worker process, which keeps the loaded key (about 30 ms to load) for the next ack."""
    return _falcon_key(secret).sign(message)


def new_falcon_secret() -> bytes:
    """A fresh Falcon-512 secret key (1281 bytes); 2 to 13 s of CPU, so run in a worker process."""
    from guardian_crypto.falcon_sign import SecretKey

    return SecretKey.generate().to_bytes()


class FalconAckSigner:
    """The Falcon-512 Poseidon2 ack key. Signing is deterministic (miden-crypto's seeding of the sampler)."""

    scheme = FALCON

    def __init__(self, secret_key: bytes, configured: bool) -> None:
        key = _falcon_key(bytes(secret_key))  # validates the key (f*G - g*F = q) and derives h
        self._secret = key.to_bytes()
        self.configured = configured
        self.public_key = key.public_key()
        self.public_key_hex = "0x" + self.public_key.hex()
        self.commitment = word_to_hex(key.commitment())

    @property
    def info(self) -> AckKeyInfo:
        return AckKeyInfo(FALCON, self.public_key_hex, self.commitment)

    async def sign(self, delta: AckDelta, offload: Offload | None = None) -> Ack:
        try:
            message = ack_message(delta)
        except (CryptoInputError, ValueError) as exc:
            log.error("ack message failed: %s", exc)
            raise ErrorEnvelope.of("signing_error") from None
        if offload is None:
            signature = falcon_signature(self._secret, message)
        else:
            signature = await offload.run(falcon_signature, self._secret, message)
        return Ack(signature.hex(), self.public_key_hex, message, FALCON)


class AckKeys:
    """Both ack keys; the account's scheme picks one. Without a configured Falcon key (non-prod only), a random
    one is generated in a worker process when first needed, once per process; callers wait for it."""

    def __init__(
        self, ecdsa_signer: AckSigner, falcon_signer: FalconAckSigner | None, offload: Offload | None = None
    ) -> None:
        self.ecdsa = ecdsa_signer
        self._falcon = falcon_signer
        self._offload = offload
        self._generating: asyncio.Future[FalconAckSigner] | None = None

    @property
    def falcon_configured(self) -> bool:
        return self._falcon is not None and self._falcon.configured

    @property
    def falcon_commitment(self) -> str | None:
        """The Falcon key's commitment, None while an ephemeral one has not been generated."""
        return None if self._falcon is None else self._falcon.commitment

    async def falcon(self) -> FalconAckSigner:
        if self._falcon is not None:
            return self._falcon
        if self._generating is None:
            self._generating = asyncio.ensure_future(self._generate())
        generating = self._generating
        try:
            # Shielded: a caller that gives up does not cancel the generation the others wait for.
            return await asyncio.shield(generating)
        finally:
            if generating.done() and (generating.cancelled() or generating.exception() is not None):
                self._generating = None  # the next caller tries again

    async def _generate(self) -> FalconAckSigner:
        if self._offload is None:
            secret = new_falcon_secret()
        else:
            secret = await self._offload.run(new_falcon_secret)
        self._falcon = FalconAckSigner(secret, configured=False)
        log.warning("generated an ephemeral Falcon ack key, commitment=%s", self._falcon.commitment)
        return self._falcon

    async def info(self, scheme: str) -> AckKeyInfo:
        if scheme == ECDSA:
            return self.ecdsa.info
        if scheme == FALCON:
            return (await self.falcon()).info
        raise ErrorEnvelope.of("invalid_input", "scheme must be 'ecdsa' or 'falcon'")

    async def sign_json(
        self,
        scheme: str,
        account_id: str,
        nonce: int,
        prev_commitment: str,
        new_commitment: str,
        payload_json: str,
    ) -> Ack:
        if scheme == ECDSA:
            return self.ecdsa.sign_json(account_id, nonce, prev_commitment, new_commitment, payload_json)
        if scheme != FALCON:
            raise ErrorEnvelope.of("invalid_input", "scheme must be 'ecdsa' or 'falcon'")
        payload = _payload_of(payload_json)
        signer = await self.falcon()
        return await signer.sign(
            AckDelta(account_id, nonce, prev_commitment, new_commitment, payload), self._offload
        )


def _read_private_text(setting: str, path: Path) -> str:
    """The text of a key file that must be readable, and private to its owner."""
    try:
        mode = path.stat().st_mode
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not text"
        raise ConfigurationError(
            f"{setting}={str(path)!r} cannot be read ({reason}); point it at the ack key file"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"{setting}={str(path)!r} is accessible by group or others (mode "
            f"{stat.S_IMODE(mode):04o}); the ack key must be private: chmod 600 it"
        )
    return text


def _read_key_file(path: Path) -> bytes:
    text = _read_private_text("GUARDIAN_ACK_ECDSA_KEY_FILE", path)
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


def _read_falcon_key_file(path: Path) -> bytes:
    setting = "GUARDIAN_ACK_FALCON_KEY_FILE"
    digits = _read_private_text(setting, path).strip().removeprefix("0x")
    if len(digits) != 2 * FALCON_KEY_BYTES or any(c not in string.hexdigits for c in digits):
        raise ConfigurationError(
            f"{setting}={str(path)!r} does not hold a Falcon-512 secret key: {2 * FALCON_KEY_BYTES} hex "
            "characters (the 1281 bytes `guardian-operator keygen` writes; optional 0x, surrounding "
            "whitespace ignored)"
        )
    return bytes.fromhex(digits)


def load_falcon_ack_signer(path: Path | None, stage: Stage) -> FalconAckSigner | None:
    """The configured Falcon key; unset: refused in prod, None elsewhere (AckKeys then generates an
    ephemeral key on first use, with a warning now)."""
    if path is None:
        if stage is Stage.PROD:
            raise ConfigurationError(FALCON_REFUSED_IN_PROD)
        log.warning(FALCON_EPHEMERAL)
        return None
    resolved = Path(os.path.expanduser(path))
    secret = _read_falcon_key_file(resolved)
    try:
        return FalconAckSigner(secret, configured=True)
    except (CryptoInputError, ValueError, ArithmeticError):
        raise ConfigurationError(
            f"GUARDIAN_ACK_FALCON_KEY_FILE={str(resolved)!r} is not a valid Falcon-512 secret key"
        ) from None
