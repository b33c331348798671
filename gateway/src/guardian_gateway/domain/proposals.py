"""What a delta proposal commits to (docs/proposals.md), as module-level functions of plain data so they can run
in an offload worker process (guardian_common.offload).

A proposal's commitment is the RPO256 Word of the canonical JSON of
`{"account_id", "nonce", "prev_commitment", "delta_payload"}` (sorted keys, compact, packed into 8-byte
little-endian elements: the packing of the request digest and of state commitments), as Word hex. The same
delta pushed with POST /delta carries the same four values, which is how its push finalizes it."""

from __future__ import annotations

from typing import Any

from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.field import word_to_hex
from guardian_crypto.rpo import hash_bytes
from guardian_network import JsonNetwork

NETWORK = JsonNetwork()


def proposal_document(
    account_id: str, nonce: int, prev_commitment: str, delta_payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "nonce": nonce,
        "prev_commitment": prev_commitment,
        "delta_payload": delta_payload,
    }


def proposal_commitment(
    account_id: str, nonce: int, prev_commitment: str, delta_payload: dict[str, Any]
) -> str:
    document = proposal_document(account_id, nonce, prev_commitment, delta_payload)
    return word_to_hex(hash_bytes(canonical_json(document)))


def proposal_commitments(
    account_id: str, nonce: int, prev_commitment: str, state: dict[str, Any], delta_payload: dict[str, Any]
) -> tuple[str, str]:
    """(the proposal's commitment, the commitment of the state it leads to). Raises InvalidDelta."""
    new_commitment = NETWORK.apply(state, delta_payload).commitment
    return proposal_commitment(account_id, nonce, prev_commitment, delta_payload), new_commitment
