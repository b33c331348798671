"""Signed per-account requests (docs/contracts/client-api.md §4): the three headers, and verification by auth."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from guardian.auth.v1 import auth_pb2 as auth_pb
from guardian_common.account_auth import AccountAuth
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.state import GatewayState

SCHEMES = {"falcon": auth_pb.SIGNATURE_SCHEME_FALCON, "ecdsa": auth_pb.SIGNATURE_SCHEME_ECDSA}
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


async def verify(
    state: GatewayState,
    account_id: str,
    creds: Credentials,
    payload: bytes,
    auth: AccountAuth,
    *,
    consume: bool = True,
) -> auth_pb.VerifiedRequest:
    """Auth checks the window, the signature against `auth`'s cosigners and (when `consume`) advances the
    signer's replay floor. Failures arrive as auth's envelope (401 authentication_failed /
    authentication_replay)."""
    return await state.auth.verify_request(
        auth_pb.RequestVerification(
            account_id=account_id,
            pubkey=creds.pubkey,
            signature=creds.signature,
            timestamp=creds.timestamp,
            payload=payload,
            scheme=SCHEMES[auth.scheme],
            cosigner_commitments=list(auth.cosigners),
            consume_timestamp=consume,
        )
    )
