"""Operator and wallet logins against a gateway (docs/gateway.md, docs/auth.md): challenge → sign →
verify → session cookie; and the session, logout calls that use the cookie.

Operator: `GET /auth/challenge?commitment=` gives `signing_digest`, the RPO256 digest of the challenge's
own fields; the client recomputes it and refuses to sign anything else (a digest from the server alone
could be any Word, e.g. a request digest for an account the same key cosigns). Then
`POST /auth/verify {commitment, signature}` sets `guardian_operator_session`.

Wallet: `GET /evm/auth/challenge?address=` gives `nonce`, `issued_at`, `expires_at`; the client builds the
EIP-712 `GuardianEvmSession` typed data from them itself and signs it;
`POST /evm/auth/verify {address, nonce, signature}` sets `guardian_evm_session`.

A login is retried as a whole (a new challenge, a new signature) when a step fails with a retryable
error: a challenge is single-use, so repeating only the verify could never succeed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from guardian_client.errors import (
    ApiError,
    ChallengeMismatch,
    GuardianClientError,
    ProtocolError,
    TransportError,
)
from guardian_client.keys import OperatorSigner, WalletSigner
from guardian_client.transport import GatewayClient, RetryPolicy, json_object
from guardian_crypto.digests import operator_challenge_digest
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.field import normalize_commitment_hex, word_to_hex

T = TypeVar("T")

OPERATOR_COOKIE = "guardian_operator_session"
EVM_COOKIE = "guardian_evm_session"


@dataclass(frozen=True)
class Session:
    """A session cookie: `cookie_name=token` goes in a `Cookie` header (see `headers`)."""

    cookie_name: str
    token: str

    @property
    def cookie(self) -> str:
        return f"{self.cookie_name}={self.token}"

    @property
    def headers(self) -> dict[str, str]:
        return {"cookie": self.cookie}


@dataclass(frozen=True)
class OperatorSession(Session):
    operator_id: str
    expires_at: str  # RFC 3339


@dataclass(frozen=True)
class WalletSession(Session):
    address: str
    expires_at_ms: int


@dataclass(frozen=True)
class OperatorInfo:
    operator_id: str
    permissions: list[str]


def _session_token(response: httpx.Response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        pair = header.split(";", 1)[0]
        cookie_name, _, value = pair.partition("=")
        if cookie_name.strip() == name and value:
            return value
    raise ProtocolError(f"the verify answer set no {name} cookie", response.status_code)


def _text(data: dict[str, Any], *keys: str) -> str:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str):
        raise ProtocolError(f"the answer's {'.'.join(keys)} is not a string: {value!r}")
    return value


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"the answer's {key} is not an integer: {value!r}")
    return value


def _body(value: dict[str, Any]) -> bytes:
    return json.dumps(value).encode()


_JSON = {"content-type": "application/json"}


class LoginClient(GatewayClient):
    """Async client of the login routes.

    `base_urls`: one gateway URL or several, taken in turn one request at a time (sessions are valid on
    every gateway of a fleet). `http`: an httpx.AsyncClient to use (not closed by this client; note that
    httpx stores every Set-Cookie in that client's jar); by default the client makes its own, with
    `timeout` seconds and a jar that keeps nothing. `retry`: how often a whole login is tried.
    `expected_domain`: when set, an operator challenge for any other domain is refused.
    """

    def __init__(
        self,
        base_urls: str | Sequence[str],
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        expected_domain: str | None = None,
    ) -> None:
        # Each step is sent once (`request`); the policy applies to whole logins (module docstring).
        super().__init__(base_urls, http=http, timeout=timeout, retry=retry)
        self.expected_domain = expected_domain

    async def _login(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """A whole login, retried after a retryable answer or a lost connection (a new challenge each
        time, so nothing is repeated that the server may already have consumed)."""

        def may_retry(error: GuardianClientError) -> bool:
            return isinstance(error, TransportError) or (isinstance(error, ApiError) and error.retryable)

        return await self.transport.retrying(attempt, may_retry)

    async def operator_login(self, operator: OperatorSigner) -> OperatorSession:
        """Challenge, check and sign the digest (Falcon), verify: the operator session."""
        return await self._login(lambda: self._operator_login_once(operator))

    async def _operator_login_once(self, operator: OperatorSigner) -> OperatorSession:
        commitment = operator.commitment
        answer = await self.transport.request("GET", "/auth/challenge", params={"commitment": commitment})
        digest = self._checked_digest(commitment, json_object(answer))
        verify = await self.transport.request(
            "POST",
            "/auth/verify",
            content=_body({"commitment": commitment, "signature": operator.sign_digest(digest)}),
            headers=_JSON,
        )
        data = json_object(verify)
        if data.get("success") is not True:
            raise ProtocolError(f"the verify answer is not a success: {data!r}", verify.status_code)
        return OperatorSession(
            OPERATOR_COOKIE,
            _session_token(verify, OPERATOR_COOKIE),
            _text(data, "operator_id"),
            _text(data, "expires_at"),
        )

    def _checked_digest(self, commitment: str, data: dict[str, Any]) -> str:
        domain = _text(data, "challenge", "domain")
        shown = _text(data, "challenge", "commitment")
        nonce = _text(data, "challenge", "nonce")
        expires_at = _text(data, "challenge", "expires_at")
        digest = _text(data, "challenge", "signing_digest")
        try:
            same_key = normalize_commitment_hex(shown) == normalize_commitment_hex(commitment)
            expected = word_to_hex(
                operator_challenge_digest(commitment=shown, domain=domain, expires_at=expires_at, nonce=nonce)
            )
        except CryptoInputError as exc:
            raise ChallengeMismatch(f"the challenge does not decode: {exc}") from None
        if not same_key:
            raise ChallengeMismatch(f"the challenge is for commitment {shown}, not {commitment}")
        if self.expected_domain is not None and domain != self.expected_domain:
            raise ChallengeMismatch(f"the challenge is for domain {domain!r}, not {self.expected_domain!r}")
        if digest.lower() != expected:
            raise ChallengeMismatch("the challenge's signing_digest is not the digest of its fields")
        return expected

    async def wallet_login(self, wallet: WalletSigner) -> WalletSession:
        """Challenge, sign the EIP-712 session typed data, verify: the wallet session."""
        return await self._login(lambda: self._wallet_login_once(wallet))

    async def _wallet_login_once(self, wallet: WalletSigner) -> WalletSession:
        answer = await self.transport.request(
            "GET", "/evm/auth/challenge", params={"address": wallet.address}
        )
        challenge = json_object(answer)
        nonce = _text(challenge, "nonce")
        signature = wallet.sign_session(nonce, _int(challenge, "issued_at"), _int(challenge, "expires_at"))
        verify = await self.transport.request(
            "POST",
            "/evm/auth/verify",
            content=_body({"address": wallet.address, "nonce": nonce, "signature": signature}),
            headers=_JSON,
        )
        data = json_object(verify)
        return WalletSession(
            EVM_COOKIE, _session_token(verify, EVM_COOKIE), _text(data, "address"), _int(data, "expires_at")
        )

    async def operator_session(self, session: Session) -> OperatorInfo:
        """`GET /dashboard/session`: who the session is and what it may do."""
        answer = await self.transport.call(
            "GET", "/dashboard/session", headers=lambda: session.headers, idempotent=True
        )
        data = json_object(answer)
        permissions = data.get("permissions")
        if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
            raise ProtocolError(f"the answer's permissions are not a list of strings: {permissions!r}")
        return OperatorInfo(_text(data, "operator_id"), permissions)

    async def wallet_session(self, session: Session) -> str:
        """`GET /evm/session`: the session's wallet address."""
        answer = await self.transport.call(
            "GET", "/evm/session", headers=lambda: session.headers, idempotent=True
        )
        return _text(json_object(answer), "address")

    async def logout(self, session: Session) -> None:
        """Revoke the session on the whole fleet (`/auth/logout` or `/evm/auth/logout`)."""
        path = "/auth/logout" if session.cookie_name == OPERATOR_COOKIE else "/evm/auth/logout"
        await self.transport.call("POST", path, headers=lambda: session.headers, idempotent=False)
