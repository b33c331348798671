"""The authorisation of a signed per-account request other than a push (docs/gateway.md "Use cases"): one read of
the account (with its state when the route serves it), the request signature against the stored cosigners, then
the signer's replay floor, so the gateway follows it with at most one coordinator call.

Order (docs/contracts/client-api.md §4.7): a missing account is refused before any authentication; the replay
floor moves only once the signature is known good. POST /configure defers the replay check to the
coordinator's ConfigureAccount (its `auth_stamp`), which runs it in the same transaction as the write."""

from __future__ import annotations

import json
from dataclasses import dataclass

from guardian_auth.domain.request_auth import RequestAuthenticator, Scheme, SignedRequest
from guardian_auth.domain.stores import AccountReader, StoredState
from guardian_common.account_auth import AccountAuth, parse_auth, stored_auth
from guardian_common.envelope import ErrorEnvelope


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
    def __init__(self, accounts: AccountReader, authenticator: RequestAuthenticator) -> None:
        self._accounts = accounts
        self._authenticator = authenticator

    async def authorize(self, request: AuthorizationRequest) -> Authorized:
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
