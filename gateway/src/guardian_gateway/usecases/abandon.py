"""POST /delta/candidate/abandon in two internal calls: auth (signature, replay floor) → the coordinator's
RecordAbandon, which checks released/paused and the row at `nonce` in its own transaction (no gateway-side
account check: it would be a second read of what the coordinator decides atomically)."""

from __future__ import annotations

from dataclasses import dataclass

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.custody_checks import inactive_refusal
from guardian_gateway.api.signed import Credentials
from guardian_gateway.api.state import GatewayState
from guardian_gateway.api.views import rfc3339
from guardian_gateway.domain.json_values import canonical_bytes, stored_object
from guardian_gateway.usecases.authorize import authorize


@dataclass(frozen=True)
class Abandon:
    state: str  # pending | abandoned | retained
    requested_at: str | None  # pending: when the (first) abandon was recorded


async def abandon_candidate(state: GatewayState, creds: Credentials, account_id: str, nonce: int) -> Abandon:
    payload = canonical_bytes({"account_id": account_id, "nonce": nonce}, "request body")
    await authorize(state, account_id, creds, payload)
    reply = await state.coordinator.record_abandon(account_id, nonce)
    if reply.outcome in (pb.ABANDON_OUTCOME_RECORDED, pb.ABANDON_OUTCOME_ALREADY_REQUESTED):
        return Abandon("pending", rfc3339(reply.requested_at))
    if reply.outcome in (pb.ABANDON_OUTCOME_PAUSED, pb.ABANDON_OUTCOME_RELEASED):
        raise inactive_refusal(reply.account) or ErrorEnvelope.of("internal_error")
    if reply.outcome == pb.ABANDON_OUTCOME_ACCOUNT_NOT_FOUND:
        raise ErrorEnvelope.of("account_not_found")
    if reply.outcome == pb.ABANDON_OUTCOME_NOT_CANDIDATE:
        return Abandon(_resolved_state(reply), None)
    raise ErrorEnvelope.of("internal_error")


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
