"""Checks shared by the per-account routes: query values, nonces, the account gate, refusals."""

from __future__ import annotations

import re

from starlette.requests import Request

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.state import GatewayState
from guardian_gateway.api.views import optional_time

MAX_NONCE = (1 << 63) - 1
_DECIMAL = re.compile(r"\+?[0-9]{1,20}")


def query_value(request: Request, name: str) -> str | None:
    """The parameter's value; repeating it is refused (400 invalid_input)."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ErrorEnvelope.of("invalid_input", f"query parameter '{name}' is repeated")
    return values[0] if values else None


def query_nonce(raw: str | None) -> int:
    if raw is None or not _DECIMAL.fullmatch(raw) or int(raw) > MAX_NONCE:
        raise ErrorEnvelope.of(
            "invalid_input", f"query parameter 'nonce' must be an integer in 0..{MAX_NONCE}"
        )
    return int(raw)


def check_nonce(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_NONCE:
        raise ErrorEnvelope.of("invalid_input", f"nonce must be an integer in 0..{MAX_NONCE}")
    return value


async def existing_account(state: GatewayState, account_id: str) -> pb.Account:
    """The account, or 404 account_not_found."""
    account = await state.coordinator.get_account(account_id)
    if account is None:
        raise ErrorEnvelope.of("account_not_found")
    return account


def inactive_refusal(account: pb.Account) -> ErrorEnvelope | None:
    if account.HasField("released_at"):
        return ErrorEnvelope.of(
            "GUARDIAN_ACCOUNT_RELEASED", released_at=optional_time(account, "released_at")
        )
    if account.HasField("paused_at"):
        return ErrorEnvelope.of(
            "GUARDIAN_ACCOUNT_PAUSED",
            paused_at=optional_time(account, "paused_at"),
            paused_reason=account.paused_reason or None,
        )
    return None


def submit_refusal(reply: pb.SubmitCandidateResponse, prev_commitment: str) -> ErrorEnvelope:
    """The envelope for a SubmitCandidate outcome other than SUBMITTED (the coordinator's atomic check)."""
    outcome = reply.outcome
    if outcome == pb.SUBMIT_OUTCOME_REPLAY:
        return ErrorEnvelope.of("authentication_replay")
    if outcome == pb.SUBMIT_OUTCOME_CONFLICT:
        return ErrorEnvelope.of("conflict_pending_delta")
    if outcome == pb.SUBMIT_OUTCOME_COMMITMENT_MISMATCH:
        return ErrorEnvelope.of(
            "commitment_mismatch", expected=reply.expected_commitment, actual=prev_commitment
        )
    if outcome == pb.SUBMIT_OUTCOME_ACCOUNT_NOT_FOUND:
        return ErrorEnvelope.of("account_not_found")
    if outcome in (pb.SUBMIT_OUTCOME_PAUSED, pb.SUBMIT_OUTCOME_RELEASED):
        refusal = inactive_refusal(reply.account)
        if refusal is not None:
            return refusal
    return ErrorEnvelope.of("internal_error")
