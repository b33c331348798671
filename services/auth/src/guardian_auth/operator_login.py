"""The operator login flow as a client performs it: challenge → sign the digest → verify → session cookie."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from guardian_crypto.falcon_sign import SecretKey
from guardian_crypto.field import word_from_hex, word_to_hex

COOKIE_NAME = "guardian_operator_session"


class LoginFailed(Exception):
    pass


@dataclass(frozen=True)
class LoginResult:
    cookie: str  # `guardian_operator_session=<token>`, ready for a Cookie header
    operator_id: str
    expires_at: str


def _request(request: urllib.request.Request, timeout: float) -> tuple[Any, list[str]]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read()), response.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:500]
        raise LoginFailed(
            f"{request.get_method()} {request.full_url} answered {exc.code}: {detail}"
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise LoginFailed(f"{request.get_method()} {request.full_url} failed: {exc}") from None


def login(base_url: str, key: SecretKey, timeout: float = 30.0) -> LoginResult:
    base = base_url.rstrip("/")
    commitment = word_to_hex(key.commitment())
    query = urllib.parse.urlencode({"commitment": commitment})
    challenge, _ = _request(urllib.request.Request(f"{base}/auth/challenge?{query}"), timeout)
    digest = challenge["challenge"]["signing_digest"]
    signature = "0x" + key.sign(word_from_hex(digest)).hex()
    body = json.dumps({"commitment": commitment, "signature": signature}).encode()
    verify = urllib.request.Request(
        f"{base}/auth/verify", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    session, cookies = _request(verify, timeout)
    cookie = next((c.split(";", 1)[0] for c in cookies if c.startswith(f"{COOKIE_NAME}=")), None)
    if cookie is None:
        raise LoginFailed("the verify response set no session cookie")
    return LoginResult(cookie, session["operator_id"], session["expires_at"])
