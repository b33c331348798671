"""Wallet login (docs/contracts/auth.md §3): EIP-712 challenge, verify, logout, and the session probe /evm/session."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.bodies import json_body, json_request_body
from guardian_gateway.api.responses import error_responses
from guardian_gateway.api.schemas import (
    EvmChallengeResponse,
    EvmSessionInfo,
    EvmVerifyBody,
    EvmVerifyResponse,
    LogoutResponse,
)
from guardian_gateway.api.sessions import log_out, required_token, start_session
from guardian_gateway.api.state import State
from guardian_gateway.domain.cookies import EVM

log = logging.getLogger("guardian.gateway.evm")
router = APIRouter(tags=["evm"])


def typed_data(raw: str) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        log.error("auth sent typed data that is not a JSON object")
        raise ErrorEnvelope.of("internal_error")
    return parsed


@router.get("/evm/auth/challenge", responses=error_responses(400, 429, 500, 503))
async def evm_challenge(
    state: State,
    address: Annotated[str, Query(description="0x followed by 40 hex digits")],
) -> EvmChallengeResponse:
    """A nonce and the EIP-712 typed data the wallet signs with eth_signTypedData_v4."""
    c = await state.auth.evm_challenge(address)
    return EvmChallengeResponse(
        address=c.address,
        nonce=c.nonce,
        issued_at=c.issued_at,
        expires_at=c.expires_at,
        typed_data=typed_data(c.typed_data_json),
    )


@router.post(
    "/evm/auth/verify",
    responses=error_responses(400, 401, 413, 415, 429, 500, 503, cookie=EVM.cookie_name),
    openapi_extra=json_request_body(EvmVerifyBody),
)
async def evm_verify(request: Request, response: Response, state: State) -> EvmVerifyResponse:
    """Verifies the typed-data signature and sets the `guardian_evm_session` cookie."""
    body = await json_body(request, EvmVerifyBody)
    session = await state.auth.evm_verify(body.address, body.nonce, body.signature)
    start_session(
        response,
        EVM,
        session.token,
        max_age=session.max_age_seconds,
        expires=datetime.fromtimestamp(session.expires_at_ms / 1000, UTC),
        secure=state.runtime.cookie_secure,
    )
    return EvmVerifyResponse(address=session.address, expires_at=session.expires_at_ms)


@router.post("/evm/auth/logout", responses=error_responses(429, 500, 503, cookie=EVM.cookie_name))
async def evm_logout(request: Request, response: Response, state: State) -> LogoutResponse:
    """Revokes the session everywhere, then clears the cookie. No cookie is fine."""
    await log_out(request, response, EVM, state.sessions.evm_logout, secure=state.runtime.cookie_secure)
    return LogoutResponse()


@router.get("/evm/session", responses=error_responses(401, 429, 500, 503))
async def evm_session(request: Request, state: State) -> EvmSessionInfo:
    """The wallet address behind the session cookie."""
    principal = await state.sessions.evm(required_token(request, EVM))
    return EvmSessionInfo(address=principal.address)
