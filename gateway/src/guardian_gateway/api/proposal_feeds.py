"""The dashboard's proposal feeds (docs/contracts/auth.md §2.12, §2.13; docs/proposals.md): the pending
proposals (viable and superseded) of one account, `(nonce DESC, commitment DESC)`, and of every account,
`(originating_timestamp DESC, account_id ASC, nonce ASC, commitment ASC)`, in keyset pages over the
coordinator's DeltaProposals lists. A cursor holds the last row of its page and is bound to its feed (kind 2
or 4) and, for one account's feed, to that account."""

from __future__ import annotations

from typing import Any

from guardian.coordinator.v1 import proposals_pb2 as ppb
from guardian_common.account_auth import COMMITMENT
from guardian_gateway.api.dashboard_feeds import (
    Page,
    PageQuery,
    cursor_timestamp,
    feed_position,
    mint_next_cursor,
    nonce_position,
    open_cursor,
)
from guardian_gateway.api.proposal_views import proposal_entry
from guardian_gateway.api.state import GatewayState
from guardian_gateway.domain.accounts import ACCOUNT_ID
from guardian_gateway.domain.cursors import CursorKind, str_field

GLOBAL_SCOPE = ""


def _account_key(position: dict[str, Any]) -> ppb.ProposalKey:
    return ppb.ProposalKey(nonce=nonce_position(position), commitment=str_field(position, "c", COMMITMENT))


def _feed_key(position: dict[str, Any]) -> ppb.ProposalFeedKey:
    return ppb.ProposalFeedKey(
        created_at=cursor_timestamp(position),
        account_id=str_field(position, "a", ACCOUNT_ID),
        nonce=nonce_position(position),
        commitment=str_field(position, "c", COMMITMENT),
    )


def open_account_cursor(state: GatewayState, account_id: str, query: PageQuery) -> ppb.ProposalKey | None:
    return open_cursor(state, query.cursor, CursorKind.ACCOUNT_PROPOSALS, account_id, _account_key)


async def account_proposals_page(
    state: GatewayState, account_id: str, query: PageQuery, before: ppb.ProposalKey | None
) -> Page:
    request = ppb.ListAccountProposalsRequest(account_id=account_id, limit=query.limit)
    if before is not None:
        request.before.CopyFrom(before)
    reply = await state.coordinator.list_account_proposals(request)
    last = reply.proposals[-1] if reply.proposals else None
    position = {"n": last.nonce, "c": last.commitment} if last else None
    next_cursor = mint_next_cursor(state, reply.has_more, CursorKind.ACCOUNT_PROPOSALS, account_id, position)
    return Page([proposal_entry(p, with_account=False) for p in reply.proposals], next_cursor)


async def global_proposals_page(state: GatewayState, query: PageQuery) -> Page:
    after = open_cursor(state, query.cursor, CursorKind.GLOBAL_PROPOSALS, GLOBAL_SCOPE, _feed_key)
    request = ppb.ListProposalsRequest(limit=query.limit)
    if after is not None:
        request.after.CopyFrom(after)
    reply = await state.coordinator.list_proposals(request)
    last = reply.proposals[-1] if reply.proposals else None
    position = (
        feed_position(last.created_at, last.account_id, n=last.nonce) | {"c": last.commitment}
        if last
        else None
    )
    next_cursor = mint_next_cursor(state, reply.has_more, CursorKind.GLOBAL_PROPOSALS, GLOBAL_SCOPE, position)
    return Page([proposal_entry(p, with_account=True) for p in reply.proposals], next_cursor)
