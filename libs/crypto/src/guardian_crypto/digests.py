"""The Words Guardian's clients sign: the operator challenge digest, the request digest and the lookup digest.

All are RPO256 hashes (not Poseidon2) over Goldilocks elements.
"""

import re
from functools import cache

from guardian_crypto import rpo
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.errors import AccountIdError
from guardian_crypto.field import P, Word, i64_to_element, to_word

LOOKUP_DOMAIN = b"guardian.lookup.v1"
_ACCOUNT_ID = re.compile(r"0x[0-9a-fA-F]{30}")


def operator_challenge_bytes(*, commitment: str, domain: str, expires_at: str, nonce: str) -> bytes:
    """Canonical JSON of the challenge payload (docs/contracts/auth.md §2.6)."""
    return canonical_json(
        {"commitment": commitment, "domain": domain, "expires_at": expires_at, "nonce": nonce}
    )


def operator_challenge_digest(*, commitment: str, domain: str, expires_at: str, nonce: str) -> Word:
    """The challenge's ``signing_digest``: RPO256 over the packed canonical JSON of the 4 payload fields."""
    return rpo.hash_bytes(
        operator_challenge_bytes(commitment=commitment, domain=domain, expires_at=expires_at, nonce=nonce)
    )


def account_id_elements(account_id: str) -> tuple[int, int]:
    """(prefix, suffix) of a 15-byte account id written as ``0x`` + 30 hex characters (either case).

    prefix = bytes 0..8 as a big-endian u64; suffix = bytes 8..15 followed by a zero byte, big-endian. Both
    must be field elements. Version and type bits of the id are not checked here.
    """
    if not isinstance(account_id, str) or not _ACCOUNT_ID.fullmatch(account_id):
        raise AccountIdError("an account id is 0x followed by 30 hex characters")
    raw = bytes.fromhex(account_id[2:])
    prefix = int.from_bytes(raw[:8], "big")
    suffix = int.from_bytes(raw[8:] + b"\x00", "big")
    if prefix >= P or suffix >= P:
        raise AccountIdError("account id does not encode two field elements")
    return prefix, suffix


def payload_word(payload: bytes) -> Word:
    """RPO256 of the packed payload bytes; empty bytes give the zero Word."""
    return rpo.hash_bytes(payload)


def request_digest(account_id: str, timestamp_ms: int, payload: bytes) -> Word:
    """docs/contracts/client-api.md §4.3: RPO256([id_prefix, id_suffix, timestamp, PayloadWord]) — 7 elements, no domain tag."""
    prefix, suffix = account_id_elements(account_id)
    return rpo.hash_elements([prefix, suffix, i64_to_element(timestamp_ms), *payload_word(payload)])


def lookup_digest(timestamp_ms: int, key_commitment: Word) -> Word:
    """docs/contracts/client-api.md §4.8: RPO256([domain tag Word, timestamp, key commitment Word])."""
    return rpo.hash_elements([*_lookup_tag(), i64_to_element(timestamp_ms), *to_word(key_commitment)])


@cache
def _lookup_tag() -> Word:
    return rpo.hash_bytes(LOOKUP_DOMAIN)
