"""The per-account API of the json network type (docs/client-api.md): configure, push, reads, abandon,
the ack key; signed by a Cosigner, answers parsed into typed objects, errors raised as typed ApiErrors.

A route is described once as a `SignedCall` (method, path, query or body, the value that is signed and
its retry rule); `CustodyClient.execute` runs it with retries and `CustodyClient.send` sends it once and
returns the raw answer (for callers that check status codes themselves).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from guardian_client.ack import ack_message, ack_verifies, falcon_ack_verifies
from guardian_client.errors import AckVerificationError, ProtocolError
from guardian_client.keys import Cosigner, auth_config
from guardian_client.transport import GatewayClient, RetryPolicy, json_object

T = TypeVar("T")

# Codes a route documents as refusals made before it wrote anything (docs/client-api.md): the only
# retryable errors after which a non-idempotent request may be sent again.
# - push: the replay check, the rate limiter, auth not answering (verification and ack signing both run
#   before the candidate is submitted) and a failed ack signature. Not `storage_error`: the coordinator
#   may not have answered the submission itself, which may have committed.
# - configure: a replayed configure and a lost creation race write nothing. Not `service_unavailable`:
#   configure asks auth for the ack key after the write.
PUSH_UNCHANGED = frozenset(
    {"authentication_replay", "rate_limit_exceeded", "service_unavailable", "signing_error"}
)
CONFIGURE_UNCHANGED = frozenset(
    {"authentication_replay", "rate_limit_exceeded", "account_configured_concurrently"}
)


def _wire(value: object) -> bytes:
    """Compact JSON for a request body; NaN and infinities are refused here, as the server would."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


@dataclass(frozen=True)
class SignedCall:
    """One per-account request: what is sent, what is signed (docs/client-api.md, the table of signed
    values) and whether it may be repeated."""

    method: str
    path: str
    account_id: str
    signed: object
    params: dict[str, str] | None = None
    body: bytes | None = None
    idempotent: bool = False
    unchanged_codes: frozenset[str] = frozenset()

    def headers(self, signer: Cosigner) -> dict[str, str]:
        signed = signer.headers(self.account_id, self.signed)
        return {**signed, "content-type": "application/json"} if self.body is not None else signed


def configure_call(
    account_id: str,
    auth: dict[str, Any],
    initial_state: dict[str, Any],
    network_config: dict[str, Any] | None = None,
) -> SignedCall:
    body: dict[str, Any] = {"account_id": account_id, "auth": auth, "initial_state": initial_state}
    if network_config is not None:
        body["network_config"] = network_config
    return SignedCall(
        "POST", "/configure", account_id, body, body=_wire(body), unchanged_codes=CONFIGURE_UNCHANGED
    )


def delta_body(account_id: str, nonce: int, prev_commitment: str, patch: dict[str, Any]) -> dict[str, Any]:
    """The body of a push: the delta payload is `{"patch": <RFC 7396 merge patch>}`."""
    return {
        "account_id": account_id,
        "nonce": nonce,
        "prev_commitment": prev_commitment,
        "delta_payload": {"patch": patch},
    }


def push_call(body: dict[str, Any]) -> SignedCall:
    """A push of a whole body (the raw body is what is signed, extra fields included)."""
    account_id = body.get("account_id")
    if not isinstance(account_id, str):
        raise ValueError("a push body names its account_id (a string)")
    return SignedCall("POST", "/delta", account_id, body, body=_wire(body), unchanged_codes=PUSH_UNCHANGED)


def state_call(account_id: str) -> SignedCall:
    return SignedCall(
        "GET",
        "/state",
        account_id,
        {"account_id": account_id},
        params={"account_id": account_id},
        idempotent=True,
    )


def delta_call(account_id: str, nonce: int, path: str = "/delta") -> SignedCall:
    """`GET /delta` (one delta) or, with `path="/delta/since"`, the canonical deltas from `nonce` on."""
    if path not in ("/delta", "/delta/since"):
        raise ValueError(f"path is /delta or /delta/since, got {path!r}")
    return SignedCall(
        "GET",
        path,
        account_id,
        {"account_id": account_id, "nonce": nonce},
        params={"account_id": account_id, "nonce": str(nonce)},
        idempotent=True,
    )


def abandon_call(account_id: str, nonce: int) -> SignedCall:
    # Idempotent by contract: a repeated abandon answers the first request's state and time.
    body = {"account_id": account_id, "nonce": nonce}
    return SignedCall("POST", "/delta/candidate/abandon", account_id, body, body=_wire(body), idempotent=True)


# ------------------------------------------------------------------------------------------------ answers


def _get(data: dict[str, Any], key: str, kind: type[T]) -> T:
    value = data.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(f"the answer's {key!r} is not a {kind.__name__}: {value!r}")
    return value


