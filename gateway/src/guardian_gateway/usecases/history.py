"""GET /delta/history: one account's canonical deltas, newest first, in keyset pages (docs/client-api.md).

Two internal calls: auth's AuthorizeRequest, then the coordinator's ListAccountDeltas filtered on canonical
rows (`nonce DESC`, `before_nonce` exclusive; nonces are immutable per account, so a walk across gateways
neither repeats nor skips). As in the reference, the limit and the cursor are checked before the signature:
a cursor is bound to kind 5 and to the account it was minted for (docs/contracts/auth.md §2.12)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.custody_checks import MAX_NONCE
from guardian_gateway.api.signed import Credentials
from guardian_gateway.api.state import GatewayState
from guardian_gateway.api.views import rfc3339
from guardian_gateway.domain.cursors import CursorCodec, CursorKind, InvalidCursor, int_field
from guardian_gateway.domain.json_values import canonical_bytes
from guardian_gateway.domain.pagination import parse_limit
from guardian_gateway.usecases.authorize import authorize

KIND = CursorKind.ACCOUNT_DELTA_HISTORY


@dataclass(frozen=True)
class HistoryQuery:
    """The query as sent: `limit` and `cursor` are signed as the strings they are, left out when absent."""

    account_id: str
    limit: str | None
    cursor: str | None

    def signed_payload(self) -> bytes:
        document: dict[str, Any] = {"account_id": self.account_id}
        if self.limit is not None:
            document["limit"] = self.limit
        if self.cursor is not None:
            document["cursor"] = self.cursor
        return canonical_bytes(document, "query")


@dataclass(frozen=True)
class HistoryPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def history_entry(delta: pb.Delta) -> dict[str, Any]:
    """The reference's HistoryEntry; a json-network delta carries no notes, so both note lists are empty."""
    return {
        "nonce": delta.nonce,
        "status": "canonical",
        "timestamp": rfc3339(delta.status_timestamp),
        "new_commitment": delta.new_commitment or None,
        "input_notes": [],
        "output_notes": [],
    }


def _before_nonce(codec: CursorCodec, query: HistoryQuery) -> int | None:
    if query.cursor is None or query.cursor == "":
        return None
    try:
        return int_field(codec.open(query.cursor, KIND, query.account_id), "n", 0, MAX_NONCE)
    except InvalidCursor:
        raise ErrorEnvelope.of("invalid_cursor") from None


async def read_history(state: GatewayState, creds: Credentials, query: HistoryQuery) -> HistoryPage:
    limit = parse_limit(query.limit)
    codec = CursorCodec(state.runtime.cursor_key.key)
    before_nonce = _before_nonce(codec, query)
    await authorize(state, query.account_id, creds, query.signed_payload())
    request = pb.ListAccountDeltasRequest(
        account_id=query.account_id, statuses=[pb.DELTA_KIND_CANONICAL], limit=limit
    )
    if before_nonce is not None:
        request.before_nonce = before_nonce
    reply = await state.coordinator.list_account_deltas(request)
    next_cursor = None
    if reply.has_more and reply.deltas:
        next_cursor = codec.mint(KIND, query.account_id, {"n": reply.deltas[-1].nonce})
    return HistoryPage([history_entry(delta) for delta in reply.deltas], next_cursor)
