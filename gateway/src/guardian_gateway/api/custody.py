"""The per-account API of the json network type (docs/contracts/client-api.md §2; docs/client-api.md): signed requests,
checked by auth, served from the coordinator's custody store."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import JSONResponse

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_common.account_auth import check_commitment, parse_auth, stored_auth
from guardian_common.envelope import ErrorEnvelope
from guardian_common.offload import INLINE_MAX_BYTES
from guardian_gateway.api.bodies import json_object_body
from guardian_gateway.api.custody_checks import (
    check_nonce,
    query_nonce,
    query_value,
    refuse_inactive,
    resolve_account,
)
from guardian_gateway.api.responses import error_responses
from guardian_gateway.api.signed import Credentials, credentials, verify
from guardian_gateway.api.state import State
from guardian_gateway.api.views import KINDS, delta_object, rfc3339, state_object
from guardian_gateway.domain.accounts import check_account_id, parse_network_config
from guardian_gateway.domain.commitments import check_payload_shape, state_commitment
from guardian_gateway.domain.json_values import canonical_bytes, stored_object
from guardian_gateway.usecases import push
from guardian_network import InvalidDelta

router = APIRouter(tags=["client"])
SIGNED = error_responses(400, 401, 404, 409, 413, 415, 429, 500, 503)
AccountIdQuery = Annotated[str | None, Query(description="0x + 30 lowercase hex")]
NonceQuery = Annotated[str | None, Query(description="base-10 u64")]
SINCE_PAGE = 500


@router.get("/pubkey", responses=error_responses(429, 500, 503))
async def pubkey(
    state: State, scheme: Annotated[str | None, Query(description="ignored: the ack key is ECDSA")] = None
) -> JSONResponse:
    """The server's acknowledgement key: `{commitment, pubkey}` (always the ECDSA key)."""
    key = await state.auth.ack_key(scheme or "")
    return JSONResponse({"commitment": key.commitment, "pubkey": key.public_key})


@router.post("/configure", responses=SIGNED)
async def configure(request: Request, state: State) -> JSONResponse:
    """Create an account (signed by one of the submitted cosigners) or replace its auth (signed by one of
    the stored cosigners). An existing account keeps its state."""
    creds = credentials(request)
    body = await json_object_body(request)
    account_id = check_account_id(body.get("account_id"))
    auth = parse_auth(body.get("auth"))
    initial_state = body.get("initial_state")
    if not isinstance(initial_state, dict):
        raise ErrorEnvelope.of("invalid_input", "initial_state must be a JSON object")
    raw_config = body.get("network_config")
    network_config = None if raw_config is None else parse_network_config(raw_config)
    signed: dict[str, Any] = {
        "account_id": account_id,
        "auth": auth.as_json(),
        "initial_state": initial_state,
    }
    if network_config is not None:
        signed["network_config"] = network_config
    payload = canonical_bytes(signed, "request body")
    existing = await state.coordinator.get_account(account_id)
    authorising = auth if existing is None else stored_auth(existing.auth_json)
    verified = await verify(state, account_id, creds, payload, authorising, consume=False)
    # Hashed only once the request is authenticated, in a worker process when large (canonical_bytes
    # above already refused a state without a canonical form).
    try:
        initial_commitment = await state.offload.run(
            state_commitment, initial_state, inline=len(payload) <= INLINE_MAX_BYTES
        )
    except InvalidDelta:
        raise ErrorEnvelope.of("invalid_input", "initial_state has no canonical JSON form") from None
    reply = await state.coordinator.configure_account(
        pb.ConfigureAccountRequest(
            account_id=account_id,
            auth_json=json.dumps(auth.as_json()),
            network_config_json="" if network_config is None else json.dumps(network_config),
            initial_state_json=json.dumps(initial_state),
            initial_commitment=initial_commitment,
            auth_stamp=pb.AuthStamp(
                signer_commitment=verified.signer_commitment, timestamp_ms=verified.timestamp_ms
            ),
            create_only=existing is None,
        )
    )
    if reply.outcome == pb.CONFIGURE_OUTCOME_EXISTS:
        # Authorised as a creation, but another request created the account meanwhile: changing it now
        # needs a stored cosigner's signature, which a retry will be checked against.
        raise ErrorEnvelope.of("account_configured_concurrently")
    if reply.outcome == pb.CONFIGURE_OUTCOME_REPLAY:
        raise ErrorEnvelope.of("authentication_replay")
    if reply.outcome not in (pb.CONFIGURE_OUTCOME_CREATED, pb.CONFIGURE_OUTCOME_UPDATED):
        raise ErrorEnvelope.of("internal_error")
    key = await state.auth.ack_key("ecdsa")
    return JSONResponse(
        {
            "success": True,
            "message": f"Account '{account_id}' configured successfully",
            "ack_pubkey": key.public_key,
            "ack_commitment": key.commitment,
        }
    )


@router.post("/delta", responses=SIGNED)
async def push_delta(request: Request, state: State) -> JSONResponse:
    """Push a delta `{account_id, nonce, prev_commitment, delta_payload: {"patch": …}}`: it becomes the
    account's candidate, with the server-computed `new_commitment` and the server's ack signature."""
    creds = credentials(request)
    body = await json_object_body(request)
    account_id = check_account_id(body.get("account_id"))
    nonce = check_nonce(body.get("nonce"))
    prev_commitment = check_commitment(body.get("prev_commitment"), "prev_commitment")
    delta_payload = body.get("delta_payload")
    if not isinstance(delta_payload, dict):
        raise ErrorEnvelope.of("invalid_input", "delta_payload must be a JSON object")
    payload = canonical_bytes(body, "request body")
    try:
        check_payload_shape(delta_payload)
    except InvalidDelta as exc:
        raise ErrorEnvelope.of("invalid_delta", f"the delta cannot be applied: {exc}") from None
    pushed = await push.push_delta(
        state, creds, push.Push(account_id, nonce, prev_commitment, delta_payload, payload)
    )
    return JSONResponse(delta_object(pushed.delta, pushed.ack.ack_pubkey, pushed.ack.ack_scheme))


