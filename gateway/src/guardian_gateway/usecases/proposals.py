"""The four /delta/proposal routes (docs/proposals.md), each two internal calls in sequence: auth's
AuthorizeRequest (the account, the signature against its cosigners, the replay floor), then one DeltaProposals
call on the coordinator, which decides atomically under the account lock. Bad input is refused by the route
before the first call.

Create reads the state with the authorisation (one snapshot), computes the proposal's commitment and its new
state commitment (offloaded: hashing a state is costly), and the coordinator re-checks that the state did not
move meanwhile. A cosigner's signature is its signed PUT request itself: the coordinator records the
request's signature, timestamp and the signer commitment auth verified."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from guardian.coordinator.v1 import proposals_pb2 as ppb
from guardian_common.envelope import ErrorEnvelope
from guardian_common.offload import INLINE_MAX_BYTES
from guardian_gateway.api.custody_checks import inactive_refusal
from guardian_gateway.api.signed import Credentials
from guardian_gateway.api.state import GatewayState
from guardian_gateway.domain.json_values import stored_object
from guardian_gateway.domain.proposals import proposal_commitments
from guardian_gateway.usecases.authorize import authorize
from guardian_network import InvalidDelta

# GET /delta/proposal answers one page of the account's pending proposals, newest nonce first.
LIST_LIMIT = 500


@dataclass(frozen=True)
class NewProposal:
    account_id: str
    nonce: int
    delta_payload: dict[str, Any]
    signed_payload: bytes  # the canonical request body the signature covers


def _refusal(outcome: int, account: Any) -> ErrorEnvelope:
    if outcome == ppb.PROPOSAL_OUTCOME_ACCOUNT_NOT_FOUND:
        return ErrorEnvelope.of("account_not_found")
    if outcome in (ppb.PROPOSAL_OUTCOME_PAUSED, ppb.PROPOSAL_OUTCOME_RELEASED):
        refusal = inactive_refusal(account)
        if refusal is not None:
            return refusal
    if outcome == ppb.PROPOSAL_OUTCOME_CONFLICT:
        return ErrorEnvelope.of("conflict_pending_delta")
    if outcome == ppb.PROPOSAL_OUTCOME_NOT_FOUND:
        return ErrorEnvelope.of("proposal_not_found")
    if outcome == ppb.PROPOSAL_OUTCOME_ALREADY_SIGNED:
        return ErrorEnvelope.of("proposal_already_signed")
    return ErrorEnvelope.of("internal_error")


async def create_proposal(state: GatewayState, creds: Credentials, proposal: NewProposal) -> ppb.Proposal:
    authorized = await authorize(
        state, proposal.account_id, creds, proposal.signed_payload, include_state=True
    )
    if not authorized.HasField("state"):
        raise ErrorEnvelope.of("state_not_found")
    prev_commitment = authorized.state.commitment
    current = stored_object(authorized.state.state_json)
    try:
        commitment, new_commitment = await state.offload.run(
            proposal_commitments,
            proposal.account_id,
            proposal.nonce,
            prev_commitment,
            current,
            proposal.delta_payload,
            inline=len(authorized.state.state_json) + len(proposal.signed_payload) <= INLINE_MAX_BYTES,
        )
    except InvalidDelta as exc:
        raise ErrorEnvelope.of("invalid_delta", f"the delta cannot be applied: {exc}") from None
    reply = await state.coordinator.create_proposal(
        ppb.CreateProposalRequest(
            account_id=proposal.account_id,
            commitment=commitment,
            nonce=proposal.nonce,
            prev_commitment=prev_commitment,
            new_commitment=new_commitment,
            delta_payload_json=json.dumps(proposal.delta_payload),
            proposer_id=authorized.signer_commitment,
        )
    )
    if reply.outcome in (ppb.PROPOSAL_OUTCOME_CREATED, ppb.PROPOSAL_OUTCOME_EXISTING):
        return reply.proposal
    if reply.outcome == ppb.PROPOSAL_OUTCOME_LIMIT_REACHED:
        raise ErrorEnvelope.of("too_many_pending_proposals", max_pending=reply.max_pending)
    if reply.outcome == ppb.PROPOSAL_OUTCOME_COMMITMENT_MISMATCH:
        # The state moved between the authorisation's read and the write: build on the new one.
        raise ErrorEnvelope.of(
            "commitment_mismatch", expected=reply.expected_commitment, actual=prev_commitment
        )
    raise _refusal(reply.outcome, reply.account)


def _signature_hex(raw: str) -> str:
    """x-signature as auth read it: every leading 0x stripped; stored lowercase."""
    text = raw.strip()
    while text[:2] in ("0x", "0X"):
        text = text[2:]
    return text.lower()


async def sign_proposal(
    state: GatewayState, creds: Credentials, account_id: str, commitment: str, signed_payload: bytes
) -> ppb.Proposal:
    authorized = await authorize(state, account_id, creds, signed_payload)
    reply = await state.coordinator.sign_proposal(
        ppb.SignProposalRequest(
            account_id=account_id,
            commitment=commitment,
            signer_id=authorized.signer_commitment,
            signature=_signature_hex(creds.signature),
            timestamp_ms=authorized.timestamp_ms,
        )
    )
    if reply.outcome == ppb.PROPOSAL_OUTCOME_SIGNED:
        return reply.proposal
    raise _refusal(reply.outcome, reply.account)


async def list_proposals(
    state: GatewayState, creds: Credentials, account_id: str, signed_payload: bytes
) -> list[ppb.Proposal]:
    await authorize(state, account_id, creds, signed_payload)
    reply = await state.coordinator.list_account_proposals(
        ppb.ListAccountProposalsRequest(account_id=account_id, limit=LIST_LIMIT, include_payloads=True)
    )
    return list(reply.proposals)


async def get_proposal(
    state: GatewayState, creds: Credentials, account_id: str, commitment: str, signed_payload: bytes
) -> ppb.Proposal:
    await authorize(state, account_id, creds, signed_payload)
    proposal = await state.coordinator.get_proposal(account_id, commitment)
    if proposal is None:
        raise ErrorEnvelope.of("proposal_not_found")
    return proposal
