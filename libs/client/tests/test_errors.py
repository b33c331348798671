"""The JSON error envelope → typed errors; the retry policy's waits."""

from __future__ import annotations

import json

import pytest

from guardian_client import (
    AccountPaused,
    ApiError,
    AuthenticationFailed,
    CommitmentMismatch,
    Conflict,
    InvalidRequest,
    NotFound,
    PendingDeltaConflict,
    PermissionDenied,
    RateLimited,
    ReplayRefused,
    RetryPolicy,
    ServerError,
)
from guardian_client.errors import error_class, parse_envelope
from guardian_common.envelope import KNOWN, ErrorEnvelope

# The class every status maps to (a code may pick a subclass of it).
STATUS_CLASSES: dict[int, type[ApiError]] = {
    400: InvalidRequest,
    401: AuthenticationFailed,
    403: PermissionDenied,
    404: NotFound,
    405: InvalidRequest,
    409: Conflict,
    413: InvalidRequest,
    415: InvalidRequest,
    429: RateLimited,
    500: ServerError,
    502: ServerError,
    503: ServerError,
}


@pytest.mark.parametrize("code", sorted(KNOWN))
def test_every_code_the_server_knows_maps_to_its_status_family(code: str) -> None:
    """The server's own envelope for every code it defines, as the gateway writes it."""
    server = ErrorEnvelope.of(code)
    error = parse_envelope(server.http_status, json.dumps(server.body()).encode())
    assert error is not None
    family = STATUS_CLASSES.get(server.http_status, ServerError if server.http_status >= 500 else ApiError)
    assert isinstance(error, family)
    assert (error.status, error.code, error.message, error.retryable) == (
        server.http_status,
        code,
        server.message,
        server.retryable,
    )


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "authentication_replay", ReplayRefused),
        (400, "commitment_mismatch", CommitmentMismatch),
        (409, "conflict_pending_delta", PendingDeltaConflict),
        (409, "GUARDIAN_ACCOUNT_PAUSED", AccountPaused),
        (418, "teapot", ApiError),
        (599, "future_code", ServerError),
    ],
)
def test_specific_codes_get_their_own_class(status: int, code: str, expected: type[ApiError]) -> None:
    assert error_class(status, code) is expected


def test_meta_is_kept_and_read() -> None:
    paused = ErrorEnvelope.of("GUARDIAN_ACCOUNT_PAUSED", paused_at="2026-01-01T00:00:00Z", paused_reason="x")
    error = parse_envelope(409, json.dumps(paused.body()).encode())
    assert isinstance(error, AccountPaused)
    assert error.meta == {"retryable": False, "paused_at": "2026-01-01T00:00:00Z", "paused_reason": "x"}
    limited = ErrorEnvelope.of("rate_limit_exceeded", retry_after_secs=1)
    error = parse_envelope(429, json.dumps(limited.body()).encode())
    assert isinstance(error, RateLimited) and error.retry_after == 1.0 and error.retryable
    mismatch = ErrorEnvelope.of("commitment_mismatch", expected="0xaa", actual="0xbb")
    error = parse_envelope(400, json.dumps(mismatch.body()).encode())
    assert isinstance(error, CommitmentMismatch) and (error.expected, error.actual) == ("0xaa", "0xbb")
    assert "400 commitment_mismatch" in str(error)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502</html>",
        b"[]",
        b'{"code": "x", "message": "m"}',
        b'{"code": "x", "message": "m", "meta": {}}',
        b'{"code": "x", "message": "m", "meta": {"retryable": "yes"}}',
        b'{"code": 5, "message": "m", "meta": {"retryable": true}}',
    ],
)
def test_a_body_that_is_not_the_envelope_is_not_taken_for_one(body: bytes) -> None:
    assert parse_envelope(500, body) is None


def test_backoff_grows_is_capped_jittered_and_honours_retry_hints() -> None:
    policy = RetryPolicy(max_attempts=5, initial_delay=0.1, max_delay=1.0, multiplier=3, jitter=0.5)
    assert [policy.delay(n, None, rng=lambda: 0.0) for n in (1, 2, 3, 4)] == pytest.approx(
        [0.1, 0.3, 0.9, 1.0]
    )
    assert policy.delay(2, None, rng=lambda: 1.0) == pytest.approx(0.15)
    assert policy.delay(1, 0.5, rng=lambda: 0.0) == 0.5, "a hint is a minimum wait"
    assert policy.delay(1, 1.5) is None, "a hint beyond max_delay is not waited for"


@pytest.mark.parametrize(
    "options",
    [{"max_attempts": 0}, {"initial_delay": -1}, {"multiplier": 0.5}, {"jitter": 2}],
)
def test_a_nonsensical_policy_is_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**options)  # type: ignore[arg-type]
