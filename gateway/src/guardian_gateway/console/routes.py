"""The console's pages and actions (docs/console.md). Every read goes through the dashboard's own feeds and
clients (api/dashboard_feeds.py, api/views.py, the coordinator client), so a page shows exactly what the
JSON API answers; permissions come from auth's live allowlist on every request, as for the API."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from guardian.auth.v1 import auth_pb2 as auth_pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.custody_checks import existing_account, query_value
from guardian_gateway.api.dashboard import MAX_REASON, checked_reason
from guardian_gateway.api.dashboard_feeds import (
    PageQuery,
    account_deltas_page,
    accounts_page,
    global_deltas_page,
    page_query,
    parse_account_prefix,
)
from guardian_gateway.api.operator_access import PAUSE, READ, require_operator
from guardian_gateway.api.sessions import log_out, presented_token
from guardian_gateway.api.state import State
from guardian_gateway.api.views import account_detail, rfc3339
from guardian_gateway.console.pages import ConsoleRoute, page, static_file
from guardian_gateway.console.present import (
    STATUSES,
    age,
    duration,
    latency_columns,
    per_minute_columns,
    status_bars,
    submission_columns,
    waiting_bars,
    window_label,
)
from guardian_gateway.console.security import require_same_origin
from guardian_gateway.domain.accounts import ACCOUNT_ID, check_account_id
from guardian_gateway.domain.cookies import EVM, OPERATOR
from guardian_gateway.usecases.fleet import activity_view, activity_window, fleet_view

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
PAGE_SIZE = "20"
AUDIT_ENTRIES = 20
# The overview's charts read the newest rows of one feed page (the feeds' largest page), not the whole table.
CHART_SAMPLE = 500
ACTIONS = ("pause", "unpause")
# The overview's window choices: (label, window_seconds, buckets).
WINDOWS = (("Last hour", 3600, 60), ("Last 6 hours", 21_600, 72), ("Last 24 hours", 86_400, 96))
FORM = "application/x-www-form-urlencoded"


def _now() -> datetime:
    return datetime.now(UTC)


def _query(request: Request) -> PageQuery:
    return page_query(query_value(request, "limit") or PAGE_SIZE, query_value(request, "cursor"))


def _operator(principal: auth_pb.OperatorPrincipal) -> dict[str, Any]:
    return {
        "operator_id": principal.operator_id,
        "permissions": sorted(principal.permissions),
        "can_pause": set(principal.permissions) >= PAUSE,
    }


async def _form(request: Request) -> dict[str, str]:
    """A URL-encoded form body (the console's own forms); anything else → 415."""
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media != FORM:
        raise ErrorEnvelope.of("unsupported_media_type", f"console forms are sent as {FORM}")
    try:
        fields = parse_qs((await request.body()).decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise ErrorEnvelope.of("invalid_input", "form body is not UTF-8") from None
    return {name: values[0] for name, values in fields.items() if len(values) == 1}


@router.get("/static/{name}")
async def console_static(name: str) -> Response:
    return static_file(name)


@router.get("")
async def console_root() -> Response:
    return RedirectResponse("/console/", status_code=303)


@router.get("/login")
async def login(request: Request) -> Response:
    return page(request, "login.html", title="Sign in")


@router.post("/logout")
async def logout(request: Request, state: State) -> Response:
    """Ends whichever sessions the browser holds (operator and wallet) everywhere, then clears the cookies."""
    require_same_origin(request.headers, request.url.scheme)
    response = RedirectResponse("/console/login", status_code=303)
    secure = state.runtime.cookie_secure
    # Together: the wallet logout waits out the session reuse window (docs/gateway.md "Session reuse").
    await asyncio.gather(
        log_out(request, response, OPERATOR, state.auth.operator_logout, secure=secure),
        log_out(request, response, EVM, state.sessions.evm_logout, secure=secure),
    )
    return response


@router.get("/wallet")
async def wallet(request: Request, state: State) -> Response:
    """A wallet's session. Wallets hold no operator permissions: this page says who is signed in."""
    token = presented_token(request, EVM)
    if token is None or not EVM.well_formed(token):
        raise ErrorEnvelope.of("authentication_failed")
    principal = await state.sessions.evm(token)
    return page(request, "wallet.html", title="Wallet session", address=principal.address)


@router.get("/")
async def overview(request: Request, state: State) -> Response:
    """Counts, deltas by status, how long the newest candidates have waited, promotions per minute, and the
    activity charts (submissions by status over time, submission → canonical latency) over a window."""
    principal = await require_operator(request, state, READ)
    window, buckets = activity_window(query_value(request, "window_seconds"), query_value(request, "buckets"))
    sample = PageQuery(CHART_SAMPLE, None)
    info, waiting, promoted, activity = await asyncio.gather(
        state.coordinator.dashboard_info(),
        global_deltas_page(state, sample, "candidate"),
        global_deltas_page(state, sample, "canonical"),
        activity_view(state, window, buckets),
    )
    latencies = [b["latency_ms"]["max"] for b in activity["buckets"] if b["latency_ms"]]
    counts = {kind: int(info.delta_status_counts.get(kind, 0)) for kind in STATUSES}
    latest = rfc3339(info.latest_activity) if info.HasField("latest_activity") else None
    now = _now()
    return page(
        request,
        "overview.html",
        title="Overview",
        operator=_operator(principal),
        total_accounts=info.total_account_count,
        by_method=dict(info.accounts_by_auth_method),
        counts=counts,
        bars=status_bars(counts),
        waiting=waiting_bars([d["status_timestamp"] for d in waiting.items], now),
        waiting_sampled=waiting.next_cursor is not None,
        promotions=per_minute_columns([d["status_timestamp"] for d in promoted.items], now),
        promotions_sampled=promoted.next_cursor is not None,
        sample=CHART_SAMPLE,
        latest=latest,
        latest_age=age(latest, now),
        activity=activity,
        window_seconds=window,
        window_start_label=window_label(window),
        submissions=submission_columns(activity["buckets"]),
        submitted_total=sum(sum(b["submitted"].values()) for b in activity["buckets"]),
        latency=latency_columns(activity["buckets"]),
        promoted_total=sum(b["promoted"] for b in activity["buckets"]),
        largest_latency=duration(max(latencies)) if latencies else None,
        windows=WINDOWS,
    )


@router.get("/accounts")
async def accounts(request: Request, state: State) -> Response:
    """Keyset pages of accounts (newest change first); `q` opens one account by its whole id, or lists the
    accounts whose id starts with it (keyset pages too, the cursor bound to the prefix)."""
    principal = await require_operator(request, state, READ)
    wanted = (query_value(request, "q") or "").strip().lower()
    if ACCOUNT_ID.fullmatch(wanted):
        account = await existing_account(state, check_account_id(wanted, "account id"))
        return RedirectResponse(f"/console/accounts/{account.account_id}", status_code=303)
    prefix = parse_account_prefix(wanted)
    paused = query_value(request, "paused") or None
    query = _query(request)
    result = await accounts_page(state, query, paused, prefix)
    now = _now()
    rows = [{**item, "updated_age": age(item["updated_at"], now)} for item in result.items]
    next_link = None
    if result.next_cursor:
        params = {
            "cursor": result.next_cursor,
            "limit": str(query.limit),
            **({"paused": paused} if paused else {}),
            **({"q": prefix} if prefix else {}),
        }
        next_link = "/console/accounts?" + urlencode(params)
    filters = {**({"paused": paused} if paused else {}), **({"q": prefix} if prefix else {})}
    return page(
        request,
        "accounts.html",
        title="Accounts",
        operator=_operator(principal),
        rows=rows,
        paused=paused or "",
        prefix=prefix,
        next_link=next_link,
        first_page=bool(query.cursor),
        first_link="/console/accounts" + (f"?{urlencode(filters)}" if filters else ""),
    )


@router.get("/accounts/{account_id}")
async def account(request: Request, state: State, account_id: str) -> Response:
    principal = await require_operator(request, state, READ)
    checked = check_account_id(account_id, "account id")
    query = _query(request)
    found = await existing_account(state, checked)
    stored, deltas, audit = await asyncio.gather(
        state.coordinator.get_state(checked),
        account_deltas_page(state, checked, query),
        state.coordinator.list_admin_actions(checked, AUDIT_ENTRIES),
    )
    now = _now()
    timeline = [{**d, "age": age(d["status_timestamp"], now)} for d in deltas.items]
    next_link = None
    if deltas.next_cursor:
        next_link = f"/console/accounts/{checked}?" + urlencode({"cursor": deltas.next_cursor})
    trail = [
        {
            "at": rfc3339(action.created_at),
            "age": age(rfc3339(action.created_at), now),
            "action": action.action,
            "operator": action.operator_commitment,
            "reason": action.reason,
            "before": action.before_state,
            "after": action.after_state,
        }
        for action in audit.actions
    ]
    detail = account_detail(found)
    return page(
        request,
        "account.html",
        title=f"Account {checked}",
        operator=_operator(principal),
        account=detail,
        state_json=json.dumps(json.loads(stored.state_json), indent=2, sort_keys=True) if stored else None,
        timeline=timeline,
        in_flight=[d for d in timeline if d["status"] == "candidate"],
        next_link=next_link,
        audit=trail,
        paused_age=age(detail["paused_at"], now),
    )


def _action(name: str) -> str:
    if name not in ACTIONS:
        raise ErrorEnvelope.of("not_found")
    return name


@router.get("/accounts/{account_id}/{action}")
async def confirm(request: Request, state: State, account_id: str, action: str) -> Response:
    """The confirmation step of a pause or unpause (operators with accounts:pause only)."""
    chosen = _action(action)
    principal = await require_operator(request, state, READ | PAUSE)
    found = await existing_account(state, check_account_id(account_id, "account id"))
    return page(
        request,
        "confirm.html",
        title=f"{chosen.capitalize()} {found.account_id}",
        operator=_operator(principal),
        account=account_detail(found),
        action=chosen,
        max_reason=MAX_REASON,
    )


@router.post("/accounts/{account_id}/{action}")
async def act(request: Request, state: State, account_id: str, action: str) -> Response:
    """Pause or unpause, audited by the coordinator; then back to the account page and its audit trail."""
    chosen = _action(action)
    require_same_origin(request.headers, request.url.scheme)
    principal = await require_operator(request, state, PAUSE)
    checked = check_account_id(account_id, "account id")
    form = await _form(request)
    if chosen == "pause":
        reason = checked_reason(form.get("reason"), required=True) or ""
        reply = await state.coordinator.pause(checked, principal.commitment, reason)
        found = reply.found
    else:
        raw = form.get("reason", "").strip()
        optional = checked_reason(raw, required=False) if raw else None
        unpaused = await state.coordinator.unpause(checked, principal.commitment, optional or "")
        found = unpaused.found
    if not found:
        raise ErrorEnvelope.of("account_not_found")
    return RedirectResponse(f"/console/accounts/{checked}#audit", status_code=303)


@router.get("/deltas")
async def deltas(request: Request, state: State) -> Response:
    """Every account's deltas, newest status change first, filtered by status."""
    principal = await require_operator(request, state, READ)
    status = query_value(request, "status") or ""
    query = _query(request)
    result = await global_deltas_page(state, query, status)
    now = _now()
    rows = [{**d, "age": age(d["status_timestamp"], now)} for d in result.items]
    next_link = None
    if result.next_cursor:
        params = {
            "cursor": result.next_cursor,
            "limit": str(query.limit),
            **({"status": status} if status else {}),
        }
        next_link = "/console/deltas?" + urlencode(params)
    return page(
        request,
        "deltas.html",
        title="Delta feed",
        operator=_operator(principal),
        rows=rows,
        status_filter=status,
        statuses=STATUSES,
        next_link=next_link,
        first_page=bool(query.cursor),
    )


@router.get("/fleet")
async def fleet(request: Request, state: State) -> Response:
    principal = await require_operator(request, state, READ)
    view = await fleet_view(state)
    now = _now()
    for lease in view["leases"]:
        lease["expires_in"] = age(now.isoformat(), datetime.fromisoformat(lease["expires_at"]))
    for member in view["canonicalizers"]:
        member["joined_age"] = age(member["joined_at"], now)
        for summary in member["last_passes"]:
            summary["age"] = age(summary["finished_at"], now)
    live = [lease for lease in view["leases"] if lease["live"]]
    return page(
        request,
        "fleet.html",
        title="Fleet",
        operator=_operator(principal),
        fleet=view,
        live_leases=live,
        stale_leases=[lease for lease in view["leases"] if not lease["live"]],
    )
