"""POST /delta in two internal calls in sequence: auth.AuthorizePush (one read of the account with its
state, signature, new commitment, ack) → coordinator.SubmitCandidate with the request's replay stamp (replay,
released/paused, pending candidate, base check and insert in one transaction, in the order of
docs/contracts/client-api.md §2.1). No check is repeated here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from guardian.auth.v1 import auth_pb2 as auth_pb
from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_gateway.api.custody_checks import submit_refusal
from guardian_gateway.api.signed import Credentials
from guardian_gateway.api.state import GatewayState


@dataclass(frozen=True)
class Push:
    account_id: str
    nonce: int
    prev_commitment: str
    delta_payload: dict[str, Any]
    signed_payload: bytes  # the canonical request body the signature covers


@dataclass(frozen=True)
class Pushed:
    delta: pb.Delta
    ack: auth_pb.AckSignature


async def push_delta(state: GatewayState, creds: Credentials, push: Push) -> Pushed:
    payload_json = json.dumps(push.delta_payload)
    authorized = await state.auth.authorize_push(
        auth_pb.PushAuthorization(
            account_id=push.account_id,
            pubkey=creds.pubkey,
            signature=creds.signature,
            timestamp=creds.timestamp,
            payload=push.signed_payload,
            nonce=push.nonce,
            prev_commitment=push.prev_commitment,
            delta_payload_json=payload_json,
        )
    )
    reply = await state.coordinator.submit_candidate(
        pb.SubmitCandidateRequest(
            account_id=push.account_id,
            nonce=push.nonce,
            prev_commitment=push.prev_commitment,
            new_commitment=authorized.new_commitment,
            delta_payload_json=payload_json,
            ack_sig=authorized.ack.ack_sig,
            auth_stamp=pb.AuthStamp(
                signer_commitment=authorized.signer_commitment, timestamp_ms=authorized.timestamp_ms
            ),
        )
    )
    if reply.outcome != pb.SUBMIT_OUTCOME_SUBMITTED:
        raise submit_refusal(reply, push.prev_commitment)
    return Pushed(reply.delta, authorized.ack)
