"""Wallet logins: an EIP-712 `GuardianEvmSession` signature over a stored challenge."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from dataclasses import dataclass

from guardian_auth.domain.session_reuse import NO_REUSE, SessionReuse, WalletCheck
from guardian_auth.domain.stores import LoginStore, Realm
from guardian_auth.domain.tokens import EVM_TOKEN, mint_evm_token, storage_key, well_formed
from guardian_common.envelope import ErrorEnvelope
from guardian_crypto import eip712
from guardian_crypto.errors import CryptoInputError

log = logging.getLogger(__name__)

MAX_OUTSTANDING = 8
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")


@dataclass(frozen=True)
class EvmChallenge:
    address: str
    nonce: str
    issued_at: int
    expires_at: int
    typed_data_json: str


@dataclass(frozen=True)
class EvmSession:
    token: str
    address: str
    expires_at_ms: int
    max_age_seconds: int


def normalize_address(raw: str) -> str:
    """Trimmed, lowercase `0x` prefix required (`0X` refused), 40 hex digits, lowercased."""
    text = raw.strip()
    if ADDRESS.fullmatch(text) is None:
        raise ErrorEnvelope.of("invalid_input", "address must be 0x followed by 40 hex digits")
    return text.lower()


class EvmLogins:
    def __init__(
        self,
        store: LoginStore,
        *,
        challenge_ttl_seconds: int,
        session_ttl_seconds: int,
        reuse: SessionReuse = NO_REUSE,
    ) -> None:
        self._store = store
        self._challenge_ttl = challenge_ttl_seconds
        self._session_ttl = session_ttl_seconds
        self._reuse = reuse

    async def issue_challenge(self, raw_address: str) -> EvmChallenge:
        address = normalize_address(raw_address)
        nonce = "0x" + secrets.token_hex(32)
        issued_at = int(time.time())
        expires_at = issued_at + self._challenge_ttl
        payload = json.dumps(
            {
                "kind": "evm_challenge",
                "address": address,
                "nonce": nonce,
                "issued_at": issued_at,
                "expires_at": expires_at,
            }
        )
        await self._store.issue_challenge(
            Realm.EVM, address, nonce, payload, self._challenge_ttl, MAX_OUTSTANDING
        )
        typed_data = eip712.session_typed_data(address, nonce, issued_at, expires_at)
        return EvmChallenge(address, nonce, issued_at, expires_at, json.dumps(typed_data))

    async def verify(self, raw_address: str, nonce: str, signature_hex: str) -> EvmSession:
        address = normalize_address(raw_address)
        if SIGNATURE.fullmatch(signature_hex.strip()) is None:
            raise ErrorEnvelope.of("invalid_evm_proposal", "signature must be 0x followed by 65 bytes of hex")
        signature = bytes.fromhex(signature_hex.strip()[2:])
        challenges = await self._store.active_challenges(Realm.EVM, address)
        stored = next((c for c in challenges if c.key.lower() == nonce.strip().lower()), None)
        if stored is None:
            log.info("evm verification failed: no active challenge with that nonce")
            raise ErrorEnvelope.of("authentication_failed")
        payload = json.loads(stored.payload_json)
        try:
            signer = eip712.recover_session_signer(
                address, stored.key, int(payload["issued_at"]), int(payload["expires_at"]), signature
            )
        except CryptoInputError:
            signer = None
        if signer != address:
            log.info("evm verification failed: signature is not the wallet's")
            raise ErrorEnvelope.of("authentication_failed")
        if not await self._store.consume_challenge(Realm.EVM, address, stored.key):
            log.info("evm verification failed: challenge already consumed")
            raise ErrorEnvelope.of("authentication_failed")
        token = mint_evm_token()
        subject = json.dumps({"realm": "evm", "address": address})
        expires_at = await self._store.insert_session(
            Realm.EVM, storage_key(token), subject, self._session_ttl
        )
        log.info("evm session started")
        return EvmSession(token, address, int(expires_at.timestamp() * 1000), self._session_ttl)

    async def authenticate(self, token: str) -> WalletCheck:
        """The session's wallet address."""
        if not well_formed(token, EVM_TOKEN):
            raise ErrorEnvelope.of("authentication_failed")
        session = await self._store.get_session(Realm.EVM, storage_key(token))
        if session is None:
            raise ErrorEnvelope.of("authentication_failed")
        subject = json.loads(session.subject_json)
        if subject.get("realm") != "evm" or not isinstance(subject.get("address"), str):
            raise ErrorEnvelope.of("authentication_failed")
        return WalletCheck(str(subject["address"]), self._reuse.window_for(session.expires_at))

    async def logout(self, token: str) -> bool:
        """Answers once no gateway can still reuse an earlier check of this token (SessionReuse.settle)."""
        if not well_formed(token, EVM_TOKEN):
            return False
        revoked = await self._store.revoke_session(Realm.EVM, storage_key(token))
        await self._reuse.settle()
        return revoked
