"""Lookup authentication (docs/contracts/client-api.md §4.8), the auth half of GET /state/lookup: the caller
proves it holds the key whose commitment it asks about, so the list of that key's accounts is never given
to anyone else. Window only: no replay floor, as upstream (a lookup changes nothing)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from guardian_auth.domain.request_auth import WINDOW_MS, SignatureRefused, hex_bytes, parse_timestamp
from guardian_common.envelope import ErrorEnvelope
from guardian_crypto import ecdsa
from guardian_crypto.digests import lookup_digest
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.falcon_codec import decode_signature
from guardian_crypto.falcon_verify import prepare
from guardian_crypto.field import Word, word_from_hex, word_to_hex

log = logging.getLogger(__name__)

FALCON_SIGNATURE_BYTES = 1524
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def normalized_key_commitment(raw: str) -> str:
    """`0x`/`0X` optional, exactly 64 hex digits in either case, every limb below p; lowercase with `0x`."""
    digits = raw[2:] if raw[:2] in ("0x", "0X") else raw
    if not _HEX64.fullmatch(digits):
        raise ErrorEnvelope.of("invalid_input", "key_commitment must be 64 hex digits, 0x optional")
    try:
        return word_to_hex(word_from_hex(digits))
    except (CryptoInputError, ValueError):
        raise ErrorEnvelope.of(
            "invalid_input", "key_commitment is not a Word (a limb is not below p)"
        ) from None


def lookup_signer(signature: bytes, digest: Word) -> str:
    """The commitment of the key that signed `digest`: exactly 1524 bytes is a Falcon signature (its key
    embedded), anything else an ECDSA signature whose key is recovered."""
    try:
        if len(signature) == FALCON_SIGNATURE_BYTES:
            prepared = prepare(decode_signature(signature))
            if not prepared.verifies(digest):
                raise SignatureRefused("falcon lookup signature does not verify")
            return word_to_hex(prepared.commitment)
        return word_to_hex(ecdsa.public_key_commitment(ecdsa.recover_public_key(digest, signature)))
    except (CryptoInputError, ValueError) as exc:
        raise SignatureRefused(f"lookup signature does not decode: {exc}") from None


class LookupAuthenticator:
    def __init__(self, clock_ms: Callable[[], int] | None = None) -> None:
        self._clock_ms = clock_ms or (lambda: time.time_ns() // 1_000_000)

    def verify(self, key_commitment: str, signature_hex: str, timestamp: str) -> str:
        """The normalised commitment, once the signature proves its key; 400 for a malformed commitment
        (before anything else, as upstream), 401 otherwise."""
        commitment = normalized_key_commitment(key_commitment)
        timestamp_ms = parse_timestamp(timestamp)
        if abs(self._clock_ms() - timestamp_ms) > WINDOW_MS:
            log.info("lookup refused: x-timestamp outside the ±300 s window")
            raise ErrorEnvelope.of("authentication_failed")
        try:
            signer = lookup_signer(
                hex_bytes(signature_hex, "x-signature"),
                lookup_digest(timestamp_ms, word_from_hex(commitment)),
            )
        except SignatureRefused as refused:
            log.info("lookup refused: %s", refused)
            raise ErrorEnvelope.of("authentication_failed") from None
        if signer != commitment:
            log.info("lookup refused: the signing key is not the one looked up")
            raise ErrorEnvelope.of("authentication_failed")
        return commitment
