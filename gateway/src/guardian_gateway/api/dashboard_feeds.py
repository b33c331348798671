"""The paged dashboard feeds: limit and cursor rules (docs/contracts/auth.md §2.12) over the coordinator's keyset reads.

A cursor carries the last row of its page and is bound to its feed (kind) and to the filter or account it
was minted under (scope), so it cannot be replayed against another feed or filter."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.custody_checks import MAX_NONCE
from guardian_gateway.api.state import GatewayState
from guardian_gateway.api.views import KINDS, account_summary, delta_entry
from guardian_gateway.domain.accounts import ACCOUNT_ID
from guardian_gateway.domain.cursors import CursorCodec, CursorKind, InvalidCursor, int_field, str_field
from guardian_gateway.domain.pagination import parse_limit, parse_paused_filter, parse_status_filter

MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z
PAUSED = {None: pb.PAUSED_FILTER_ALL, True: pb.PAUSED_FILTER_PAUSED, False: pb.PAUSED_FILTER_ACTIVE}
After = TypeVar("After")
ACCOUNT_PREFIX_DIGITS = re.compile(r"[0-9a-f]{0,30}")


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class PageQuery:
    """A checked `limit` and the raw `cursor` (checked against its feed when opened)."""

    limit: int
    cursor: str | None


def page_query(raw_limit: str | None, raw_cursor: str | None) -> PageQuery:
    return PageQuery(parse_limit(raw_limit), raw_cursor)


def _codec(state: GatewayState) -> CursorCodec:
    return CursorCodec(state.runtime.cursor_key.key)


def open_cursor(
    state: GatewayState,
    raw: str | None,
    kind: CursorKind,
    scope: str,
    after: Callable[[dict[str, Any]], After],
) -> After | None:
    """The keyset position of a presented cursor, read by `after` (absent or empty: the first page);
    a cursor that fails any check, its signature or its position's fields → 400 invalid_cursor."""
    if raw is None or raw == "":
        return None
    try:
        return after(_codec(state).open(raw, kind, scope))
    except InvalidCursor:
        raise ErrorEnvelope.of("invalid_cursor") from None


def cursor_timestamp(position: dict[str, Any]) -> Timestamp:
    return Timestamp(
        seconds=int_field(position, "s", 0, MAX_SECONDS), nanos=int_field(position, "ns", 0, 999_999_999)
    )


def _account_key(position: dict[str, Any]) -> pb.AccountKey:
    return pb.AccountKey(
        updated_at=cursor_timestamp(position), account_id=str_field(position, "a", ACCOUNT_ID)
    )


def nonce_position(position: dict[str, Any]) -> int:
    return int_field(position, "n", 0, MAX_NONCE)


def _delta_key(position: dict[str, Any]) -> pb.DeltaFeedKey:
    return pb.DeltaFeedKey(
        status_timestamp=cursor_timestamp(position),
        account_id=str_field(position, "a", ACCOUNT_ID),
        nonce=nonce_position(position),
    )


def mint_next_cursor(
    state: GatewayState, has_more: bool, kind: CursorKind, scope: str, position: dict[str, Any] | None
) -> str | None:
    """A cursor after the page's last row while more rows follow; null on the last page."""
    if not has_more or position is None:
        return None
    return _codec(state).mint(kind, scope, position)


def feed_position(moment: Timestamp, account_id: str, **more: int) -> dict[str, Any]:
    return {"s": moment.seconds, "ns": moment.nanos, "a": account_id, **more}


def parse_account_prefix(raw: str | None) -> str:
    """An account id prefix: hex digits, `0x` optional, case ignored → `0x…` (at most 30 digits); absent,
    empty or a bare `0x` → "" (every account)."""
    wanted = (raw or "").strip().lower()
    digits = wanted[2:] if wanted.startswith("0x") else wanted
    if not ACCOUNT_PREFIX_DIGITS.fullmatch(digits):
        raise ErrorEnvelope.of("invalid_input", "an account id prefix is 0x and at most 30 hex digits")
    return "0x" + digits if digits else ""


async def accounts_page(
    state: GatewayState, query: PageQuery, raw_paused: str | None, prefix: str = ""
) -> Page:
    """`prefix` (from parse_account_prefix) keeps the accounts whose id starts with it; the cursor is bound
    to it as to the paused filter."""
    paused = parse_paused_filter(raw_paused)
    scope = {None: "all", True: "paused", False: "active"}[paused] + (f"/{prefix}" if prefix else "")
    after = open_cursor(state, query.cursor, CursorKind.ACCOUNT_LIST, scope, _account_key)
    request = pb.ListAccountsRequest(paused=PAUSED[paused], limit=query.limit, account_id_prefix=prefix)
    if after is not None:
        request.after.CopyFrom(after)
    reply = await state.coordinator.list_accounts(request)
    last = reply.accounts[-1] if reply.accounts else None
    position = feed_position(last.updated_at, last.account_id) if last else None
    next_cursor = mint_next_cursor(state, reply.has_more, CursorKind.ACCOUNT_LIST, scope, position)
    return Page([account_summary(a) for a in reply.accounts], next_cursor)


async def account_deltas_page(state: GatewayState, account_id: str, query: PageQuery) -> Page:
    before_nonce = open_cursor(state, query.cursor, CursorKind.ACCOUNT_DELTAS, account_id, nonce_position)
    request = pb.ListAccountDeltasRequest(account_id=account_id, limit=query.limit)
    if before_nonce is not None:
        request.before_nonce = before_nonce
    reply = await state.coordinator.list_account_deltas(request)
    last_nonce = {"n": reply.deltas[-1].nonce} if reply.deltas else None
    next_cursor = mint_next_cursor(state, reply.has_more, CursorKind.ACCOUNT_DELTAS, account_id, last_nonce)
    return Page([delta_entry(d, with_account=False) for d in reply.deltas], next_cursor)


async def global_deltas_page(state: GatewayState, query: PageQuery, raw_status: str | None) -> Page:
    statuses = parse_status_filter(raw_status)
    scope = ",".join(statuses)
    after = open_cursor(state, query.cursor, CursorKind.GLOBAL_DELTAS, scope, _delta_key)
    request = pb.ListDeltasRequest(statuses=[KINDS[s] for s in statuses], limit=query.limit)
    if after is not None:
        request.after.CopyFrom(after)
    reply = await state.coordinator.list_deltas(request)
    last = reply.deltas[-1] if reply.deltas else None
    position = feed_position(last.status_timestamp, last.account_id, n=last.nonce) if last else None
    next_cursor = mint_next_cursor(state, reply.has_more, CursorKind.GLOBAL_DELTAS, scope, position)
    return Page([delta_entry(d, with_account=True) for d in reply.deltas], next_cursor)
