"""The per-account API of the json network type (docs/contracts/client-api.md §2; docs/client-api.md): signed requests,
checked by auth, served from the coordinator's custody store."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import JSONResponse

from guardian_common.account_auth import check_commitment, parse_auth
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.bodies import json_object_body
from guardian_gateway.api.custody_checks import check_nonce, query_nonce, query_value
from guardian_gateway.api.responses import error_responses
from guardian_gateway.api.signed import credentials, lookup_credentials
from guardian_gateway.api.state import State
from guardian_gateway.api.views import delta_object, state_object
from guardian_gateway.domain.accounts import check_account_id, parse_network_config
from guardian_gateway.domain.commitments import check_payload_shape
from guardian_gateway.domain.json_values import canonical_bytes, stored_object
from guardian_gateway.usecases import abandon, history, lookup, push, reads
from guardian_gateway.usecases import configure as configure_usecase
from guardian_gateway.usecases import pubkey as pubkey_usecase
from guardian_network import InvalidDelta

router = APIRouter(tags=["client"])
SIGNED = error_responses(400, 401, 404, 409, 413, 415, 429, 500, 503)
AccountIdQuery = Annotated[str | None, Query(description="0x + 30 lowercase hex")]
NonceQuery = Annotated[str | None, Query(description="base-10 u64")]


@router.get("/pubkey", responses=error_responses(400, 429, 500, 503))
async def pubkey(
    request: Request,
    state: State,
    scheme: Annotated[
        str | None,
        Query(description="`ecdsa` (the default) or `falcon`, any case; any other value is a 400"),
    ] = None,
) -> JSONResponse:
    """The server's acknowledgement key of a scheme: `{commitment, pubkey}` of the ECDSA key (MidenEcdsa
    accounts), `{commitment}` of the Falcon key (MidenFalconRpo accounts; the key itself comes with each ack)."""
    key = await pubkey_usecase.ack_key(state, query_value(request, "scheme"))
    return JSONResponse(key.as_json())


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
    key = await configure_usecase.configure_account(
        state,
        creds,
        configure_usecase.Configure(account_id, auth, initial_state, network_config, payload),
    )
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
    current = await reads.read_state(state, creds, checked)
    return JSONResponse(state_object(checked, current.state, current.auth_scheme))


@router.get("/state/lookup", responses=SIGNED)
async def lookup_state(
    request: Request,
    state: State,
    key_commitment: Annotated[
        str | None, Query(description="Word hex of a cosigner key, 0x optional")
    ] = None,
) -> JSONResponse:
    """The accounts whose cosigners include the key: `{"accounts": [{"account_id"}]}` (empty is a success).
    Signed with the lookup digest over `key_commitment` by that key; `x-pubkey` is ignored."""
    creds = lookup_credentials(request)
    checked = lookup.check_key_commitment(query_value(request, "key_commitment"))
    account_ids = await lookup.lookup_accounts(state, creds, checked)
    return JSONResponse({"accounts": [{"account_id": account_id} for account_id in account_ids]})


@router.get("/delta", responses=SIGNED)
async def get_delta(
    request: Request, state: State, account_id: AccountIdQuery = None, nonce: NonceQuery = None
) -> JSONResponse:
    """The delta at `nonce`, whatever its status. Signed payload: `{"account_id": …, "nonce": <number>}`."""
    creds = credentials(request)
    checked, number = _nonce_query(request)
    return JSONResponse(delta_object(await reads.read_delta(state, creds, checked, number)))


@router.get("/delta/since", responses=SIGNED)
async def get_delta_since(
    request: Request, state: State, account_id: AccountIdQuery = None, nonce: NonceQuery = None
) -> JSONResponse:
    """The canonical deltas with nonce ≥ `nonce` merged into one object; `delta_payload` is
    `{"patches": [...]}` (merge patches do not compose into one patch)."""
    creds = credentials(request)
    checked, number = _nonce_query(request)
    rows = await reads.read_canonical_since(state, creds, checked, number)
    first, last = rows[0], rows[-1]
    merged = delta_object(last)
    merged["prev_commitment"] = first.prev_commitment
    merged["delta_payload"] = {
        "patches": [stored_object(row.delta_payload_json).get("patch") for row in rows]
    }
    return JSONResponse(merged)


@router.get("/delta/history", responses=SIGNED)
async def get_delta_history(
    request: Request,
    state: State,
    account_id: AccountIdQuery = None,
    limit: Annotated[str | None, Query(description="1..500, default 50; signed as the string sent")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> JSONResponse:
    """The account's canonical deltas, newest first: `{"items": [HistoryEntry], "next_cursor"}`. Signed
    payload: `{"account_id", "limit"?, "cursor"?}` with `limit` and `cursor` as sent, absent ones left out."""
    creds = credentials(request)
    query = history.HistoryQuery(
        check_account_id(query_value(request, "account_id")),
        query_value(request, "limit"),
        query_value(request, "cursor"),
    )
    page = await history.read_history(state, creds, query)
    return JSONResponse({"items": page.items, "next_cursor": page.next_cursor})


@router.post("/delta/candidate/abandon", status_code=202, responses=SIGNED)
async def abandon_candidate(request: Request, state: State) -> JSONResponse:
    """Ask the server to abandon the candidate at `nonce` (`{account_id, nonce}`); 202 with its state."""
    creds = credentials(request)
    body = await json_object_body(request)
    account_id = check_account_id(body.get("account_id"))
    nonce = check_nonce(body.get("nonce"))
    outcome = await abandon.abandon_candidate(state, creds, account_id, nonce)
    answer: dict[str, Any] = {"account_id": account_id, "nonce": nonce, "state": outcome.state}
    if outcome.requested_at is not None:
        answer["abandon_requested_at"] = outcome.requested_at
    return JSONResponse(answer, status_code=202)


def _nonce_query(request: Request) -> tuple[str, int]:
    return check_account_id(query_value(request, "account_id")), query_nonce(query_value(request, "nonce"))
