"""Operator (dashboard) logins: Falcon-512/Poseidon2 over an RPO challenge digest, sessions by cookie."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from guardian_auth.domain.allowlist import Allowlist, AllowlistError, AllowlistSource, Operator
from guardian_auth.domain.budget import MALFORMED, CommitmentBudget
from guardian_auth.domain.stores import LoginStore, Realm
from guardian_auth.domain.tokens import OPERATOR_TOKEN, mint_operator_token, storage_key, well_formed
from guardian_common.envelope import ErrorEnvelope
from guardian_common.offload import Offload
from guardian_crypto.digests import operator_challenge_digest
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.falcon_codec import decode_signature
from guardian_crypto.falcon_verify import prepare, public_key_commitment
from guardian_crypto.field import Word, normalize_commitment_hex, word_from_hex, word_to_hex

log = logging.getLogger(__name__)

DOMAIN = "*"
MAX_OUTSTANDING = 8
SIGNATURE_HEX_CHARS = 2 * 1524
# A commitment is 66 characters; the contract ignores bytes after the 32nd, but nothing longer than this is
# read at all (it would be hashed into a decoy digest and echoed back).
MAX_COMMITMENT_CHARS = 1024


@dataclass(frozen=True)
class Challenge:
    domain: str
    commitment: str
    nonce: str
    expires_at: str
    signing_digest: str


@dataclass(frozen=True)
class Session:
    token: str
    operator_id: str
    expires_at: datetime
    max_age_seconds: int


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _normalized(raw_commitment: str) -> str | None:
    try:
        return normalize_commitment_hex(raw_commitment)
    except CryptoInputError:
        return None


def _failed(reason: str) -> ErrorEnvelope:
    log.info("operator verification failed: %s", reason)
    return ErrorEnvelope.of("authentication_failed")


def matching_challenge(signature: bytes, digests: list[Word]) -> int | None:
    """The index of the first digest the Falcon signature verifies, or None (runs in a worker process)."""
    return prepare(decode_signature(signature)).first_match(digests)


class OperatorLogins:
    def __init__(
        self,
        store: LoginStore,
        allowlist: AllowlistSource,
        budget: CommitmentBudget,
        *,
        challenge_ttl_seconds: int,
        session_ttl_seconds: int,
        offload: Offload | None = None,
    ) -> None:
        """Without `offload`, Falcon verification runs in a thread (tests, tools)."""
        self._offload = offload
        self._store = store
        self._allowlist = allowlist
        self._budget = budget
        self._challenge_ttl = challenge_ttl_seconds
        self._session_ttl = session_ttl_seconds

    def _live_allowlist(self) -> Allowlist:
        try:
            return self._allowlist.current()
        except AllowlistError as exc:
            log.error("operator allowlist reload failed, refusing: %s", exc)
            raise ErrorEnvelope.of("configuration_error") from None

    async def issue_challenge(self, raw_commitment: str) -> Challenge:
        operators = self._live_allowlist()
        if len(raw_commitment) > MAX_COMMITMENT_CHARS:
            raise ErrorEnvelope.of(
                "invalid_input", f"commitment must be at most {MAX_COMMITMENT_CHARS} characters"
            )
        commitment = _normalized(raw_commitment)
        shown = commitment or raw_commitment
        self._budget.spend("challenge", commitment or MALFORMED)
        nonce = secrets.token_hex(32)
        expires_at = rfc3339(datetime.now(UTC) + timedelta(seconds=self._challenge_ttl))
        digest = word_to_hex(
            operator_challenge_digest(commitment=shown, domain=DOMAIN, expires_at=expires_at, nonce=nonce)
        )
        if commitment is not None and commitment in operators:
            payload = json.dumps({"kind": "operator_digest", "signing_digest": digest})
            await self._store.issue_challenge(
                Realm.OPERATOR, commitment, digest, payload, self._challenge_ttl, MAX_OUTSTANDING
            )
            log.info("operator challenge issued")
        else:
            log.info("operator challenge issued as a decoy (nothing stored)")
        return Challenge(DOMAIN, shown, nonce, expires_at, digest)

    async def verify(self, raw_commitment: str, signature_hex: str) -> Session:
        operators = self._live_allowlist()
        # Refused before the budget: a malformed commitment never becomes a key (it cannot log in anyway).
        commitment = None if len(raw_commitment) > MAX_COMMITMENT_CHARS else _normalized(raw_commitment)
        if commitment is None:
            raise _failed("malformed commitment")
        self._budget.spend("verify", commitment)
        operator = operators.get(commitment)
        if operator is None:
            raise _failed("commitment not allowlisted")
        digits = signature_hex[2:] if signature_hex[:2] in ("0x", "0X") else signature_hex
        if len(digits) != SIGNATURE_HEX_CHARS:
            raise _failed("signature is not 1524 bytes")
        try:
            signature = decode_signature(bytes.fromhex(digits))
        except (ValueError, CryptoInputError):
            raise _failed("malformed signature") from None
        if word_to_hex(public_key_commitment(signature.public_key)) != commitment:
            raise _failed("signature key does not match the commitment")

        challenges = await self._store.active_challenges(Realm.OPERATOR, commitment)
        digests = [word_from_hex(c.key) for c in challenges]
        raw_signature = bytes.fromhex(digits)
        if self._offload is None:
            matched = await asyncio.to_thread(matching_challenge, raw_signature, digests)
        else:
            matched = await self._offload.run(matching_challenge, raw_signature, digests)
        if matched is None:
            raise _failed("no active challenge verifies")
        if not await self._store.consume_challenge(Realm.OPERATOR, commitment, challenges[matched].key):
            raise _failed("challenge already consumed")

        token = mint_operator_token()
        subject = json.dumps(
            {"realm": "operator", "operator_id": operator.operator_id, "commitment": commitment}
        )
        expires_at = await self._store.insert_session(
            Realm.OPERATOR, storage_key(token), subject, self._session_ttl
        )
        log.info("operator session started")
        return Session(token, operator.operator_id, expires_at, self._session_ttl)

    async def authenticate(self, token: str) -> Operator:
        if not well_formed(token, OPERATOR_TOKEN):
            raise ErrorEnvelope.of("authentication_failed")
        operators = self._live_allowlist()
        key = storage_key(token)
        session = await self._store.get_session(Realm.OPERATOR, key)
        if session is None:
            raise ErrorEnvelope.of("authentication_failed")
        subject = json.loads(session.subject_json)
        if subject.get("realm") != "operator":
            raise ErrorEnvelope.of("authentication_failed")
        operator = operators.get(str(subject.get("commitment")))
        if operator is None:
            # Removed from the allowlist: the session is revoked for good, even if the key comes back.
            await self._store.revoke_session(Realm.OPERATOR, key)
            log.info("session of a de-allowlisted operator revoked")
            raise ErrorEnvelope.of("authentication_failed")
        return operator

    async def logout(self, token: str) -> bool:
        if not well_formed(token, OPERATOR_TOKEN):
            return False
        return await self._store.revoke_session(Realm.OPERATOR, storage_key(token))
