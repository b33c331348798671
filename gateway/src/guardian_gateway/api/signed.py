"""Signed per-account requests (docs/contracts/client-api.md §4): the three headers (auth verifies them: usecases/)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from guardian_common.envelope import ErrorEnvelope

HEADERS = ("x-pubkey", "x-signature", "x-timestamp")


@dataclass(frozen=True)
class Credentials:
    pubkey: str
    signature: str
    timestamp: str


def credentials(request: Request) -> Credentials:
    """The three headers (first value of each); a missing one → 401 before anything else is read."""
    values = [request.headers.get(name) for name in HEADERS]
    if any(value is None for value in values):
        raise ErrorEnvelope.of("authentication_failed")
    pubkey, signature, timestamp = (str(value) for value in values)
    return Credentials(pubkey, signature, timestamp)


def lookup_credentials(request: Request) -> Credentials:
    """GET /state/lookup: `x-signature` and `x-timestamp` (missing → 401); `x-pubkey` is not used (the key
    comes from the signature, docs/contracts/client-api.md §4.8), so it may be absent."""
    signature, timestamp = request.headers.get("x-signature"), request.headers.get("x-timestamp")
    if signature is None or timestamp is None:
        raise ErrorEnvelope.of("authentication_failed")
    return Credentials(request.headers.get("x-pubkey", ""), signature, timestamp)
