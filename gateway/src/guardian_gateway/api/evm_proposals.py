"""EVM smart accounts and multisig proposals (docs/contracts/auth.md §3.7; docs/gateway.md, "EVM accounts
and proposals"). Every route needs the `guardian_evm_session` cookie; the wallet behind it is the signer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import JSONResponse

from guardian.coordinator.v1 import evm_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.bodies import json_object_body
from guardian_gateway.api.custody_checks import query_value
from guardian_gateway.api.responses import error_responses
from guardian_gateway.api.sessions import required_token
from guardian_gateway.api.state import GatewayState, State
from guardian_gateway.api.views import optional_time
from guardian_gateway.clients.evm_rpc import EvmRpc
from guardian_gateway.clients.evm_store import EvmStoreClient
from guardian_gateway.domain.cookies import EVM
from guardian_gateway.domain.evm_proposals import (
    EvmAccountRef,
    normalize_address,
    parse_account_id,
    parse_chain_id,
    parse_hash,
    parse_nonce,
    parse_payload,
    parse_proposal_id,
    parse_signature,
    parse_ttl,
)
from guardian_gateway.usecases import evm_proposals as usecase
from guardian_gateway.usecases.evm_proposals import EvmServices, NewProposal

router = APIRouter(tags=["evm"])
READS = error_responses(400, 401, 403, 404, 429, 500, 502, 503)
WRITES = error_responses(400, 401, 403, 404, 409, 413, 415, 429, 500, 502, 503)
AccountId = Annotated[str | None, Query(description="evm:<chain id>:<lowercase account address>")]


def services(request: Request, state: GatewayState) -> EvmServices:
    """One store client (on the coordinator's channel) and one JSON-RPC client per app, made on first use."""
    made = getattr(request.app.state, "evm_services", None)
    if not isinstance(made, EvmServices):
        made = EvmServices(
            EvmStoreClient(state.coordinator.channel, state.coordinator.deadline_seconds),
            EvmRpc(state.runtime.evm_chains, state.runtime.evm_rpc_timeout_seconds),
        )
        request.app.state.evm_services = made
    return made


async def session_wallet(request: Request, state: GatewayState) -> str:
    principal = await state.sessions.evm(required_token(request, EVM))
    return str(principal.address).lower()


def account_query(request: Request) -> EvmAccountRef:
    raw = query_value(request, "account_id")
    if raw is None:
        raise ErrorEnvelope.of("invalid_input", "query parameter 'account_id' is required")
    return parse_account_id(raw)


def proposal_json(proposal: pb.EvmProposal) -> dict[str, Any]:
    """The reference's EvmProposal shape: times in unix milliseconds, nonces as decimal strings."""
    return {
        "proposal_id": proposal.proposal_id,
        "account_id": proposal.account_id,
        "chain_id": proposal.chain_id,
        "smart_account_address": proposal.smart_account_address,
        "validator_address": proposal.validator_address,
        "user_op_hash": proposal.user_op_hash,
        "payload": proposal.payload,
        "nonce": proposal.nonce,
        "nonce_key": proposal.nonce_key,
        "proposer": proposal.proposer,
        "signer_snapshot": list(proposal.signer_snapshot),
        "threshold": proposal.threshold,
        "signatures": [
            {"signer": s.signer, "signature": s.signature, "signed_at": s.signed_at_ms}
            for s in proposal.signatures
        ],
        "created_at": proposal.created_at_ms,
        "expires_at": proposal.expires_at_ms,
    }


def is_evm_account_id(account_id: str) -> bool:
    return account_id.startswith("evm:")


async def set_evm_paused(
    request: Request, state: GatewayState, account_id: str, paused: bool, operator: str, reason: str | None
) -> JSONResponse:
    """The dashboard's pause and unpause for an EVM account id: the same answer shapes and audit as for a
    json-network account (docs/dashboard.md); the account's EVM create, approve and cancel then get 409."""
    ref = parse_account_id(account_id)
    reply = await services(request, state).store.set_paused(ref.account_id, paused, operator, reason)
    if not reply.found:
        raise ErrorEnvelope.of("account_not_found")
    answer: dict[str, Any] = {
        "account_id": ref.account_id,
        "before_state": reply.before_state,
        "after_state": reply.after_state,
    }
    if paused:
        answer |= {
            "paused_at": optional_time(reply.account, "paused_at"),
            "paused_reason": reply.account.paused_reason,
        }
    else:
        answer["reason"] = reason
    return JSONResponse(answer)


@router.post("/evm/accounts", responses=WRITES)
async def register_account(request: Request, state: State) -> JSONResponse:
    """Body `{chain_id, account_address, multisig_validator_address}`. The chain must show the validator
    installed and the session wallet among its signers."""
    session = await session_wallet(request, state)
    body = await json_object_body(request)
    chain_id = parse_chain_id(body.get("chain_id"))
    address = normalize_address(body.get("account_address"), "account_address")
    validator = normalize_address(body.get("multisig_validator_address"), "multisig_validator_address")
    account = await usecase.register_account(services(request, state), session, chain_id, address, validator)
    return JSONResponse(
        {
            "account_id": account.account_id,
            "chain_id": account.chain_id,
            "account_address": account.account_address,
            "multisig_validator_address": account.multisig_validator_address,
            "signers": list(account.signers),
            "threshold": account.threshold,
        }
    )


@router.post("/evm/proposals", responses=WRITES)
async def create_proposal(request: Request, state: State) -> JSONResponse:
    """Body `{account_id, user_op_hash, payload, nonce, ttl_seconds, signature}`; `signature` is the
    session wallet's raw signature over the 32-byte user_op_hash. An identical active proposal is returned
    as it is."""
    session = await session_wallet(request, state)
    body = await json_object_body(request)
    new = NewProposal(
        account=parse_account_id(body.get("account_id")),
        user_op_hash=parse_hash(body.get("user_op_hash")),
        payload=parse_payload(body.get("payload")),
        nonce=parse_nonce(body.get("nonce")),
        ttl_seconds=parse_ttl(body.get("ttl_seconds")),
        signature=parse_signature(body.get("signature")),
    )
    proposal = await usecase.create_proposal(services(request, state), session, new)
    return JSONResponse(proposal_json(proposal))


@router.get("/evm/proposals", responses=READS)
async def list_proposals(request: Request, state: State, account_id: AccountId = None) -> JSONResponse:
    """Active proposals, oldest first; expired and nonce-advanced ones are deleted on the way."""
    session = await session_wallet(request, state)
    ref = account_query(request)
    proposals = await usecase.list_proposals(services(request, state), session, ref)
    return JSONResponse({"proposals": [proposal_json(p) for p in proposals]})


@router.get("/evm/proposals/{proposal_id}", responses=READS)
async def get_proposal(
    request: Request, state: State, proposal_id: str, account_id: AccountId = None
) -> JSONResponse:
    session = await session_wallet(request, state)
    ref, pid = account_query(request), parse_proposal_id(proposal_id)
    return JSONResponse(
        proposal_json(await usecase.get_proposal(services(request, state), session, ref, pid))
    )


@router.post("/evm/proposals/{proposal_id}/approve", responses=WRITES)
async def approve_proposal(request: Request, state: State, proposal_id: str) -> JSONResponse:
    """Body `{account_id, signature}`: the session wallet's raw signature over the proposal's user_op_hash."""
    session = await session_wallet(request, state)
    pid = parse_proposal_id(proposal_id)
    body = await json_object_body(request)
    ref = parse_account_id(body.get("account_id"))
    signature = parse_signature(body.get("signature"))
    proposal = await usecase.approve(services(request, state), session, ref, pid, signature)
    return JSONResponse(proposal_json(proposal))


@router.get("/evm/proposals/{proposal_id}/executable", responses=READS)
async def executable_proposal(
    request: Request, state: State, proposal_id: str, account_id: AccountId = None
) -> JSONResponse:
    """`{hash, payload, signatures, signers}` once the threshold is met (else 400 insufficient_signatures)."""
    session = await session_wallet(request, state)
    ref, pid = account_query(request), parse_proposal_id(proposal_id)
    proposal = await usecase.executable(services(request, state), session, ref, pid)
    return JSONResponse(
        {
            "hash": proposal.user_op_hash,
            "payload": proposal.payload,
            "signatures": [s.signature for s in proposal.signatures],
            "signers": [s.signer for s in proposal.signatures],
        }
    )


@router.post("/evm/proposals/{proposal_id}/cancel", responses=WRITES)
async def cancel_proposal(request: Request, state: State, proposal_id: str) -> JSONResponse:
    """Body `{account_id}`. Only the proposer may cancel (403 authorization_failed)."""
    session = await session_wallet(request, state)
    pid = parse_proposal_id(proposal_id)
    ref = parse_account_id((await json_object_body(request)).get("account_id"))
    await usecase.cancel(services(request, state), session, ref, pid)
    return JSONResponse({"success": True})
