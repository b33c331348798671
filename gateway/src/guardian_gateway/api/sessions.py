"""Session cookies on requests and responses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.domain.cookies import SessionRealm, clearing_cookie, cookie_value, set_cookie


def presented_token(request: Request, realm: SessionRealm) -> str | None:
    return cookie_value(request.headers.getlist("cookie"), realm.cookie_name)


def required_token(request: Request, realm: SessionRealm) -> str:
    """The session token, or 401. A value auth could never have minted is refused without asking auth."""
    token = presented_token(request, realm)
    if token is None or not realm.well_formed(token):
        raise ErrorEnvelope.of("authentication_failed")
    return token


def start_session(
    response: Response, realm: SessionRealm, token: str, *, max_age: int, expires: datetime, secure: bool
) -> None:
    response.headers.append(
        "set-cookie", set_cookie(realm.cookie_name, token, max_age=max_age, expires=expires, secure=secure)
    )


def end_session(response: Response, realm: SessionRealm, *, secure: bool) -> None:
    response.headers.append("set-cookie", clearing_cookie(realm.cookie_name, secure=secure))


async def log_out(
    request: Request,
    response: Response,
    realm: SessionRealm,
    revoke: Callable[[str], Awaitable[object]],
    *,
    secure: bool,
) -> None:
    """Revokes the presented session (if it could be one) and clears the cookie. A failed revocation
    raises its envelope, so the cookie is only cleared once the whole fleet will refuse the token."""
    token = presented_token(request, realm)
    if token is not None and realm.well_formed(token):
        await revoke(token)
    end_session(response, realm, secure=secure)
