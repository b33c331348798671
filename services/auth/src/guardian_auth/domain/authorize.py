"""The authorisation of a signed per-account request other than a push (docs/gateway.md "Use cases"): one read of
the account (with its state when the route serves it), the request signature against the stored cosigners, then
the signer's replay floor, so the gateway follows it with at most one coordinator call.

Order (docs/contracts/client-api.md §4.7): a missing account is refused before any authentication; the replay
floor moves only once the signature is known good. POST /configure defers the replay check to the
coordinator's ConfigureAccount (its `auth_stamp`), which runs it in the same transaction as the write."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from guardian_auth.domain.request_auth import RequestAuthenticator, Scheme, SignedRequest, refused
from guardian_auth.domain.stores import AccountReader, FloorOutcome, SignedReader, StoredState
from guardian_common.account_auth import AccountAuth, parse_auth, stored_auth
from guardian_common.envelope import ErrorEnvelope
from guardian_common.offload import INLINE_MAX_BYTES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthorizationRequest:
    account_id: str
    pubkey: str
    signature: str
    timestamp: str
    payload: bytes
    include_state: bool = False
    defer_replay_check: bool = False
    proposed_auth_json: str = ""  # "" unless the request may create the account (POST /configure)


@dataclass(frozen=True)
class Authorized:
    signer_commitment: str
    timestamp_ms: int
    account_exists: bool
    auth_scheme: str
    state: StoredState | None
    # The scheme whose ack key answers the request: the submitted auth's for POST /configure (the account
    # is acknowledged in that scheme from now on), else the stored one's.
    ack_scheme: str = ""


def proposed_auth(auth_json: str) -> AccountAuth:
    """The auth object a configure request submits; the gateway checked it, so a bad one here is a caller's bug
    reported as invalid input rather than trusted."""
    try:
        return parse_auth(json.loads(auth_json))
    except ValueError:
        raise ErrorEnvelope.of("invalid_input", "proposed_auth_json must be JSON") from None


class RequestAuthorizer:
    def __init__(
        self,
        accounts: AccountReader,
        authenticator: RequestAuthenticator,
        signed_reads: SignedReader | None = None,
    ) -> None:
        """With `signed_reads`, a request that moves its own replay floor and carries a small payload is authorised
        with one store call instead of two (`_in_one_read`)."""
        self._accounts = accounts
        self._authenticator = authenticator
        self._signed_reads = signed_reads

    async def authorize(self, request: AuthorizationRequest) -> Authorized:
        if (
            self._signed_reads is not None
            and not request.defer_replay_check
            and not request.proposed_auth_json
            and len(request.payload) <= INLINE_MAX_BYTES
        ):
            return await self._in_one_read(self._signed_reads, request)
        if request.include_state:
            stored = await self._accounts.account_with_state(request.account_id)
        else:
            stored = await self._accounts.account(request.account_id)
        if stored is not None:
            auth = stored_auth(stored.auth_json)
        elif request.proposed_auth_json:
            auth = proposed_auth(request.proposed_auth_json)
        else:  # before any authentication, as upstream
            raise ErrorEnvelope.of("account_not_found")
        verified = await self._authenticator.verify(
            SignedRequest(
                account_id=request.account_id,
                pubkey=request.pubkey,
                signature=request.signature,
                timestamp=request.timestamp,
                payload=request.payload,
                scheme=Scheme(auth.scheme),
                cosigners=frozenset(auth.cosigners),
                consume_timestamp=not request.defer_replay_check,
            )
        )
        submitted = proposed_auth(request.proposed_auth_json) if request.proposed_auth_json else auth
        return Authorized(
            signer_commitment=verified.signer_commitment,
            timestamp_ms=verified.timestamp_ms,
            account_exists=stored is not None,
            auth_scheme=auth.scheme,
            state=None if stored is None else stored.state,
            ack_scheme=submitted.scheme,
        )

    async def _in_one_read(self, reads: SignedReader, request: AuthorizationRequest) -> Authorized:
        """The signature first (it needs no account: it proves which keys signed), then one store step that reads
        the account, picks the proven key that is one of its cosigners and moves that signer's floor. The
        refusals keep the documented order: 404 for a missing account, 400 for an EVM account, then 401."""
        proof = await self._authenticator.prove(
            request.account_id, request.pubkey, request.signature, request.timestamp, request.payload
        )
        read = await reads.read_as_signer(
            request.account_id,
            include_state=request.include_state,
            auth_method=proof.auth_method,
            candidates=proof.candidates,
            timestamp_ms=proof.timestamp_ms,
        )
        if read is None:
            raise ErrorEnvelope.of("account_not_found")
        auth = stored_auth(read.account.auth_json)
        if proof.refusal:
            raise refused(proof.refusal)
        if read.signer_commitment is None:
            raise refused(f"no {auth.scheme} cosigner of the account signed (checked as {proof.auth_method})")
        if read.floor is not FloorOutcome.ACCEPTED:
            log.info("replayed timestamp for signer %s on %s", read.signer_commitment, request.account_id)
            raise ErrorEnvelope.of("authentication_replay")
        return Authorized(
            signer_commitment=read.signer_commitment,
            timestamp_ms=proof.timestamp_ms,
            account_exists=True,
            auth_scheme=auth.scheme,
            state=read.account.state,
            ack_scheme=auth.scheme,
        )
