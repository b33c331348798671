"""The dashboard's proposal feeds (docs/contracts/auth.md §2.12, §2.13; docs/proposals.md): the pending
proposals (viable and superseded) of one account, `(nonce DESC, commitment DESC)`, and of every account,
`(originating_timestamp DESC, account_id ASC, nonce ASC, commitment ASC)`, in keyset pages over the
coordinator's DeltaProposals lists. A cursor holds the last row of its page and is bound to its feed (kind 2
or 4) and, for one account's feed, to that account."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from guardian.coordinator.v1 import proposals_pb2 as ppb
from guardian_common.account_auth import COMMITMENT
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.custody_checks import MAX_NONCE
from guardian_gateway.api.dashboard_feeds import MAX_SECONDS, Page, PageQuery
from guardian_gateway.api.proposal_views import proposal_entry
from guardian_gateway.api.state import GatewayState
from guardian_gateway.domain.accounts import ACCOUNT_ID
from guardian_gateway.domain.cursors import CursorCodec, CursorKind, InvalidCursor, int_field, str_field

GLOBAL_SCOPE = ""


def _position(state: GatewayState, raw: str | None, kind: CursorKind, scope: str) -> dict[str, Any] | None:
    """The presented cursor's position (absent or empty: the first page); any failed check → 400."""
    if raw is None or raw == "":
        return None
    try:
        return CursorCodec(state.runtime.cursor_key.key).open(raw, kind, scope)
    except InvalidCursor:
        raise ErrorEnvelope.of("invalid_cursor") from None


def _mint(state: GatewayState, kind: CursorKind, scope: str, position: dict[str, Any]) -> str:
    return CursorCodec(state.runtime.cursor_key.key).mint(kind, scope, position)


def _account_key(position: dict[str, Any]) -> ppb.ProposalKey:
    return ppb.ProposalKey(
        nonce=int_field(position, "n", 0, MAX_NONCE), commitment=str_field(position, "c", COMMITMENT)
    )


def _feed_key(position: dict[str, Any]) -> ppb.ProposalFeedKey:
    return ppb.ProposalFeedKey(
        created_at=Timestamp(
            seconds=int_field(position, "s", 0, MAX_SECONDS), nanos=int_field(position, "ns", 0, 999_999_999)
        ),
        account_id=str_field(position, "a", ACCOUNT_ID),
        nonce=int_field(position, "n", 0, MAX_NONCE),
        commitment=str_field(position, "c", COMMITMENT),
    )


def open_account_cursor(state: GatewayState, account_id: str, query: PageQuery) -> ppb.ProposalKey | None:
    position = _position(state, query.cursor, CursorKind.ACCOUNT_PROPOSALS, account_id)
    try:
        return None if position is None else _account_key(position)
    except InvalidCursor:
        raise ErrorEnvelope.of("invalid_cursor") from None


async def account_proposals_page(
    state: GatewayState, account_id: str, query: PageQuery, before: ppb.ProposalKey | None
) -> Page:
    request = ppb.ListAccountProposalsRequest(account_id=account_id, limit=query.limit)
    if before is not None:
        request.before.CopyFrom(before)
    reply = await state.coordinator.list_account_proposals(request)
    next_cursor = None
    if reply.has_more and reply.proposals:
        last = reply.proposals[-1]
        position = {"n": last.nonce, "c": last.commitment}
        next_cursor = _mint(state, CursorKind.ACCOUNT_PROPOSALS, account_id, position)
    return Page([proposal_entry(p, with_account=False) for p in reply.proposals], next_cursor)


async def global_proposals_page(state: GatewayState, query: PageQuery) -> Page:
    position = _position(state, query.cursor, CursorKind.GLOBAL_PROPOSALS, GLOBAL_SCOPE)
    request = ppb.ListProposalsRequest(limit=query.limit)
    if position is not None:
        try:
            request.after.CopyFrom(_feed_key(position))
        except InvalidCursor:
            raise ErrorEnvelope.of("invalid_cursor") from None
    reply = await state.coordinator.list_proposals(request)
    next_cursor = None
    if reply.has_more and reply.proposals:
        last = reply.proposals[-1]
        moment = last.created_at
        after = {
            "s": moment.seconds,
            "ns": moment.nanos,
            "a": last.account_id,
            "n": last.nonce,
            "c": last.commitment,
        }
        next_cursor = _mint(state, CursorKind.GLOBAL_PROPOSALS, GLOBAL_SCOPE, after)
    return Page([proposal_entry(p, with_account=True) for p in reply.proposals], next_cursor)
