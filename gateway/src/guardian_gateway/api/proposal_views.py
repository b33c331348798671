"""Delta proposals as the JSON objects of the API (docs/proposals.md): the proposal object of the
/delta/proposal routes and the dashboard's ProposalEntry (docs/contracts/auth.md §2.13)."""

from __future__ import annotations

from typing import Any

from guardian.coordinator.v1 import proposals_pb2 as ppb
from guardian_gateway.api.views import rfc3339
from guardian_gateway.domain.json_values import stored_object


def _status(proposal: ppb.Proposal) -> dict[str, Any]:
    finalized = proposal.state == ppb.PROPOSAL_STATE_FINALIZED
    status: dict[str, Any] = {
        "status": "finalized" if finalized else "pending",
        "timestamp": rfc3339(proposal.finalized_at if finalized else proposal.created_at),
        "proposer_id": proposal.proposer_id,
        "cosigner_sigs": [
            {
                "signer_id": s.signer_id,
                "signature": s.signature,
                "timestamp": rfc3339(s.signed_at),
                "request_timestamp_ms": s.timestamp_ms,
            }
            for s in proposal.signatures
        ],
    }
    if not finalized:
        status["superseded"] = proposal.state == ppb.PROPOSAL_STATE_SUPERSEDED
    return status


def proposal_object(proposal: ppb.Proposal) -> dict[str, Any]:
    """A DeltaObject whose status is the proposal's, plus its `commitment` and `signatures_required`."""
    return {
        "account_id": proposal.account_id,
        "nonce": proposal.nonce,
        "prev_commitment": proposal.prev_commitment,
        "new_commitment": proposal.new_commitment,
        "delta_payload": stored_object(proposal.delta_payload_json),
        "ack_sig": "",
        "ack_pubkey": "",
        "ack_scheme": "",
        "status": _status(proposal),
        "commitment": proposal.commitment,
        "signatures_required": proposal.signatures_required,
    }


def proposal_entry(proposal: ppb.Proposal, *, with_account: bool) -> dict[str, Any]:
    """The dashboard's ProposalEntry (GlobalProposalEntry with the account id)."""
    entry: dict[str, Any] = {}
    if with_account:
        entry["account_id"] = proposal.account_id
    entry.update(
        {
            "commitment": proposal.commitment,
            "nonce": proposal.nonce,
            "prev_commitment": proposal.prev_commitment,
            "new_commitment": proposal.new_commitment,
            "originating_timestamp": rfc3339(proposal.created_at),
            "proposer_id": proposal.proposer_id,
            "signatures_collected": len(proposal.signatures),
            "signatures_required": proposal.signatures_required,
            "proposal_type": None,
            "superseded": proposal.state == ppb.PROPOSAL_STATE_SUPERSEDED,
        }
    )
    return entry
