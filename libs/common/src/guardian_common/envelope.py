"""The JSON error envelope every product error uses: {"code", "message", "meta": {"retryable", ...}}.

Across gRPC the envelope travels as the status details string, with one extra key, `http_status`,
so the gateway answers exactly what the service decided.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import grpc

# code -> (HTTP status, gRPC status, retryable, user-safe message)
KNOWN: dict[str, tuple[int, grpc.StatusCode, bool, str]] = {
    "authentication_failed": (401, grpc.StatusCode.UNAUTHENTICATED, False, "authentication failed"),
    "authentication_replay": (401, grpc.StatusCode.UNAUTHENTICATED, True, "request timestamp already used"),
    "rate_limit_exceeded": (
        429,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        True,
        "too many requests, try again shortly",
    ),
    "configuration_error": (500, grpc.StatusCode.INTERNAL, False, "server configuration error"),
    "storage_error": (500, grpc.StatusCode.UNAVAILABLE, True, "storage temporarily unavailable, try again"),
    "invalid_input": (400, grpc.StatusCode.INVALID_ARGUMENT, False, "invalid input"),
    "invalid_evm_proposal": (400, grpc.StatusCode.INVALID_ARGUMENT, False, "invalid signature format"),
    "internal_error": (500, grpc.StatusCode.INTERNAL, False, "internal error"),
    "account_configured_concurrently": (
        409,
        grpc.StatusCode.ABORTED,
        True,
        "the account was created by another request meanwhile; retry",
    ),
    "service_unavailable": (
        503,
        grpc.StatusCode.UNAVAILABLE,
        True,
        "service temporarily unavailable, try again",
    ),
    "not_found": (404, grpc.StatusCode.NOT_FOUND, False, "no such route"),
    "method_not_allowed": (405, grpc.StatusCode.UNIMPLEMENTED, False, "method not allowed on this route"),
    "request_timeout": (408, grpc.StatusCode.DEADLINE_EXCEEDED, True, "request not received in time"),
    "header_too_large": (431, grpc.StatusCode.INVALID_ARGUMENT, False, "request headers too large"),
    "payload_too_large": (413, grpc.StatusCode.INVALID_ARGUMENT, False, "request body too large"),
    "unsupported_media_type": (
        415,
        grpc.StatusCode.INVALID_ARGUMENT,
        False,
        "request body must be JSON sent with Content-Type: application/json",
    ),
    # Per-account API (docs/contracts/client-api.md §1) and dashboard (docs/contracts/auth.md §1.1, §2.12).
    "account_not_found": (404, grpc.StatusCode.NOT_FOUND, False, "account not found"),
    "state_not_found": (404, grpc.StatusCode.NOT_FOUND, False, "state not found"),
    "delta_not_found": (404, grpc.StatusCode.NOT_FOUND, False, "delta not found"),
    "authorization_failed": (403, grpc.StatusCode.PERMISSION_DENIED, False, "not authorized"),
    "invalid_delta": (400, grpc.StatusCode.INVALID_ARGUMENT, False, "the delta cannot be applied"),
    "commitment_mismatch": (
        400,
        grpc.StatusCode.INVALID_ARGUMENT,
        False,
        "prev_commitment does not match the stored state",
    ),
    "invalid_network_config": (400, grpc.StatusCode.INVALID_ARGUMENT, False, "invalid network config"),
    "invalid_limit": (400, grpc.StatusCode.INVALID_ARGUMENT, False, "limit must be an integer in 1..500"),
    "invalid_cursor": (400, grpc.StatusCode.INVALID_ARGUMENT, False, "invalid pagination cursor"),
    "invalid_status_filter": (400, grpc.StatusCode.INVALID_ARGUMENT, False, "invalid status filter"),
    "unsupported_for_network": (
        400,
        grpc.StatusCode.FAILED_PRECONDITION,
        False,
        "operation not supported for this account's network",
    ),
    "conflict_pending_delta": (
        409,
        grpc.StatusCode.FAILED_PRECONDITION,
        False,
        "the account already has a pending candidate delta",
    ),
    "GUARDIAN_ACCOUNT_PAUSED": (409, grpc.StatusCode.FAILED_PRECONDITION, False, "the account is paused"),
    "GUARDIAN_ACCOUNT_RELEASED": (
        409,
        grpc.StatusCode.FAILED_PRECONDITION,
        False,
        "the account was released to another guardian",
    ),
    "GUARDIAN_CANDIDATE_LANDED": (
        409,
        grpc.StatusCode.FAILED_PRECONDITION,
        False,
        "the candidate already landed and can no longer be abandoned",
    ),
    "GUARDIAN_INSUFFICIENT_OPERATOR_PERMISSION": (
        403,
        grpc.StatusCode.PERMISSION_DENIED,
        False,
        "the operator lacks a permission this route requires",
    ),
    "network_error": (502, grpc.StatusCode.UNAVAILABLE, True, "network temporarily unavailable, try again"),
    # EVM accounts and proposals (docs/contracts/auth.md §3.7).
    "unsupported_evm_chain": (400, grpc.StatusCode.FAILED_PRECONDITION, False, "unsupported EVM chain"),
    "signer_not_authorized": (
        403,
        grpc.StatusCode.PERMISSION_DENIED,
        False,
        "the wallet is not a signer of this account or proposal",
    ),
    "proposal_not_found": (404, grpc.StatusCode.NOT_FOUND, False, "proposal not found"),
    "proposal_already_signed": (
        409,
        grpc.StatusCode.ALREADY_EXISTS,
        False,
        "this signer already signed the proposal",
    ),
    "invalid_proposal_signature": (
        400,
        grpc.StatusCode.INVALID_ARGUMENT,
        False,
        "the signature does not recover to the signing wallet",
    ),
    # Delta proposals of the json network (docs/proposals.md): the per-account cap on viable pending ones.
    "too_many_pending_proposals": (
        409,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        False,
        "the account already holds the maximum number of pending proposals",
    ),
    "insufficient_signatures": (
        400,
        grpc.StatusCode.FAILED_PRECONDITION,
        False,
        "the proposal does not have enough signatures yet",
    ),
    "rpc_unavailable": (
        503,
        grpc.StatusCode.UNAVAILABLE,
        True,
        "the EVM node did not answer, try again",
    ),
    "rpc_validation_failed": (
        502,
        grpc.StatusCode.FAILED_PRECONDITION,
        False,
        "the chain does not show a usable multisig account",
    ),
    "signing_error": (500, grpc.StatusCode.INTERNAL, True, "signing failed, try again"),
}


@dataclass
class ErrorEnvelope(Exception):
    code: str
    message: str
    http_status: int
    retryable: bool
    meta: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        # A dataclass exception keeps its constructor arguments as `args`, so the default str() would be
        # their tuple repr; logs read `code: message` instead.
        return f"{self.code}: {self.message}"

    @classmethod
    def of(cls, code: str, message: str | None = None, **meta: Any) -> ErrorEnvelope:
        http_status, _, retryable, default_message = KNOWN[code]
        return cls(code, message or default_message, http_status, retryable, meta)

    def body(self) -> dict[str, Any]:
        meta = {"retryable": self.retryable, **{k: v for k, v in self.meta.items() if v is not None}}
        return {"code": self.code, "message": self.message, "meta": meta}

    def grpc_status(self) -> grpc.StatusCode:
        return KNOWN[self.code][1] if self.code in KNOWN else grpc.StatusCode.INTERNAL

    def to_grpc_details(self) -> str:
        return json.dumps({**self.body(), "http_status": self.http_status})

    @classmethod
    def from_grpc_details(cls, details: str | None) -> ErrorEnvelope | None:
        """The envelope a service put in a status' details, or None if there is none."""
        try:
            data = json.loads(details or "")
            meta = dict(data["meta"])
            retryable = bool(meta.pop("retryable"))
            return cls(str(data["code"]), str(data["message"]), int(data["http_status"]), retryable, meta)
        except (ValueError, KeyError, TypeError):
            return None
