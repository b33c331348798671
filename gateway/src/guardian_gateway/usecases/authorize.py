"""The first of a signed route's two internal calls: auth's AccountAuth.AuthorizeRequest (one read of the account,
the signature against its cosigners, the replay floor), which answers with what the route needs next."""

from __future__ import annotations

from guardian.auth.v1 import auth_pb2 as auth_pb
from guardian_gateway.api.signed import Credentials
from guardian_gateway.api.state import GatewayState


async def authorize(
    state: GatewayState,
    account_id: str,
    creds: Credentials,
    payload: bytes,
    *,
    include_state: bool = False,
    defer_replay_check: bool = False,
    proposed_auth_json: str = "",
) -> auth_pb.AuthorizedRequest:
    """Refusals arrive as auth's envelope: 404 account_not_found (before any authentication), 400
    unsupported_for_network (EVM account), 401 authentication_failed / authentication_replay."""
    return await state.auth.authorize_request(
        auth_pb.RequestAuthorization(
            account_id=account_id,
            pubkey=creds.pubkey,
            signature=creds.signature,
            timestamp=creds.timestamp,
            payload=payload,
            include_state=include_state,
            defer_replay_check=defer_replay_check,
            proposed_auth_json=proposed_auth_json,
        )
    )
