"""The chaos campaign's workload (scripts/chaos.py): clients doing what operators, wallets and custody clients
do, through the fleet's load balancer, while faults happen. Every operation is recorded with its outcome, and
the safety checks that only a client can make are made as the workload goes:

- a session whose logout succeeded is never admitted again (checked right after each logout, on every gateway);
- a challenge is consumed at most once (each successful verify is replayed once and must be refused);
- every acknowledged push is kept (the ledger lists them for the database check at the end).

Outcomes: `ok`; `retried` (ok after retryable answers, which the client retries as documented);
`refused_retryable` (still retryable when the client gave up: an availability cost, not a safety one);
`failed` (any other error: counted, and listed in the report).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from guardian_client import Cosigner, CustodyClient, OperatorKey, WalletKey, auth_config, new_account_id
from guardian_client.errors import ApiError, GuardianClientError, ProtocolError, TransportError
from guardian_client.transport import RetryPolicy
from guardian_devnet.control import DevnetControl

# Patient retries: a fault lasts seconds, and a retryable answer is the documented way to say "try again".
RETRY = RetryPolicy(max_attempts=8, initial_delay=0.25, max_delay=3.0)
CANONICAL_WAIT_SECONDS = 120.0
# One operator key logs in at most every 3 s: the fleet-wide per-commitment login budget (30/min by default)
# would otherwise refuse it with 429 and a minute's Retry-After, correctly.
OPERATOR_LOGIN_PERIOD = 3.0


@dataclass
class Ledger:
    operations: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    # (account id, nonce, new commitment) of every push whose ack the client received and verified
    acked: list[tuple[str, int, str]] = field(default_factory=list)
    # (account id, nonce, new commitment) of every delta the client saw canonical
    canonical_seen: list[tuple[str, int, str]] = field(default_factory=list)
    accounts: dict[str, Cosigner] = field(default_factory=dict)

    def record(self, kind: str, outcome: str, detail: str = "") -> None:
        self.operations[(kind, outcome)] += 1
        if outcome in ("failed", "refused_retryable"):
            self.failures[f"{kind} ({outcome}): {detail[:200]}"] += 1

    def violation(self, message: str) -> None:
        self.violations.append(message)


def classify(error: BaseException) -> str:
    if isinstance(error, ApiError) and error.retryable:
        return "refused_retryable"
    if isinstance(error, TransportError):
        return "refused_retryable"
    return "failed"


async def attempt(ledger: Ledger, kind: str, operation: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    """Runs `operation(*args)` with patient retries of retryable answers; records the outcome; None on
    failure (so operations return something other than None when they succeed)."""
    retried = False
    for number in range(1, RETRY.max_attempts + 1):
        try:
            result = await operation(*args)
        except (GuardianClientError, httpx.HTTPError) as exc:
            outcome = classify(exc)
            if outcome == "refused_retryable" and number < RETRY.max_attempts:
                retried = True
                await asyncio.sleep(RETRY.delay(number, getattr(exc, "retry_after", None)) or RETRY.max_delay)
                continue
            ledger.record(kind, outcome, repr(exc))
            return None
        ledger.record(kind, "retried" if retried else "ok")
        return result
    return None


def envelope_error(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    meta = body.get("meta") if isinstance(body, dict) else None
    retryable = bool(meta.get("retryable")) if isinstance(meta, dict) else response.status_code >= 502
    code = str(body.get("code", "")) if isinstance(body, dict) else ""
    return ApiError(
        response.status_code, code, response.text[:200], retryable, meta if isinstance(meta, dict) else {}
    )


@dataclass
class Workload:
    balancer: str
    gateways: list[str]
    devnet: DevnetControl
    operator_key: OperatorKey
    wallet_keys: list[WalletKey]
    ledger: Ledger = field(default_factory=Ledger)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, custody_workers: int, login_workers: int) -> None:
        async with httpx.AsyncClient(timeout=20) as http:
            workers = [self.custody_worker(http, i) for i in range(custody_workers)]
            workers += [self.operator_worker(http) for _ in range(login_workers)]
            workers += [self.wallet_worker(http, key) for key in self.wallet_keys[:login_workers]]
            await asyncio.gather(*workers)

    # -------------------------------------------------------------------------------------------- logins

    async def operator_worker(self, http: httpx.AsyncClient) -> None:
        key = self.operator_key
        while not self.stop.is_set():
            began = time.monotonic()
            await self.operator_round(http, key)
            await asyncio.sleep(max(0.0, OPERATOR_LOGIN_PERIOD - (time.monotonic() - began)))

    async def operator_round(self, http: httpx.AsyncClient, key: OperatorKey) -> None:

        async def challenge() -> dict[str, Any]:
            answer = await http.get(f"{self.balancer}/auth/challenge", params={"commitment": key.commitment})
            if answer.status_code != 200:
                raise envelope_error(answer)
            return dict(answer.json()["challenge"])

        issued = await attempt(self.ledger, "operator challenge", challenge)
        if issued is None:
            return
        body = {"commitment": key.commitment, "signature": key.sign_digest(issued["signing_digest"])}

        async def verify(body: dict[str, Any]) -> httpx.Response:
            answer = await http.post(f"{self.balancer}/auth/verify", json=body)
            if answer.status_code != 200:
                raise envelope_error(answer)
            return answer

        verified = await attempt(self.ledger, "operator verify", verify, body)
        if verified is None:
            return
        cookie = verified.headers.get("set-cookie", "").split(";", 1)[0]
        await self.replay_is_refused(http, "/auth/verify", body, "operator")
        await self.session_round(http, "/dashboard/session", "/auth/logout", cookie, "operator")

    async def wallet_worker(self, http: httpx.AsyncClient, wallet: WalletKey) -> None:
        while not self.stop.is_set():

            async def challenge() -> dict[str, Any]:
                answer = await http.get(
                    f"{self.balancer}/evm/auth/challenge", params={"address": wallet.address}
                )
                if answer.status_code != 200:
                    raise envelope_error(answer)
                return dict(answer.json())

            issued = await attempt(self.ledger, "wallet challenge", challenge)
            if issued is None:
                continue
            signature = wallet.sign_session(issued["nonce"], issued["issued_at"], issued["expires_at"])
            body = {"address": wallet.address, "nonce": issued["nonce"], "signature": signature}

            async def verify(body: dict[str, Any]) -> httpx.Response:
                answer = await http.post(f"{self.balancer}/evm/auth/verify", json=body)
                if answer.status_code != 200:
                    raise envelope_error(answer)
                return answer

            verified = await attempt(self.ledger, "wallet verify", verify, body)
            if verified is None:
                continue
            cookie = verified.headers.get("set-cookie", "").split(";", 1)[0]
            await self.replay_is_refused(http, "/evm/auth/verify", body, "wallet")
            await self.session_round(http, "/evm/session", "/evm/auth/logout", cookie, "wallet")

    async def replay_is_refused(
        self, http: httpx.AsyncClient, path: str, body: dict[str, Any], who: str
    ) -> None:
        """A consumed challenge must not log in again: 401, or a retryable refusal (then tried again)."""
        for _ in range(RETRY.max_attempts):
            try:
                answer = await http.post(f"{self.balancer}{path}", json=body)
            except httpx.HTTPError:
                await asyncio.sleep(0.5)
                continue
            if answer.status_code == 200:
                self.ledger.violation(
                    f"{who} challenge accepted twice: {body.get('nonce') or body['signature'][:18]}"
                )
                return
            if answer.status_code >= 500 or answer.status_code == 429:
                await asyncio.sleep(0.5)
                continue
            self.ledger.record(f"{who} replay refused", "ok")
            return

    async def session_round(
        self, http: httpx.AsyncClient, session_path: str, logout_path: str, cookie: str, who: str
    ) -> None:
        headers = {"cookie": cookie}

        async def read() -> bool:
            answer = await http.get(f"{self.balancer}{session_path}", headers=headers)
            if answer.status_code != 200:
                raise envelope_error(answer)
            return True

        await attempt(self.ledger, f"{who} session read", read)

        async def logout() -> bool:
            answer = await http.post(f"{self.balancer}{logout_path}", headers=headers)
            if answer.status_code != 200:
                raise envelope_error(answer)
            return True

        if await attempt(self.ledger, f"{who} logout", logout) is None:
            # The logout did not succeed (fail closed: 5xx); nothing to check.
            return
        # Revoked before the next request began: every gateway must refuse it now.
        for gateway in self.gateways:
            try:
                answer = await http.get(f"{gateway}{session_path}", headers=headers)
            except httpx.HTTPError:
                continue  # that gateway is down: it admits nothing
            if answer.status_code == 200:
                self.ledger.violation(f"{who} session admitted after its logout by {gateway}")
            elif answer.status_code == 401:
                self.ledger.record(f"{who} revoked refused", "ok")

    # ------------------------------------------------------------------------------------------- custody

    async def custody_worker(self, http: httpx.AsyncClient, index: int) -> None:
        """One account: push, then land (or, one time in five, abandon), wait until the delta is terminal,
        and again. A push whose answer was lost is found with GET /delta and landed like any other."""
        client = CustodyClient([self.balancer], http=http, retry=RETRY)
        signer = Cosigner.ecdsa()
        account_id = new_account_id()
        initial = {"worker": index, "step": 0}
        while not self.stop.is_set():
            done = await attempt(
                self.ledger,
                "configure",
                self.configure,
                client,
                signer,
                account_id,
                initial,
            )
            if done is not None:
                break
            await asyncio.sleep(RETRY.max_delay)  # a failure is already recorded; no need to hammer
        else:
            return
        self.ledger.accounts[account_id] = signer
        rng = random.Random(index)
        while not self.stop.is_set():
            nonce = await self.next_nonce(client, signer, account_id)
            current = await attempt(self.ledger, "state read", client.get_state, signer, account_id)
            if nonce is None or current is None:
                continue
            patch = {"step": int(current.state.get("step", 0)) + 1}
            delta = await attempt(
                self.ledger,
                "push",
                client.push_delta,
                signer,
                account_id,
                nonce,
                current.commitment,
                patch,
            )
            if delta is None:
                continue  # next_nonce finds and finishes whatever the server kept
            self.ledger.acked.append((account_id, nonce, delta.new_commitment))
            if rng.random() < 0.2:
                await attempt(self.ledger, "abandon", client.abandon_candidate, signer, account_id, nonce)
            else:
                await attempt(self.ledger, "land", self.land, account_id, delta.new_commitment)
            await self.wait_terminal(client, signer, account_id, nonce)

    @staticmethod
    async def configure(
        client: CustodyClient, signer: Cosigner, account_id: str, initial: dict[str, Any]
    ) -> bool:
        await client.configure(signer, account_id, initial, auth=auth_config(signer))
        return True

    async def land(self, account_id: str, commitment: str) -> bool:
        await self.devnet.land(account_id, commitment)
        return True

    async def next_nonce(self, client: CustodyClient, signer: Cosigner, account_id: str) -> int | None:
        """The nonce after the last delta the server holds; a candidate found on the way (a push whose
        answer was lost) is landed and waited for first."""
        nonce = 1
        while not self.stop.is_set():
            try:
                delta = await client.get_delta(signer, account_id, nonce)
            except ApiError as exc:
                if exc.status == 404:
                    return nonce
                if not exc.retryable:
                    self.ledger.record("delta read", "failed", repr(exc))
                    return None
                await asyncio.sleep(0.5)
                continue
            except (TransportError, ProtocolError):  # unreachable, or a proxy's own answer: ask again
                await asyncio.sleep(0.5)
                continue
            if delta.status_kind == "candidate":
                await attempt(self.ledger, "land", self.land, account_id, delta.new_commitment)
                await self.wait_terminal(client, signer, account_id, nonce)
                continue
            nonce += 1
        return None

    async def wait_terminal(
        self, client: CustodyClient, signer: Cosigner, account_id: str, nonce: int
    ) -> str:
        deadline = time.monotonic() + CANONICAL_WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                delta = await client.get_delta(signer, account_id, nonce)
            except (ApiError, TransportError, ProtocolError):
                await asyncio.sleep(0.5)
                continue
            if delta.status_kind != "candidate":
                self.ledger.record(f"delta {delta.status_kind}", "ok")
                if delta.status_kind == "canonical":
                    self.ledger.canonical_seen.append((account_id, nonce, delta.new_commitment))
                return delta.status_kind
            await asyncio.sleep(0.3)
        self.ledger.record("delta terminal", "failed", f"{account_id}/{nonce} still a candidate")
        return "candidate"
