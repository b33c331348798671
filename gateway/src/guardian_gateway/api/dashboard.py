"""Operator dashboard reads and pause controls (docs/contracts/auth.md §2.1, §2.12–2.13; docs/dashboard.md)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import JSONResponse

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api import proposal_feeds
from guardian_gateway.api.bodies import json_object_body
from guardian_gateway.api.custody_checks import MAX_NONCE, existing_account, query_value
from guardian_gateway.api.dashboard_feeds import (
    Page,
    PageQuery,
    account_deltas_page,
    accounts_page,
    global_deltas_page,
    page_query,
    parse_account_prefix,
)
from guardian_gateway.api.evm_proposals import is_evm_account_id, set_evm_paused
from guardian_gateway.api.operator_access import PAUSE, READ, require_operator
from guardian_gateway.api.responses import error_responses
from guardian_gateway.api.state import GatewayState, State
from guardian_gateway.api.views import account_detail, delta_detail, optional_time, rfc3339
from guardian_gateway.domain.accounts import check_account_id

router = APIRouter(tags=["dashboard"])
READS = error_responses(400, 401, 403, 404, 429, 500, 503)
WRITES = error_responses(400, 401, 403, 404, 413, 415, 429, 500, 503)
Limit = Annotated[str | None, Query(description="1..500, default 50")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
MAX_REASON = 512
_CANONICAL_U64 = re.compile(r"0|[1-9][0-9]{0,19}")


def _page(page: Page) -> JSONResponse:
    return JSONResponse({"items": page.items, "next_cursor": page.next_cursor})


def _query(request: Request) -> PageQuery:
    """`limit` checked (400 invalid_limit), `cursor` kept for its feed to check."""
    return page_query(query_value(request, "limit"), query_value(request, "cursor"))


async def _account(state: GatewayState, account_id: str) -> pb.Account:
    return await existing_account(state, check_account_id(account_id, "account id"))


@router.get("/dashboard/info", responses=READS)
async def dashboard_info(request: Request, state: State) -> JSONResponse:
    """Inventory and lifecycle counts."""
    await require_operator(request, state, READ)
    info = await state.coordinator.dashboard_info()
    described = await state.coordinator.custody_describe()
    proposals = await state.coordinator.count_pending_proposals()
    runtime = state.runtime
    counts = dict(info.delta_status_counts)
    return JSONResponse(
        {
            "service_status": "healthy",
            "environment": runtime.environment,
            "total_account_count": info.total_account_count,
            "accounts_by_auth_method": dict(info.accounts_by_auth_method),
            "delta_status_counts": {
                kind: counts.get(kind, 0) for kind in ("candidate", "canonical", "retained", "discarded")
            },
            "in_flight_proposal_count": proposals.viable,
            "latest_activity": rfc3339(info.latest_activity) if info.HasField("latest_activity") else None,
            "degraded_aggregates": [],
            "build": {
                "version": runtime.version,
                "git_commit": runtime.git_commit,
                "profile": "release",
                "started_at": state.started_at.isoformat(),
            },
            "backend": {
                # The operator client knows `postgres` and `filesystem` (upstream's single-process store).
                "storage": "postgres" if described.backend == "postgres" else "filesystem",
                "supported_ack_schemes": ["falcon", "ecdsa"],
                "canonicalization": None,
            },
        }
    )


@router.get("/dashboard/accounts", responses=READS)
async def list_accounts(
    request: Request,
    state: State,
    limit: Limit = None,
    cursor: Cursor = None,
    paused: Annotated[str | None, Query(description="true or false")] = None,
    prefix: Annotated[str | None, Query(description="account id prefix: hex digits, 0x optional")] = None,
) -> JSONResponse:
    """Accounts, `updated_at DESC, account_id ASC`; `prefix` keeps the ids that start with it."""
    await require_operator(request, state, READ)
    query = _query(request)
    id_prefix = parse_account_prefix(query_value(request, "prefix"))
    return _page(await accounts_page(state, query, query_value(request, "paused"), id_prefix))


@router.get("/dashboard/accounts/{account_id}", responses=READS)
async def get_account(request: Request, state: State, account_id: str) -> JSONResponse:
    await require_operator(request, state, READ)
    return JSONResponse(account_detail(await _account(state, account_id)))


@router.get("/dashboard/accounts/{account_id}/snapshot", responses=READS)
async def account_snapshot(request: Request, state: State, account_id: str) -> JSONResponse:
    """Miden vault snapshots do not exist for the json network: 400 unsupported_for_network."""
    await require_operator(request, state, READ)
    await _account(state, account_id)
    raise ErrorEnvelope.of("unsupported_for_network", "snapshots exist only for Miden accounts")


@router.get("/dashboard/accounts/{account_id}/deltas", responses=READS)
async def list_account_deltas(
    request: Request, state: State, account_id: str, limit: Limit = None, cursor: Cursor = None
) -> JSONResponse:
    """One account's deltas, every status, `nonce DESC`."""
    await require_operator(request, state, READ)
    query = _query(request)
    account = await _account(state, account_id)
    return _page(await account_deltas_page(state, account.account_id, query))


