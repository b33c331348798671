"""Per-account request authentication (docs/contracts/client-api.md §4): freshness window, signature against the
account's authorised cosigners, then the per-signer replay floor.

The cheap checks (timestamp, window, cosigner list) come first. The digest of the payload (RPO256 of up to
1 MiB: hundreds of ms) and the signature check run together in `signer_of`, a function of plain data that the
authenticator hands to its bounded worker pool (guardian_common.offload) unless the payload is small; a saturated
pool refuses at once with a retryable 503."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import Enum

from guardian_auth.domain.stores import FloorOutcome, ReplayFloor
from guardian_common.account_auth import SCHEMES
from guardian_common.envelope import ErrorEnvelope
from guardian_common.offload import INLINE_MAX_BYTES, Offload
from guardian_crypto import ecdsa
from guardian_crypto.digests import request_digest
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.falcon_codec import SIGNATURE_LEN as FALCON_SIGNATURE_LEN
from guardian_crypto.falcon_codec import decode_signature
from guardian_crypto.falcon_verify import PreparedSignature, prepare
from guardian_crypto.field import Word, word_to_hex

log = logging.getLogger(__name__)

WINDOW_MS = 300_000
# Rust's i64::from_str: an optional sign, then decimal digits.
_TIMESTAMP = re.compile(r"[+-]?[0-9]{1,19}")
_HEX = re.compile(r"[0-9a-fA-F]*")
MAX_SIGNATURE_HEX = 16_384


class Scheme(Enum):
    FALCON = "falcon"
    ECDSA = "ecdsa"


# The stored auth method label of each scheme (guardian_common.account_auth.SCHEMES, inverted).
METHODS = {Scheme(scheme): method for method, scheme in SCHEMES.items()}


@dataclass(frozen=True)
class SignedRequest:
    account_id: str
    pubkey: str
    signature: str
    timestamp: str
    payload: bytes
    scheme: Scheme
    cosigners: Collection[str]
    consume_timestamp: bool


@dataclass(frozen=True)
class Verified:
    signer_commitment: str
    timestamp_ms: int


class SignatureRefused(Exception):
    """Why a signature was refused; raised in a worker process, so it carries only its reason (picklable)."""


def refused(reason: str) -> ErrorEnvelope:
    """The 401 of a request that does not authenticate; the reason is logged, never sent."""
    log.info("request authentication failed: %s", reason)
    return ErrorEnvelope.of("authentication_failed")


def parse_timestamp(raw: str) -> int:
    """Decimal i64 milliseconds (a leading `+` is accepted, as upstream)."""
    text = raw.strip()
    if not _TIMESTAMP.fullmatch(text):
        raise refused("x-timestamp is not a decimal integer")
    value = int(text)
    if not -(1 << 63) <= value < (1 << 63):
        raise refused("x-timestamp does not fit in i64")
    return value


def hex_bytes(raw: str, what: str) -> bytes:
    """Hex with every leading `0x` stripped (as upstream)."""
    text = raw.strip()
    while text[:2] in ("0x", "0X"):
        text = text[2:]
    if len(text) > MAX_SIGNATURE_HEX or len(text) % 2 or not _HEX.fullmatch(text):
        raise SignatureRefused(f"{what} is not hex")
    return bytes.fromhex(text)


def _digest(account_id: str, timestamp_ms: int, payload: bytes) -> Word:
    try:
        return request_digest(account_id, timestamp_ms, payload)
    except (CryptoInputError, ValueError) as exc:
        raise SignatureRefused(f"no digest: {exc}") from None


def _falcon_key(signature: bytes) -> PreparedSignature:
    """The key embedded in a Falcon signature, ready to verify; trailing bytes are ignored."""
    try:
        return prepare(decode_signature(signature, allow_trailing=True))
    except (CryptoInputError, ValueError) as exc:
        raise SignatureRefused(f"falcon signature does not decode: {exc}") from None


def _recovered(digest: Word, signature: bytes) -> str | None:
    """The commitment of the key an ECDSA signature recovers to (recovery proves the signature); None if none."""
    try:
        return word_to_hex(ecdsa.public_key_commitment(ecdsa.recover_public_key(digest, signature)))
    except CryptoInputError:
        return None


def _named_key(pubkey_raw: str) -> tuple[bytes, str]:
    """x-pubkey's key (its first 33 bytes) and its commitment."""
    key = hex_bytes(pubkey_raw, "x-pubkey")[: ecdsa.PUBLIC_KEY_LEN]
    try:
        return key, word_to_hex(ecdsa.public_key_commitment(key))
    except CryptoInputError:
        raise SignatureRefused("x-pubkey is not a compressed secp256k1 key") from None


def falcon_signer(signature: bytes, digest: Callable[[], Word], cosigners: Collection[str]) -> str:
    """The key is the one embedded in the signature. The digest is computed only once the embedded key is known
    to be a cosigner."""
    prepared = _falcon_key(signature)
    commitment = word_to_hex(prepared.commitment)
    if commitment not in cosigners:
        raise SignatureRefused("falcon key is not an authorised cosigner")
    if not prepared.verifies(digest()):
        raise SignatureRefused("falcon signature does not verify")
    return commitment