@router.get("/state", responses=SIGNED)
async def get_state(request: Request, state: State, account_id: AccountIdQuery = None) -> JSONResponse:
    """The account's current (canonical) state. Signed payload: `{"account_id": …}`."""
    creds = credentials(request)
    checked = check_account_id(query_value(request, "account_id"))
    _, auth = await resolve_account(state, checked)
    await verify(state, checked, creds, canonical_bytes({"account_id": checked}, "query"), auth)
    stored = await state.coordinator.get_state(checked)
    if stored is None:
        raise ErrorEnvelope.of("state_not_found")
    return JSONResponse(state_object(stored, auth.scheme))


@router.get("/delta", responses=SIGNED)
async def get_delta(
    request: Request, state: State, account_id: AccountIdQuery = None, nonce: NonceQuery = None
) -> JSONResponse:
    """The delta at `nonce`, whatever its status. Signed payload: `{"account_id": …, "nonce": <number>}`."""
    creds = credentials(request)
    checked, number = await _signed_nonce_query(request, state, creds)
    delta = await state.coordinator.get_delta(checked, number)
    if delta is None:
        raise ErrorEnvelope.of("delta_not_found")
    return JSONResponse(delta_object(delta))


@router.get("/delta/since", responses=SIGNED)
async def get_delta_since(
    request: Request, state: State, account_id: AccountIdQuery = None, nonce: NonceQuery = None
) -> JSONResponse:
    """The canonical deltas with nonce ≥ `nonce` merged into one object; `delta_payload` is
    `{"patches": [...]}` (merge patches do not compose into one patch)."""
    creds = credentials(request)
    checked, number = await _signed_nonce_query(request, state, creds)
    rows: list[pb.Delta] = []
    from_nonce = number
    while True:
        page = await state.coordinator.list_deltas_since(
            pb.ListDeltasSinceRequest(
                account_id=checked, from_nonce=from_nonce, statuses=[KINDS["canonical"]], limit=SINCE_PAGE
            )
        )
        rows.extend(page.deltas)
        if not page.has_more or not page.deltas:
            break
        from_nonce = page.deltas[-1].nonce + 1
    if not rows:
        raise ErrorEnvelope.of("delta_not_found")
    first, last = rows[0], rows[-1]
    merged = delta_object(last)
    merged["prev_commitment"] = first.prev_commitment
    merged["delta_payload"] = {
        "patches": [stored_object(row.delta_payload_json).get("patch") for row in rows]
    }
    return JSONResponse(merged)


@router.post("/delta/candidate/abandon", status_code=202, responses=SIGNED)
async def abandon_candidate(request: Request, state: State) -> JSONResponse:
    """Ask the server to abandon the candidate at `nonce` (`{account_id, nonce}`); 202 with its state."""
    creds = credentials(request)
    body = await json_object_body(request)
    account_id = check_account_id(body.get("account_id"))
    nonce = check_nonce(body.get("nonce"))
    account, auth = await resolve_account(state, account_id)
    payload = canonical_bytes({"account_id": account_id, "nonce": nonce}, "request body")
    await verify(state, account_id, creds, payload, auth)
    refuse_inactive(account)
    reply = await state.coordinator.record_abandon(account_id, nonce)
    answer: dict[str, Any] = {"account_id": account_id, "nonce": nonce}
    if reply.outcome in (pb.ABANDON_OUTCOME_RECORDED, pb.ABANDON_OUTCOME_ALREADY_REQUESTED):
        answer.update(state="pending", abandon_requested_at=rfc3339(reply.requested_at))
    elif reply.outcome in (pb.ABANDON_OUTCOME_PAUSED, pb.ABANDON_OUTCOME_RELEASED):
        refuse_inactive(reply.account)
        raise ErrorEnvelope.of("internal_error")
    elif reply.outcome == pb.ABANDON_OUTCOME_ACCOUNT_NOT_FOUND:
        raise ErrorEnvelope.of("account_not_found")
    else:
        answer["state"] = _resolved_state(reply)
    return JSONResponse(answer, status_code=202)


def _resolved_state(reply: pb.RecordAbandonResponse) -> str:
    """NOT_CANDIDATE: canonical → 409 landed; client-abandoned discard → abandoned; retained → retained;
    no row or anything else → 404."""
    if not reply.HasField("delta"):
        raise ErrorEnvelope.of("delta_not_found")
    kind = reply.delta.status_kind
    if kind == pb.DELTA_KIND_CANONICAL:
        raise ErrorEnvelope.of("GUARDIAN_CANDIDATE_LANDED")
    if kind == pb.DELTA_KIND_RETAINED:
        return "retained"
    if kind == pb.DELTA_KIND_DISCARDED and stored_object(reply.delta.status_json).get("reason") == (
        "client_abandoned"
    ):
        return "abandoned"
    raise ErrorEnvelope.of("delta_not_found")


async def _signed_nonce_query(request: Request, state: State, creds: Credentials) -> tuple[str, int]:
    checked = check_account_id(query_value(request, "account_id"))
    number = query_nonce(query_value(request, "nonce"))
    _, auth = await resolve_account(state, checked)
    payload = canonical_bytes({"account_id": checked, "nonce": number}, "query")
    await verify(state, checked, creds, payload, auth)
    return checked, number
