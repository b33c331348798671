"""Signing keys on the client: per-account cosigners (ECDSA or Falcon) with their request signatures, the
operator's Falcon key for logins, and a wallet key for EIP-712 logins.

Request signatures follow docs/client-api.md, "Signed requests": the signer signs the Word
`RPO256([id_prefix, id_suffix, timestamp, RPO256(pack(canonical_json(payload)))])`.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any, Literal, Protocol

from guardian_client.errors import KeyFileError
from guardian_crypto import ecdsa, eip712
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.digests import request_digest
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.falcon_sign import SecretKey
from guardian_crypto.field import Word, word_from_hex, word_to_hex

Scheme = Literal["ecdsa", "falcon"]
# The auth method labels of a configure's `auth` object, by signature scheme.
AUTH_METHODS: dict[Scheme, str] = {"ecdsa": "MidenEcdsa", "falcon": "MidenFalconRpo"}


def _falcon_signature_hex(key: SecretKey, word: Word) -> str:
    return "0x" + key.sign(word).hex()


class Cosigner:
    """One authorised signer of an account: an ECDSA secp256k1 or a Falcon-512 key, with its own
    strictly increasing millisecond clock (the server keeps a replay floor per signer and accepts only a
    timestamp above the last one used, so two requests signed in the same millisecond must differ)."""

    def __init__(self, *, ecdsa_secret: bytes | None = None, falcon_key: SecretKey | None = None) -> None:
        if (ecdsa_secret is None) == (falcon_key is None):
            raise ValueError("a Cosigner holds exactly one key: ecdsa_secret or falcon_key")
        # Loaded into libsecp256k1 once: deriving the key costs more than a signature.
        self._ecdsa_key = ecdsa.SigningKey(ecdsa_secret) if ecdsa_secret is not None else None
        self._falcon_key = falcon_key
        if falcon_key is not None:
            self.scheme: Scheme = "falcon"
            self.pubkey = "0x" + falcon_key.public_key().hex()
            self.commitment = word_to_hex(falcon_key.commitment())
        else:
            assert self._ecdsa_key is not None
            public = self._ecdsa_key.public_key
            self.scheme = "ecdsa"
            self.pubkey = "0x" + public.hex()
            self.commitment = word_to_hex(ecdsa.public_key_commitment(public))
        self.last_ms = 0

    @classmethod
    def ecdsa(cls, secret: bytes | None = None) -> Cosigner:
        """An ECDSA cosigner; a fresh random key when `secret` (32 bytes) is not given."""
        return cls(ecdsa_secret=ecdsa.new_secret() if secret is None else secret)

    @classmethod
    def falcon(cls, key: SecretKey) -> Cosigner:
        """A Falcon-512 cosigner (`SecretKey.generate()` makes a key; it takes a few seconds)."""
        return cls(falcon_key=key)

    @property
    def method(self) -> str:
        """The auth method label a configure names for this key: `MidenEcdsa` or `MidenFalconRpo`."""
        return AUTH_METHODS[self.scheme]

    def sign_word(self, word: Word) -> str:
        """The signature of a Word as `0x` hex (ECDSA r‖s‖v, or the 1524-byte Falcon signature)."""
        if self._falcon_key is not None:
            return _falcon_signature_hex(self._falcon_key, word)
        assert self._ecdsa_key is not None
        return "0x" + self._ecdsa_key.sign(word).hex()

    def now_ms(self) -> int:
        """The wall clock in milliseconds, but always above the last timestamp this signer used."""
        self.last_ms = max(time.time_ns() // 1_000_000, self.last_ms + 1)
        return self.last_ms

    def headers(self, account_id: str, payload: object, timestamp_ms: int | None = None) -> dict[str, str]:
        """`x-pubkey`, `x-signature`, `x-timestamp` for a request about `account_id` whose signed value
        is `payload` (a fresh timestamp unless one is given)."""
        ts = self.now_ms() if timestamp_ms is None else timestamp_ms
        digest = request_digest(account_id, ts, canonical_json(payload))
        return {"x-pubkey": self.pubkey, "x-signature": self.sign_word(digest), "x-timestamp": str(ts)}


def auth_config(*cosigners: Cosigner) -> dict[str, Any]:
    """The `auth` object of a configure: `{"<method>": {"cosigner_commitments": [...]}}`. All cosigners of
    one account use the same scheme."""
    if not cosigners:
        raise ValueError("an account needs at least one cosigner")
    schemes = {c.scheme for c in cosigners}
    if len(schemes) != 1:
        raise ValueError(f"all cosigners of an account use one scheme, got {sorted(schemes)}")
    return {cosigners[0].method: {"cosigner_commitments": [c.commitment for c in cosigners]}}


def new_account_id() -> str:
    """A random json-network account id: `0x` + 30 lowercase hex characters."""
    return "0x" + secrets.token_hex(15)


def read_falcon_key_file(path: Path) -> SecretKey:
    """A key file as `guardian-operator keygen` writes it: the 1281-byte Falcon secret key as hex on one
    line (`0x` accepted)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc}") from exc
    digits = text[2:] if text[:2] in ("0x", "0X") else text
    try:
        return SecretKey.from_bytes(bytes.fromhex(digits))
    except (ValueError, CryptoInputError) as exc:
        raise KeyFileError(f"{path} does not hold a 1281-byte Falcon secret key in hex: {exc}") from exc


class OperatorSigner(Protocol):
    """What an operator login needs: the key's commitment and a signature of a digest Word (hex)."""

    @property
    def commitment(self) -> str: ...

    def sign_digest(self, digest_hex: str) -> str: ...


class OperatorKey:
    """An operator's Falcon-512 key."""

    def __init__(self, secret_key: SecretKey) -> None:
        self.secret_key = secret_key
        self.public_key_hex = "0x" + secret_key.public_key().hex()
        self.commitment = word_to_hex(secret_key.commitment())

    @classmethod
    def from_file(cls, path: Path) -> OperatorKey:
        return cls(read_falcon_key_file(path))

    def sign_digest(self, digest_hex: str) -> str:
        return _falcon_signature_hex(self.secret_key, word_from_hex(digest_hex))


class WalletSigner(Protocol):
    """What a wallet login needs: the lowercase `0x` address and an EIP-712 session signature."""

    @property
    def address(self) -> str: ...

    def sign_session(self, nonce: str, issued_at: int, expires_at: int) -> str: ...


class WalletKey:
    """An Ethereum account key that signs the `GuardianEvmSession` typed data (docs/auth.md), as
    `eth_signTypedData_v4` would."""

    def __init__(self, private_key: bytes) -> None:
        if len(private_key) != 32:
            raise ValueError("a secp256k1 private key is 32 bytes")
        self.private_key = private_key
        self.address = eip712.address_from_private_key(private_key)

    def sign_session(self, nonce: str, issued_at: int, expires_at: int) -> str:
        digest = eip712.session_digest(self.address, nonce, issued_at, expires_at)
        return "0x" + eip712.sign_digest(self.private_key, digest).hex()
