"""What a failed internal call becomes on the HTTP side."""

from __future__ import annotations

import logging

import grpc

from guardian_common.envelope import ErrorEnvelope

log = logging.getLogger("guardian.gateway.rpc")

# What a replica that is not there, too slow or going away answers. CANCELLED is what a call gets when it
# reaches a replica at the moment that replica starts draining (most calls in flight at a coordinator's
# SIGTERM, under load); the gateway never cancels its own calls (a request it abandons raises
# CancelledError instead), so the outcome is unknown as after a deadline, and the client may retry.
UNREACHABLE = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}
)


def envelope_for(error: grpc.aio.AioRpcError, service: str) -> ErrorEnvelope:
    """The service's own envelope when it sent one; a retryable 503 when it could not be reached in
    time; a plain 500 otherwise. The gRPC detail text only goes to the log."""
    envelope = ErrorEnvelope.from_grpc_details(error.details())
    if envelope is not None and 400 <= envelope.http_status <= 599:
        return envelope
    if error.code() in UNREACHABLE:
        log.warning("%s unreachable: %s %s", service, error.code().name, error.details())
        return ErrorEnvelope.of("service_unavailable")
    log.error("%s call failed without an error envelope: %s %s", service, error.code().name, error.details())
    return ErrorEnvelope.of("internal_error")
