"""Error envelope responses, for route handlers and middleware alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.schemas import ErrorBody

DESCRIPTIONS = {
    400: "invalid_input (missing or malformed parameter or body), or the route's own 400 codes",
    401: "authentication_failed, or authentication_replay (retryable) for a reused signed-request timestamp",
    403: "GUARDIAN_INSUFFICIENT_OPERATOR_PERMISSION with meta.missing_permissions (sorted)",
    404: "account_not_found, state_not_found or delta_not_found",
    409: "conflict_pending_delta, GUARDIAN_ACCOUNT_PAUSED, GUARDIAN_ACCOUNT_RELEASED or GUARDIAN_CANDIDATE_LANDED",
    413: "payload_too_large: body above the route's cap (GUARDIAN_MAX_REQUEST_BYTES or GUARDIAN_MAX_SMALL_REQUEST_BYTES)",
    415: "unsupported_media_type: body not sent as application/json",
    429: "rate_limit_exceeded, with a Retry-After header",
    500: "storage_error (retryable), configuration_error or internal_error",
    502: "rpc_validation_failed: the EVM chain does not show a usable multisig account",
    503: "service_unavailable: a dependency did not answer in time, or the server is busy (retryable)",
}


def envelope_response(envelope: ErrorEnvelope, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The envelope as JSON with its HTTP status; a `retry_after_secs` hint is also sent as Retry-After."""
    merged = dict(headers or {})
    retry_after = envelope.meta.get("retry_after_secs")
    if isinstance(retry_after, int):
        merged["retry-after"] = str(retry_after)
    return JSONResponse(envelope.body(), status_code=envelope.http_status, headers=merged)


RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait: 1 (burst) or 60", "schema": {"type": "integer"}}
}


def error_responses(*statuses: int, cookie: str | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route: the listed error statuses, `default` for any other error, and the
    Set-Cookie header of a 200 that sets or clears `cookie`."""
    documented: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody, "description": DESCRIPTIONS[status]} for status in statuses
    }
    if 429 in documented:
        documented[429]["headers"] = RETRY_AFTER
    documented["default"] = {"model": ErrorBody, "description": "any other error, same envelope"}
    if cookie:
        attributes = "HttpOnly; SameSite=Strict; Path=/; Max-Age; Expires (IMF date); Secure unless disabled"
        documented[200] = {
            "description": "Successful Response",
            "headers": {
                "Set-Cookie": {"description": f"{cookie}=…; {attributes}", "schema": {"type": "string"}}
            },
        }
    return documented
