"""Operator dashboard login (docs/contracts/auth.md §2): challenge, verify, logout, session."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from guardian_gateway.api.bodies import json_body, json_request_body
from guardian_gateway.api.responses import error_responses
from guardian_gateway.api.schemas import (
    LogoutResponse,
    OperatorChallenge,
    OperatorChallengeResponse,
    OperatorSessionInfo,
    OperatorVerifyBody,
    OperatorVerifyResponse,
)
from guardian_gateway.api.sessions import log_out, required_token, start_session
from guardian_gateway.api.state import State
from guardian_gateway.domain.cookies import OPERATOR

router = APIRouter(tags=["operator"])


@router.get("/auth/challenge", responses=error_responses(400, 429, 500, 503))
async def operator_challenge(
    state: State,
    commitment: Annotated[str, Query(description="the operator's public-key commitment (Word hex)")],
) -> OperatorChallengeResponse:
    """A challenge to sign; an unknown or malformed commitment gets a decoy of the same shape."""
    c = await state.auth.operator_challenge(commitment)
    return OperatorChallengeResponse(
        challenge=OperatorChallenge(
            domain=c.domain,
            commitment=c.commitment,
            nonce=c.nonce,
            expires_at=c.expires_at,
            signing_digest=c.signing_digest,
        )
    )


@router.post(
    "/auth/verify",
    responses=error_responses(400, 401, 413, 415, 429, 500, 503, cookie=OPERATOR.cookie_name),
    openapi_extra=json_request_body(OperatorVerifyBody),
)
async def operator_verify(request: Request, response: Response, state: State) -> OperatorVerifyResponse:
    """Verifies the signed challenge and sets the `guardian_operator_session` cookie."""
    body = await json_body(request, OperatorVerifyBody)
    session = await state.auth.operator_verify(body.commitment, body.signature)
    expires = session.expires_at.ToDatetime(tzinfo=UTC)
    start_session(
        response,
        OPERATOR,
        session.token,
        max_age=session.max_age_seconds,
        expires=expires,
        secure=state.runtime.cookie_secure,
    )
    return OperatorVerifyResponse(operator_id=session.operator_id, expires_at=expires.isoformat())


@router.post("/auth/logout", responses=error_responses(429, 500, 503, cookie=OPERATOR.cookie_name))
async def operator_logout(request: Request, response: Response, state: State) -> LogoutResponse:
    """Revokes the session everywhere, then clears the cookie. No cookie is fine."""
    await log_out(request, response, OPERATOR, state.auth.operator_logout, secure=state.runtime.cookie_secure)
    return LogoutResponse()


@router.get("/dashboard/session", responses=error_responses(401, 429, 500, 503))
async def dashboard_session(request: Request, state: State) -> OperatorSessionInfo:
    """The operator behind the session cookie, with permissions from the live allowlist."""
    principal = await state.auth.operator_authenticate(required_token(request, OPERATOR))
    return OperatorSessionInfo(operator_id=principal.operator_id, permissions=sorted(principal.permissions))