@dataclass(frozen=True)
class AckKey:
    """The server's acknowledgement key of a scheme (`GET /pubkey[?scheme=]`). `pubkey` is the ECDSA key
    (`0x` + 33 bytes); for Falcon the server answers the commitment only and `pubkey` is empty."""

    commitment: str
    pubkey: str
    scheme: str = "ecdsa"


@dataclass(frozen=True)
class Configured:
    account_id: str
    message: str
    ack_pubkey: str
    ack_commitment: str


@dataclass(frozen=True)
class AccountState:
    account_id: str
    state: dict[str, Any]
    commitment: str
    created_at: str
    updated_at: str
    auth_scheme: str  # "ecdsa" or "falcon"


@dataclass(frozen=True)
class Delta:
    """A DeltaObject. `status` is the status object (`{"status": "candidate", "timestamp", …}`);
    `ack_pubkey`/`ack_scheme` are filled only in a push's answer. From `/delta/since`, `delta_payload` is
    `{"patches": [...]}` and `prev_commitment` is the first delta's."""

    account_id: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    delta_payload: dict[str, Any]
    ack_sig: str
    ack_pubkey: str
    ack_scheme: str
    status: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def status_kind(self) -> str:
        """`candidate`, `canonical`, `retained` or `discarded`."""
        return str(self.status.get("status"))

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Delta:
        return cls(
            _get(data, "account_id", str),
            _get(data, "nonce", int),
            _get(data, "prev_commitment", str),
            _get(data, "new_commitment", str),
            _get(data, "delta_payload", dict),
            _get(data, "ack_sig", str),
            _get(data, "ack_pubkey", str),
            _get(data, "ack_scheme", str),
            _get(data, "status", dict),
            data,
        )


@dataclass(frozen=True)
class Abandon:
    """The answer to an abandon (202): `state` is `pending` (with `abandon_requested_at`), `abandoned` or
    `retained`."""

    account_id: str
    nonce: int
    state: str
    abandon_requested_at: str | None


# ------------------------------------------------------------------------------------------------ client


