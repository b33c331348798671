"""The multisig delta proposals of the json network (docs/proposals.md; docs/client-api.md "Proposals"):
signed per-account requests like the other routes of api/custody.py, parsed and checked here, served by
usecases/proposals.py. Bad input is refused before the signature is verified."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import JSONResponse

from guardian_common.account_auth import check_commitment
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.bodies import json_object_body
from guardian_gateway.api.custody_checks import check_nonce, query_value
from guardian_gateway.api.proposal_views import proposal_object
from guardian_gateway.api.responses import error_responses
from guardian_gateway.api.signed import credentials
from guardian_gateway.api.state import State
from guardian_gateway.domain.accounts import check_account_id
from guardian_gateway.domain.commitments import check_payload_shape
from guardian_gateway.domain.json_values import canonical_bytes
from guardian_gateway.usecases import proposals
from guardian_network import InvalidDelta

router = APIRouter(tags=["client"])
SIGNED = error_responses(400, 401, 404, 409, 413, 415, 429, 500, 503)
AccountIdQuery = Annotated[str | None, Query(description="0x + 30 lowercase hex")]
CommitmentQuery = Annotated[str | None, Query(description="the proposal's commitment, 0x + 64 lowercase hex")]
SIGN_ACTION = "sign_proposal"


@router.post("/delta/proposal", responses=SIGNED)
async def create_proposal(request: Request, state: State) -> JSONResponse:
    """Propose a delta `{account_id, nonce, delta_payload: {"patch": …}}` built on the account's current state:
    `{"delta": Proposal, "commitment"}`. Signed payload: the raw body. An identical pending proposal is
    answered as it is."""
    creds = credentials(request)
    body = await json_object_body(request)
    account_id = check_account_id(body.get("account_id"))
    nonce = check_nonce(body.get("nonce"))
    delta_payload = body.get("delta_payload")
    if not isinstance(delta_payload, dict):
        raise ErrorEnvelope.of("invalid_input", "delta_payload must be a JSON object")
    payload = canonical_bytes(body, "request body")
    try:
        check_payload_shape(delta_payload)
    except InvalidDelta as exc:
        raise ErrorEnvelope.of("invalid_delta", f"the delta cannot be applied: {exc}") from None
    created = await proposals.create_proposal(
        state, creds, proposals.NewProposal(account_id, nonce, delta_payload, payload)
    )
    return JSONResponse({"delta": proposal_object(created), "commitment": created.commitment})


@router.get("/delta/proposal", responses=SIGNED)
async def list_proposals(request: Request, state: State, account_id: AccountIdQuery = None) -> JSONResponse:
    """The account's pending proposals, newest nonce first, superseded ones flagged:
    `{"proposals": [Proposal]}`. Signed payload: `{"account_id": …}`."""
    creds = credentials(request)
    checked = check_account_id(query_value(request, "account_id"))
    signed = canonical_bytes({"account_id": checked}, "query")
    listed = await proposals.list_proposals(state, creds, checked, signed)
    return JSONResponse({"proposals": [proposal_object(p) for p in listed]})


@router.put("/delta/proposal", responses=SIGNED)
async def sign_proposal(request: Request, state: State) -> JSONResponse:
    """Sign a pending proposal `{account_id, commitment}` as one of the account's cosigners: the signed request
    is the signature recorded. Signed payload: `{"account_id", "commitment", "action": "sign_proposal"}`."""
    creds = credentials(request)
    body = await json_object_body(request)
    account_id = check_account_id(body.get("account_id"))
    commitment = check_commitment(body.get("commitment"), "commitment")
    signed = canonical_bytes(
        {"account_id": account_id, "commitment": commitment, "action": SIGN_ACTION}, "request body"
    )
    signed_proposal = await proposals.sign_proposal(state, creds, account_id, commitment, signed)
    return JSONResponse(proposal_object(signed_proposal))


@router.get("/delta/proposal/single", responses=SIGNED)
async def get_proposal(
    request: Request, state: State, account_id: AccountIdQuery = None, commitment: CommitmentQuery = None
) -> JSONResponse:
    """One proposal, pending or finalized. Signed payload: `{"account_id", "commitment"}`."""
    creds = credentials(request)
    checked = check_account_id(query_value(request, "account_id"))
    checked_commitment = check_commitment(query_value(request, "commitment"), "commitment")
    signed: dict[str, Any] = {"account_id": checked, "commitment": checked_commitment}
    found = await proposals.get_proposal(
        state, creds, checked, checked_commitment, canonical_bytes(signed, "query")
    )
    return JSONResponse(proposal_object(found))