def ecdsa_signer(signature: bytes, pubkey_raw: str, digest: Word, cosigners: Collection[str]) -> str:
    """The recovered key if it is authorised; else x-pubkey's key, which must be authorised and verify."""
    recovered = _recovered(digest, signature)
    if recovered is not None and recovered in cosigners:
        return recovered
    key, commitment = _named_key(pubkey_raw)
    if commitment not in cosigners:
        raise SignatureRefused("ecdsa key is not an authorised cosigner")
    if not ecdsa.verify(digest, signature, key):
        raise SignatureRefused("ecdsa signature does not verify")
    return commitment


@dataclass(frozen=True)
class Proof:
    """What a request signature proves before anyone looks at the account: the auth method whose scheme it was
    checked in and the cosigner commitments it could be from (ECDSA: the recovered key, then x-pubkey's key when
    that differs and verifies too). `refusal` says why nothing is proven (candidates then empty)."""

    timestamp_ms: int
    auth_method: str
    candidates: list[str]
    refusal: str = ""


def proven_signers(
    account_id: str, timestamp_ms: int, payload: bytes, signature_hex: str, pubkey: str
) -> Proof:
    """Plain data in and out, like `signer_of`, built from the same checks; the scheme is told by the signature's
    length (an ECDSA signature is 65 bytes, a Falcon one at least 1524), and the account decides later whether
    that was its scheme."""
    try:
        signature = hex_bytes(signature_hex, "x-signature")
        digest = _digest(account_id, timestamp_ms, payload)
        if len(signature) >= FALCON_SIGNATURE_LEN:
            prepared = _falcon_key(signature)
            if not prepared.verifies(digest):
                raise SignatureRefused("falcon signature does not verify")
            return Proof(timestamp_ms, METHODS[Scheme.FALCON], [word_to_hex(prepared.commitment)])
        recovered = _recovered(digest, signature)
        candidates = [] if recovered is None else [recovered]
        with contextlib.suppress(SignatureRefused):  # no usable x-pubkey
            key, named = _named_key(pubkey)
            if named not in candidates and ecdsa.verify(digest, signature, key):
                candidates.append(named)
        if not candidates:
            raise SignatureRefused("ecdsa signature proves no key")
        return Proof(timestamp_ms, METHODS[Scheme.ECDSA], candidates)
    except SignatureRefused as reason:
        return Proof(timestamp_ms, METHODS[Scheme.ECDSA], [], str(reason))


def signer_of(
    scheme: Scheme,
    account_id: str,
    timestamp_ms: int,
    payload: bytes,
    signature_hex: str,
    pubkey: str,
    cosigners: frozenset[str],
) -> str:
    """The authorised cosigner whose signature this is, or SignatureRefused. Runs in a worker process for
    large payloads: plain data in, plain data out, nothing logged here."""
    signature = hex_bytes(signature_hex, "x-signature")
    if scheme is Scheme.FALCON:
        return falcon_signer(signature, lambda: _digest(account_id, timestamp_ms, payload), cosigners)
    return ecdsa_signer(signature, pubkey, _digest(account_id, timestamp_ms, payload), cosigners)


class RequestAuthenticator:
    def __init__(
        self,
        floor: ReplayFloor,
        clock_ms: Callable[[], int] | None = None,
        offload: Offload | None = None,
    ) -> None:
        """Without `offload`, every signature is checked on the caller's thread (tests, tools)."""
        self._floor = floor
        self._clock_ms = clock_ms or (lambda: time.time_ns() // 1_000_000)
        self._offload = offload

    async def prove(
        self, account_id: str, pubkey: str, signature: str, timestamp: str, payload: bytes
    ) -> Proof:
        """The window and the signature, before the account is read (a signed read in one step,
        domain/authorize.py). Never raises for a bad request: the refusal waits until the account is known to
        exist, because a missing account is answered before any authentication."""
        try:
            timestamp_ms = parse_timestamp(timestamp)
        except ErrorEnvelope:
            return Proof(0, METHODS[Scheme.ECDSA], [], "x-timestamp is not a decimal i64")
        if abs(self._clock_ms() - timestamp_ms) > WINDOW_MS:
            return Proof(0, METHODS[Scheme.ECDSA], [], "x-timestamp outside the ±300 s window")
        check = (account_id, timestamp_ms, payload, signature, pubkey)
        if self._offload is None:
            return proven_signers(*check)
        return await self._offload.run(proven_signers, *check, inline=len(payload) <= INLINE_MAX_BYTES)

    async def verify(self, request: SignedRequest) -> Verified:
        timestamp_ms = parse_timestamp(request.timestamp)
        if abs(self._clock_ms() - timestamp_ms) > WINDOW_MS:
            raise refused("x-timestamp outside the ±300 s window")
        if not request.cosigners:
            raise refused("the account has no authorised cosigner")
        check = (
            request.scheme,
            request.account_id,
            timestamp_ms,
            request.payload,
            request.signature,
            request.pubkey,
            frozenset(request.cosigners),
        )
        try:
            if self._offload is None:
                signer = signer_of(*check)
            else:
                small = len(request.payload) <= INLINE_MAX_BYTES
                signer = await self._offload.run(signer_of, *check, inline=small)
        except SignatureRefused as reason:
            raise refused(str(reason)) from None
        if request.consume_timestamp:
            outcome = await self._floor.advance(request.account_id, signer, timestamp_ms)
            if outcome is FloorOutcome.REPLAY:
                log.info("replayed timestamp for signer %s on %s", signer, request.account_id)
                raise ErrorEnvelope.of("authentication_replay")
            if outcome is FloorOutcome.ACCOUNT_NOT_FOUND:
                raise ErrorEnvelope.of("account_not_found")
        return Verified(signer, timestamp_ms)