@router.get("/dashboard/accounts/{account_id}/deltas/{nonce}", responses=READS)
async def get_account_delta(
    request: Request,
    state: State,
    account_id: str,
    nonce: str,
    include: Annotated[str | None, Query(description="accepted and ignored (no raw Miden summary)")] = None,
) -> JSONResponse:
    """One delta in detail; unknown account or nonce → 404 delta_not_found."""
    await require_operator(request, state, READ)
    checked = check_account_id(account_id, "account id")
    if not _CANONICAL_U64.fullmatch(nonce) or int(nonce) > MAX_NONCE:
        raise ErrorEnvelope.of("invalid_input", "nonce must be a canonical base-10 integer")
    delta = await state.coordinator.get_delta(checked, int(nonce))
    if delta is None:
        raise ErrorEnvelope.of("delta_not_found")
    return JSONResponse(delta_detail(delta))


@router.get("/dashboard/accounts/{account_id}/proposals", responses=READS)
async def list_account_proposals(
    request: Request, state: State, account_id: str, limit: Limit = None, cursor: Cursor = None
) -> JSONResponse:
    """The account's pending proposals (superseded ones flagged), `nonce DESC, commitment DESC`."""
    await require_operator(request, state, READ)
    query = _query(request)
    checked = check_account_id(account_id, "account id")
    before = proposal_feeds.open_account_cursor(state, checked, query)
    await _account(state, checked)
    return _page(await proposal_feeds.account_proposals_page(state, checked, query, before))


@router.get("/dashboard/deltas", responses=READS)
async def list_deltas(
    request: Request,
    state: State,
    limit: Limit = None,
    cursor: Cursor = None,
    status: Annotated[
        str | None, Query(description="comma list of candidate,canonical,retained,discarded")
    ] = None,
) -> JSONResponse:
    """Deltas of every account, `status_timestamp DESC, account_id ASC, nonce ASC`."""
    await require_operator(request, state, READ)
    return _page(await global_deltas_page(state, _query(request), query_value(request, "status")))


@router.get("/dashboard/proposals", responses=READS)
async def list_proposals(
    request: Request, state: State, limit: Limit = None, cursor: Cursor = None
) -> JSONResponse:
    """Pending proposals of every account, `originating_timestamp DESC, account_id, nonce, commitment ASC`."""
    await require_operator(request, state, READ)
    return _page(await proposal_feeds.global_proposals_page(state, _query(request)))


def checked_reason(value: object, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_REASON:
        raise ErrorEnvelope.of(
            "invalid_input", f"reason must be a non-empty string of at most {MAX_REASON} characters"
        )
    return value


def _audited(
    reply: pb.PauseResponse | pb.UnpauseResponse, account_id: str, **details: object
) -> JSONResponse:
    """The answer to a pause or unpause; no such account → 404 account_not_found."""
    if not reply.found:
        raise ErrorEnvelope.of("account_not_found")
    return JSONResponse(
        {
            "account_id": account_id,
            "before_state": reply.before_state,
            "after_state": reply.after_state,
            **details,
        }
    )


@router.post("/dashboard/accounts/{account_id}/pause", responses=WRITES)
async def pause_account(request: Request, state: State, account_id: str) -> JSONResponse:
    """Body `{"reason": …}`. Idempotent (a paused account keeps its first pause); audited."""
    principal = await require_operator(request, state, PAUSE)
    evm = is_evm_account_id(account_id)
    checked = account_id if evm else check_account_id(account_id, "account id")
    reason = checked_reason((await json_object_body(request)).get("reason"), required=True)
    if evm:
        return await set_evm_paused(request, state, checked, True, principal.commitment, reason)
    reply = await state.coordinator.pause(checked, principal.commitment, reason or "")
    return _audited(
        reply,
        checked,
        paused_at=optional_time(reply.account, "paused_at"),
        paused_reason=reply.account.paused_reason,
    )


@router.post("/dashboard/accounts/{account_id}/unpause", responses=WRITES)
async def unpause_account(request: Request, state: State, account_id: str) -> JSONResponse:
    """Optional body `{"reason": …}` (an empty body is fine). Idempotent; audited."""
    principal = await require_operator(request, state, PAUSE)
    evm = is_evm_account_id(account_id)
    checked = account_id if evm else check_account_id(account_id, "account id")
    reason = None
    if await request.body():
        reason = checked_reason((await json_object_body(request)).get("reason"), required=False)
    if evm:
        return await set_evm_paused(request, state, checked, False, principal.commitment, reason)
    reply = await state.coordinator.unpause(checked, principal.commitment, reason or "")
    return _audited(reply, checked, reason=reason)
