"""POST /configure in two internal calls: auth's AuthorizeRequest (the stored cosigners of an existing account,
else the submitted ones for a creation; replay check deferred) → the coordinator's ConfigureAccount with the
request's stamp (replay check, create-or-update in one transaction). The initial state's commitment is computed
between the two, once the request is authenticated (in a worker process when large)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from guardian.auth.v1 import auth_pb2 as auth_pb
from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_common.account_auth import AccountAuth
from guardian_common.envelope import ErrorEnvelope
from guardian_common.offload import INLINE_MAX_BYTES
from guardian_gateway.api.signed import Credentials
from guardian_gateway.api.state import GatewayState
from guardian_gateway.domain.commitments import state_commitment
from guardian_gateway.usecases.authorize import authorize
from guardian_network import InvalidDelta


@dataclass(frozen=True)
class Configure:
    account_id: str
    auth: AccountAuth
    initial_state: dict[str, Any]
    network_config: dict[str, Any] | None
    signed_payload: bytes  # the canonical request body the signature covers


async def configure_account(
    state: GatewayState, creds: Credentials, request: Configure
) -> auth_pb.AckKeyInfo:
    """The server's ack key of the configured auth's scheme once the account is configured."""
    auth_json = json.dumps(request.auth.as_json())
    authorized = await authorize(
        state,
        request.account_id,
        creds,
        request.signed_payload,
        defer_replay_check=True,
        proposed_auth_json=auth_json,
    )
    if authorized.ack_key.scheme != request.auth.scheme or not authorized.ack_key.commitment:
        # The account is acknowledged in its cosigners' scheme: an auth answering another scheme's key (one
        # from before Falcon acks, mid-upgrade) would have the client trust the wrong key. Fail before writing.
        raise ErrorEnvelope.of("configuration_error")
    try:
        initial_commitment = await state.offload.run(
            state_commitment,
            request.initial_state,
            inline=len(request.signed_payload) <= INLINE_MAX_BYTES,
        )
    except InvalidDelta:
        raise ErrorEnvelope.of("invalid_input", "initial_state has no canonical JSON form") from None
    config = request.network_config
    reply = await state.coordinator.configure_account(
        pb.ConfigureAccountRequest(
            account_id=request.account_id,
            auth_json=auth_json,
            network_config_json="" if config is None else json.dumps(config),
            initial_state_json=json.dumps(request.initial_state),
            initial_commitment=initial_commitment,
            auth_stamp=pb.AuthStamp(
                signer_commitment=authorized.signer_commitment, timestamp_ms=authorized.timestamp_ms
            ),
            create_only=not authorized.account_exists,
        )
    )
    if reply.outcome == pb.CONFIGURE_OUTCOME_EXISTS:
        # Authorised as a creation, but another request created the account meanwhile: changing it now
        # needs a stored cosigner's signature, which a retry will be checked against.
        raise ErrorEnvelope.of("account_configured_concurrently")
    if reply.outcome == pb.CONFIGURE_OUTCOME_REPLAY:
        raise ErrorEnvelope.of("authentication_replay")
    if reply.outcome not in (pb.CONFIGURE_OUTCOME_CREATED, pb.CONFIGURE_OUTCOME_UPDATED):
        raise ErrorEnvelope.of("internal_error")
    return authorized.ack_key
