"""What can go wrong, as types: answers carrying the server's JSON error envelope become `ApiError`
subclasses chosen by the envelope's `code` (else by the HTTP status); everything else is a client-side
error of its own type.

The envelope is `{"code", "message", "meta": {"retryable", …}}` (docs/gateway.md, "Errors"); the codes of
the per-account API are listed in docs/client-api.md, "Errors".
"""

from __future__ import annotations

import json
from typing import Any

import httpx


class GuardianClientError(Exception):
    """Base of every error this package raises."""


class TransportError(GuardianClientError):
    """No HTTP answer: the connection failed, timed out or was cut. `sent` is False when the request
    cannot have reached the server (the connection was never established)."""

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class ProtocolError(GuardianClientError):
    """An answer that is not what the API documents (an error without the JSON envelope, e.g. from a
    proxy, or a success body missing a field)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AckVerificationError(GuardianClientError):
    """The server's acknowledgement of a push does not verify against the trusted ack key, or does not
    acknowledge the delta that was pushed. The server did store the candidate: `delta` is its answer."""

    def __init__(self, message: str, delta: Any) -> None:
        super().__init__(message)
        self.delta = delta


class ChallengeMismatch(GuardianClientError):
    """An operator challenge whose `signing_digest` is not the digest of its own fields, or that names
    another commitment or domain: signing it could authorise something else, so the client refuses."""


class KeyFileError(GuardianClientError, ValueError):
    """A key file that cannot be read or does not hold a key."""


class ApiError(GuardianClientError):
    """The server answered with the JSON error envelope."""

    def __init__(
        self, status: int, code: str, message: str, retryable: bool, meta: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retryable = retryable
        self.meta: dict[str, Any] = dict(meta or {})

    @property
    def retry_after(self) -> float | None:
        """`meta.retry_after_secs` (also sent as `Retry-After`), when the server gave one."""
        value = self.meta.get("retry_after_secs")
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class InvalidRequest(ApiError):
    """400, 405, 413, 415: the request itself is wrong (`invalid_input`, `invalid_delta`, …)."""


class CommitmentMismatch(InvalidRequest):
    """400 `commitment_mismatch`: the push's `prev_commitment` is not the stored commitment."""

    @property
    def expected(self) -> str | None:
        """The stored commitment: the base to push on."""
        value = self.meta.get("expected")
        return value if isinstance(value, str) else None

    @property
    def actual(self) -> str | None:
        value = self.meta.get("actual")
        return value if isinstance(value, str) else None


class AuthenticationFailed(ApiError):
    """401 `authentication_failed`: missing or bad signature headers, a timestamp outside the window,
    a signer that is not authorised; or no valid session cookie."""


class ReplayRefused(AuthenticationFailed):
    """401 `authentication_replay` (retryable): the signer already used a timestamp at least this large;
    a retry signs again with a fresh timestamp."""


class PermissionDenied(ApiError):
    """403: the operator lacks a permission."""


class NotFound(ApiError):
    """404: no such account, state, delta or route."""


class Conflict(ApiError):
    """409: the request conflicts with the account's current state."""


class PendingDeltaConflict(Conflict):
    """409 `conflict_pending_delta`: a candidate exists, or the nonce holds canonical history."""


class AccountPaused(Conflict):
    """409 `GUARDIAN_ACCOUNT_PAUSED` (`meta.paused_at`, `meta.paused_reason`)."""


class AccountReleased(Conflict):
    """409 `GUARDIAN_ACCOUNT_RELEASED` (`meta.released_at`)."""


class CandidateLanded(Conflict):
    """409 `GUARDIAN_CANDIDATE_LANDED`: the candidate is canonical and can no longer be abandoned."""


class ConfiguredConcurrently(Conflict):
    """409 `account_configured_concurrently` (retryable): another request created the account first and
    this one wrote nothing; a retry is checked as a reconfigure."""


class RateLimited(ApiError):
    """429 `rate_limit_exceeded` (retryable after `retry_after` seconds)."""


class ServerError(ApiError):
    """5xx: `storage_error`, `signing_error`, `service_unavailable` (retryable), `internal_error`, …"""


_BY_CODE: dict[str, type[ApiError]] = {
    "commitment_mismatch": CommitmentMismatch,
    "authentication_failed": AuthenticationFailed,
    "authentication_replay": ReplayRefused,
    "conflict_pending_delta": PendingDeltaConflict,
    "GUARDIAN_ACCOUNT_PAUSED": AccountPaused,
    "GUARDIAN_ACCOUNT_RELEASED": AccountReleased,
    "GUARDIAN_CANDIDATE_LANDED": CandidateLanded,
    "account_configured_concurrently": ConfiguredConcurrently,
    "rate_limit_exceeded": RateLimited,
}
_BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidRequest,
    401: AuthenticationFailed,
    403: PermissionDenied,
    404: NotFound,
    405: InvalidRequest,
    409: Conflict,
    413: InvalidRequest,
    415: InvalidRequest,
    429: RateLimited,
}


def error_class(status: int, code: str) -> type[ApiError]:
    """The most specific class for an envelope: by code, else by status, else ApiError/ServerError."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else ApiError


def parse_envelope(status: int, body: bytes) -> ApiError | None:
    """The typed error for an envelope body; None if the body is not the envelope."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    code, message, meta = data.get("code"), data.get("message"), data.get("meta")
    if not isinstance(code, str) or not isinstance(message, str) or not isinstance(meta, dict):
        return None
    retryable = meta.get("retryable")
    if not isinstance(retryable, bool):
        return None
    return error_class(status, code)(status, code, message, retryable, meta)


def error_from_response(response: httpx.Response) -> GuardianClientError:
    """The error for a non-2xx answer: the typed envelope, or a ProtocolError quoting the body."""
    parsed = parse_envelope(response.status_code, response.content)
    if parsed is not None:
        return parsed
    excerpt = response.content[:300].decode("utf-8", "replace")
    return ProtocolError(
        f"{response.request.method} {response.request.url} answered {response.status_code} without the "
        f"JSON error envelope: {excerpt!r}",
        response.status_code,
    )
