"""The authorisation of a push (POST /delta, docs/gateway.md "Use cases"): one read of the account with its
state, the request signature against the stored cosigners, the json network's new commitment and the ack (made
with the ack key of the account's scheme: Falcon for MidenFalconRpo, ECDSA for MidenEcdsa).

The replay floor is not touched here: the caller hands the returned stamp to the coordinator's submission,
which checks it in the same transaction as the candidate insert, so a push costs two internal calls in
sequence. Refusals that depend on the stored rows (paused, pending candidate, stale base) are the
coordinator's too: they must come after the replay check (docs/contracts/client-api.md §2.1)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from guardian_auth.domain.ack import Ack, AckKeys
from guardian_auth.domain.request_auth import RequestAuthenticator, Scheme, SignedRequest
from guardian_auth.domain.stores import AccountReader
from guardian_common.account_auth import stored_auth
from guardian_common.envelope import ErrorEnvelope
from guardian_common.offload import INLINE_MAX_BYTES, Offload
from guardian_network import InvalidDelta, JsonNetwork

NETWORK = JsonNetwork()
# Auth method label of a stored account → the scheme of its cosigners (docs/client-api.md).


@dataclass(frozen=True)
class PushRequest:
    account_id: str
    pubkey: str
    signature: str
    timestamp: str
    payload: bytes
    nonce: int
    prev_commitment: str
    delta_payload_json: str


@dataclass(frozen=True)
class AuthorizedPush:
    signer_commitment: str
    timestamp_ms: int
    new_commitment: str
    ack: Ack


def stored_signers(auth_json: str) -> tuple[Scheme, frozenset[str]]:
    """The scheme and cosigners of a stored auth object. An EVM account → unsupported_for_network; anything
    unreadable is an internal error (it was validated when it was configured)."""
    auth = stored_auth(auth_json)
    return Scheme(auth.scheme), frozenset(auth.cosigners)


def pushed_commitment(state_json: str, payload_json: str) -> str:
    """The commitment of the stored state after the payload; plain data, so it can run in a worker process.
    Raises InvalidDelta when the payload does not apply."""
    state: Any = json.loads(state_json)
    return NETWORK.apply(state, json.loads(payload_json)).commitment


class PushAuthorizer:
    def __init__(
        self,
        accounts: AccountReader,
        authenticator: RequestAuthenticator,
        signer: AckKeys,
        offload: Offload | None = None,
    ) -> None:
        """Without `offload`, the commitment is computed on the caller's thread (tests, tools)."""
        self._accounts = accounts
        self._authenticator = authenticator
        self._signer = signer
        self._offload = offload

    async def authorize(self, push: PushRequest) -> AuthorizedPush:
        stored = await self._accounts.account_with_state(push.account_id)
        if stored is None:  # before any authentication, as upstream (docs/contracts/client-api.md §4.7)
            raise ErrorEnvelope.of("account_not_found")
        scheme, cosigners = stored_signers(stored.auth_json)
        verified = await self._authenticator.verify(
            SignedRequest(
                account_id=push.account_id,
                pubkey=push.pubkey,
                signature=push.signature,
                timestamp=push.timestamp,
                payload=push.payload,
                scheme=scheme,
                cosigners=cosigners,
                consume_timestamp=False,
            )
        )
        if stored.state_json is None:
            raise ErrorEnvelope.of("state_not_found")
        try:
            if self._offload is None:
                new_commitment = pushed_commitment(stored.state_json, push.delta_payload_json)
            else:
                small = len(stored.state_json) + len(push.delta_payload_json) <= INLINE_MAX_BYTES
                new_commitment = await self._offload.run(
                    pushed_commitment, stored.state_json, push.delta_payload_json, inline=small
                )
        except InvalidDelta as exc:
            raise ErrorEnvelope.of("invalid_delta", f"the delta cannot be applied: {exc}") from None
        except ValueError:
            raise ErrorEnvelope.of("invalid_input", "delta_payload_json must be JSON") from None
        ack = await self._signer.sign_json(
            scheme.value,
            push.account_id,
            push.nonce,
            push.prev_commitment,
            new_commitment,
            push.delta_payload_json,
        )
        return AuthorizedPush(verified.signer_commitment, verified.timestamp_ms, new_commitment, ack)