class CustodyClient(GatewayClient):
    """Async client of the per-account API.

    `base_urls`: one gateway URL or several (taken in turn, one per attempt). `http`: an
    httpx.AsyncClient to use (not closed by this client); by default the client makes its own with
    `timeout` seconds. `retry`: the RetryPolicy. `ack_key`: the trusted ECDSA ack public key (`0x` + 33
    bytes hex), which acknowledges MidenEcdsa accounts; when None it is fetched from `GET /pubkey` at the
    first such push and kept. `falcon_ack_commitment`: the trusted Falcon ack key's commitment (Word hex),
    which acknowledges MidenFalconRpo accounts; when None it is fetched from `GET /pubkey?scheme=falcon` at
    the first such push and kept. `verify_acks`: check every push's ack (raise AckVerificationError when it
    does not verify, or is not in the signer's scheme).
    """

    def __init__(
        self,
        base_urls: str | Sequence[str],
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        ack_key: str | None = None,
        falcon_ack_commitment: str | None = None,
        verify_acks: bool = True,
    ) -> None:
        super().__init__(base_urls, http=http, timeout=timeout, retry=retry)
        self.verify_acks = verify_acks
        self._ack_key = ack_key
        self._falcon_ack_commitment = falcon_ack_commitment

    def base_url(self, index: int | None = None) -> str:
        """The base URL number `index` (modulo their count), or the next one in turn."""
        return self.transport.base_url(index)

    async def send(
        self,
        call: SignedCall,
        signer: Cosigner,
        *,
        base_url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send `call` once, signed by `signer` (or with exactly `headers`), and return the answer
        whatever its status. No retry, no error mapping."""
        if headers is None:
            headers = call.headers(signer)
        elif call.body is not None:
            headers = {"content-type": "application/json", **headers}
        return await self.transport.send(
            call.method,
            (base_url or self.base_url()) + call.path,
            params=call.params,
            content=call.body,
            headers=headers,
        )

    async def execute(self, call: SignedCall, signer: Cosigner) -> dict[str, Any]:
        """Run `call` with the retry policy (re-signed on every attempt); the answer's JSON object."""
        response = await self.transport.call(
            call.method,
            call.path,
            headers=lambda: call.headers(signer),
            params=call.params,
            content=call.body,
            idempotent=call.idempotent,
            unchanged_codes=call.unchanged_codes,
        )
        return json_object(response)

    async def pubkey(self, scheme: str | None = None) -> AckKey:
        """`GET /pubkey[?scheme=]`: the server's ack key of `scheme` (`ecdsa` or `falcon`; None asks the bare
        route, which answers ECDSA). No signature needed."""
        params = None if scheme is None else {"scheme": scheme}
        data = json_object(await self.transport.call("GET", "/pubkey", params=params, idempotent=True))
        if (scheme or "ecdsa").lower() == "falcon":
            return AckKey(_get(data, "commitment", str), "", "falcon")
        return AckKey(_get(data, "commitment", str), _get(data, "pubkey", str), "ecdsa")

    async def ack_key(self) -> str:
        """The trusted ECDSA ack key: the one given at construction, else `GET /pubkey` (fetched once)."""
        if self._ack_key is None:
            self._ack_key = (await self.pubkey("ecdsa")).pubkey
        return self._ack_key

    async def falcon_ack_commitment(self) -> str:
        """The trusted Falcon ack key's commitment: the one given at construction, else
        `GET /pubkey?scheme=falcon` (fetched once)."""
        if self._falcon_ack_commitment is None:
            self._falcon_ack_commitment = (await self.pubkey("falcon")).commitment
        return self._falcon_ack_commitment

    async def configure(
        self,
        signer: Cosigner,
        account_id: str,
        initial_state: dict[str, Any],
        *,
        auth: dict[str, Any] | None = None,
        network_config: dict[str, Any] | None = None,
    ) -> Configured:
        """Create an account, or replace its auth (then `initial_state` is ignored and the state kept).
        `auth` defaults to `auth_config(signer)`: the signer as the only cosigner."""
        call = configure_call(account_id, auth or auth_config(signer), initial_state, network_config)
        data = await self.execute(call, signer)
        return Configured(
            account_id,
            _get(data, "message", str),
            _get(data, "ack_pubkey", str),
            _get(data, "ack_commitment", str),
        )

    async def push_delta(
        self, signer: Cosigner, account_id: str, nonce: int, prev_commitment: str, patch: dict[str, Any]
    ) -> Delta:
        """Push `{"patch": patch}` on top of `prev_commitment`: the new candidate, its ack checked."""
        return await self.push(signer, delta_body(account_id, nonce, prev_commitment, patch))

    async def push(self, signer: Cosigner, body: dict[str, Any]) -> Delta:
        """Push a whole body (see `delta_body`); the new candidate, its ack checked."""
        delta = Delta.parse(await self.execute(push_call(body), signer))
        if self.verify_acks:
            await self._check_ack(body, delta, signer.scheme)
        return delta

    async def _check_ack(self, body: dict[str, Any], delta: Delta, scheme: str) -> None:
        echoed = (delta.account_id, delta.nonce, delta.prev_commitment)
        if echoed != (body["account_id"], body["nonce"], body["prev_commitment"]):
            raise AckVerificationError(f"the server answered for another delta: {echoed}", delta)
        message = ack_message(
            body["account_id"],
            body["nonce"],
            body["prev_commitment"],
            delta.new_commitment,
            body["delta_payload"],
        )
        # The account is acknowledged in its cosigners' scheme (the signer's), with that scheme's ack key.
        if delta.ack_scheme != scheme:
            raise AckVerificationError(
                f"the push was acknowledged with {delta.ack_scheme!r}, not the account's scheme {scheme!r}",
                delta,
            )
        if scheme == "falcon":
            verified = falcon_ack_verifies(message, delta.ack_sig, await self.falcon_ack_commitment())
        else:
            verified = ack_verifies(message, delta.ack_sig, await self.ack_key())
        if not verified:
            raise AckVerificationError(
                f"the push's ack_sig does not verify against the trusted {scheme} ack key", delta
            )

    async def get_state(self, signer: Cosigner, account_id: str) -> AccountState:
        data = await self.execute(state_call(account_id), signer)
        return AccountState(
            _get(data, "account_id", str),
            _get(data, "state_json", dict),
            _get(data, "commitment", str),
            _get(data, "created_at", str),
            _get(data, "updated_at", str),
            _get(data, "auth_scheme", str),
        )

    async def get_delta(self, signer: Cosigner, account_id: str, nonce: int) -> Delta:
        """The delta at `nonce`, whatever its status."""
        return Delta.parse(await self.execute(delta_call(account_id, nonce), signer))

    async def get_deltas_since(self, signer: Cosigner, account_id: str, nonce: int) -> Delta:
        """The canonical deltas with nonce ≥ `nonce`, merged (`delta_payload = {"patches": [...]}`)."""
        return Delta.parse(await self.execute(delta_call(account_id, nonce, "/delta/since"), signer))

    async def abandon_candidate(self, signer: Cosigner, account_id: str, nonce: int) -> Abandon:
        """Ask the server to abandon the candidate at `nonce` (recorded; the canonicalizer resolves it)."""
        data = await self.execute(abandon_call(account_id, nonce), signer)
        requested = data.get("abandon_requested_at")
        return Abandon(
            _get(data, "account_id", str),
            _get(data, "nonce", int),
            _get(data, "state", str),
            requested if isinstance(requested, str) else None,
        )
