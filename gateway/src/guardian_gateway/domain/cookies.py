"""Session cookies (docs/contracts/auth.md §1.2–1.4): which cookie a realm uses, how a token looks, how the
Set-Cookie line is written and how the Cookie header is read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SessionRealm:
    cookie_name: str
    token_shape: re.Pattern[str]

    def well_formed(self, token: str) -> bool:
        """Whether the value could be a token auth minted; anything else can never be a live session."""
        return self.token_shape.fullmatch(token) is not None


OPERATOR = SessionRealm("guardian_operator_session", re.compile(r"[0-9a-f]{64}"))
EVM = SessionRealm("guardian_evm_session", re.compile(r"0x[0-9a-f]{64}"))


def imf_date(moment: datetime) -> str:
    """`Www, DD Mon YYYY HH:MM:SS GMT`, independent of the process locale."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def set_cookie(name: str, value: str, *, max_age: int, expires: datetime, secure: bool) -> str:
    attributes = [
        f"{name}={value}",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        f"Max-Age={max_age}",
        f"Expires={imf_date(expires)}",
    ]
    if secure:
        attributes.append("Secure")
    return "; ".join(attributes)


def clearing_cookie(name: str, *, secure: bool) -> str:
    return set_cookie(name, "", max_age=0, expires=EPOCH, secure=secure)


def cookie_value(cookie_headers: Sequence[str], name: str) -> str | None:
    """Only the first Cookie header counts; items split on `;`, trimmed, split at the first `=`; the
    first item with exactly this name wins and its value is taken raw."""
    if not cookie_headers:
        return None
    for item in cookie_headers[0].split(";"):
        key, sep, value = item.strip().partition("=")
        if sep and key == name:
            return value
    return None
