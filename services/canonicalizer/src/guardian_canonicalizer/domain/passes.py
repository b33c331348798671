"""The three passes of docs/contracts/canonicalization.md §4: full, fast promotion and reconcile.

Accounts run with bounded parallelism, the candidates of one account strictly in nonce order. Every
write goes through the coordinator's fenced RPCs with the pass's fence, and every write outcome is
journaled (`guardian.canonicalizer.journal`) with the holder and fence that attempted it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from guardian_canonicalizer.domain.clock import Clock
from guardian_canonicalizer.domain.decisions import (
    CLIENT_ABANDONED,
    Decision,
    FinalizeAbandon,
    NoWrite,
    Promote,
    Remove,
    Retain,
    SetCounters,
    decide_candidate,
    expiry_action,
    reconcile_candidate_row,
    reconcile_due,
)
from guardian_canonicalizer.domain.deltas import Kind, StoredDelta
from guardian_canonicalizer.domain.observations import ChainError, Match, Mismatch, Observation, Unavailable
from guardian_canonicalizer.domain.policy import Policy
from guardian_canonicalizer.domain.ports import (
    Chain,
    CustodyStore,
    Fence,
    Promotion,
    RecentCursor,
    StatusChange,
    StoredState,
    StoreUnavailable,
    WriteResult,
)
from guardian_canonicalizer.domain.scope import PassScope
from guardian_canonicalizer.domain.status import StatusBoard
from guardian_canonicalizer.metrics import Metrics
from guardian_network import InvalidDelta, NetworkType, Transition

log = logging.getLogger("guardian.canonicalizer.pass")
journal = logging.getLogger("guardian.canonicalizer.journal")
FAST_PAGE = 100
STALE_LEASE_REASON = "a write was refused with STALE_LEASE"


class AccountFailed(Exception):
    """This account could not be processed in this pass (it is retried next pass)."""


@dataclass(frozen=True)
class PassSettings:
    max_concurrent_accounts: int = 10
    fast_window_seconds: float = 30.0
    reconcile_page_size: int = 100
    reconcile_interval_seconds: float = 60.0


class Passes:
    def __init__(
        self,
        custody: CustodyStore,
        chain: Chain,
        network: NetworkType,
        clock: Clock,
        policy: Policy,
        settings: PassSettings,
        status: StatusBoard,
        metrics: Metrics,
    ) -> None:
        self._custody = custody
        self._chain = chain
        self._network = network
        self._clock = clock
        self._policy = policy
        self._settings = settings
        self._status = status
        self._metrics = metrics
        self._fast_cursor: RecentCursor | None = None
        self._reconcile_cursor = ""

    # --- shared ----------------------------------------------------------------------------------

    async def _run_accounts(
        self, accounts: list[str], scope: PassScope, work: Callable[[str], Awaitable[None]]
    ) -> int:
        """Runs `work` per account, at most `max_concurrent_accounts` at once; returns the failures."""
        slots = asyncio.Semaphore(self._settings.max_concurrent_accounts)
        failures = 0
        running: set[asyncio.Task[None]] = set()

        async def one(account: str) -> None:
            nonlocal failures
            try:
                await work(account)
            except AccountFailed as exc:
                failures += 1
                log.warning("account %s: %s", account, exc)
            except Exception:
                failures += 1
                log.exception("account %s failed", account)
            finally:
                slots.release()

        for account in accounts:
            await slots.acquire()
            if not scope.admit():  # checkpoint: before each account
                slots.release()
                break
            task = asyncio.create_task(one(account))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.gather(*running)
        return failures

    async def _stored_state(self, account_id: str) -> StoredState:
        state = await self._custody.state(account_id)
        if state is None:
            raise AccountFailed("no stored state")
        return state

    def _apply(self, state: StoredState, payload: dict[str, Any] | None, row: StoredDelta) -> Transition:
        if payload is None:
            raise AccountFailed(f"nonce {row.nonce}: the delta is gone")
        try:
            return self._network.apply(state.state, payload)
        except InvalidDelta as exc:
            raise AccountFailed(
                f"nonce {row.nonce}: the delta does not apply to the stored state: {exc}"
            ) from None

    async def _probe(self, account_id: str, expected: str) -> Observation:
        try:
            return await self._chain.verify_commitment(account_id, expected)
        except ChainError as exc:
            return Unavailable(str(exc))

    def _journal(
        self, op: str, row: StoredDelta, fence: Fence, result: str, outcome: str, sent: float
    ) -> None:
        journal.info(
            "write op=%s account=%s nonce=%d source=%s holder=%s fence=%d result=%s outcome=%s sent=%.6f",
            op,
            row.account_id,
            row.nonce,
            row.kind.value,
            fence.holder_id,
            fence.token,
            result,
            outcome,
            sent,
        )

    async def _write(
        self,
        op: str,
        row: StoredDelta,
        fence: Fence,
        outcome: str,
        scope: PassScope,
        call: Awaitable[WriteResult],
    ) -> bool:
        """Sends one fenced write and handles its outcome (§5.2); True when it was applied.

        The journal line carries the monotonic time the write was sent, so tests can tell writes
        attempted after a pause from those sent before it.
        """
        sent = time.monotonic()
        try:
            result = await call
        except StoreUnavailable:
            self._journal(op, row, fence, "unknown", outcome, sent)
            raise
        self._journal(op, row, fence, result.value, outcome, sent)
        if result is WriteResult.APPLIED:
            self._metrics.candidate_outcomes.labels(outcome).inc()
            if op == "promote":
                self._status.promotions += 1
            return True
        if result is WriteResult.STALE_LEASE:
            self._metrics.stale_writes.labels(op).inc()
            scope.cancel(STALE_LEASE_REASON)
            log.warning("%s %s/%d refused: lease lost", op, row.account_id, row.nonce)
        elif result is WriteResult.STALE_BASE:
            self._metrics.candidate_outcomes.labels("stale_base").inc()
        else:
            log.info("%s %s/%d: no longer of kind %s, skipped", op, row.account_id, row.nonce, row.kind)
        return False

    async def _promote(
        self, fence: Fence, scope: PassScope, row: StoredDelta, transition: Transition, outcome: str
    ) -> bool:
        if row.new_commitment and row.new_commitment != transition.commitment:
            self._metrics.commitment_mismatches.inc()
            log.warning(
                "%s/%d: claimed commitment differs from the recomputed one", row.account_id, row.nonce
            )
        return await self._write(
            "promote",
            row,
            fence,
            outcome,
            scope,
            self._custody.promote(fence, Promotion(row, transition.commitment, transition.new_state)),
        )

    async def _carry_out(
        self, fence: Fence, scope: PassScope, row: StoredDelta, decision: Decision, transition: Transition
    ) -> None:
        match decision:
            case Promote(outcome):
                await self._promote(fence, scope, row, transition, outcome)
            case NoWrite(outcome):
                self._metrics.candidate_outcomes.labels(outcome).inc()
            case SetCounters(retry, divergence, confirm, outcome):
                change = StatusChange(row, Kind.CANDIDATE, "", retry, divergence, confirm)
                counters = self._custody.update_status(fence, change)
                await self._write("counters", row, fence, outcome, scope, counters)
            case Retain(reason, outcome):
                retain = self._custody.update_status(fence, StatusChange.moving(row, Kind.RETAINED, reason))
                await self._write("retain", row, fence, outcome, scope, retain)
            case FinalizeAbandon(outcome):
                abandon = self._custody.update_status(
                    fence, StatusChange.moving(row, Kind.DISCARDED, CLIENT_ABANDONED)
                )
                await self._write("abandon", row, fence, outcome, scope, abandon)
            case Remove(outcome):
                await self._write("discard", row, fence, outcome, scope, self._custody.discard(fence, row))

    @staticmethod
    def _outcome(scope: PassScope, failures: int) -> str:
        if scope.cancelled:
            return "cancelled"
        return "partial" if failures else "completed"

    # --- full pass (§4.1, §4.2) --------------------------------------------------------------------

    async def full(self, fence: Fence, scope: PassScope) -> str:
        failures = 0
        after = ""
        while scope.admit():
            accounts, more = await self._custody.pending_accounts(after)
            failures += await self._run_accounts(
                accounts, scope, lambda a: self._full_account(fence, scope, a)
            )
            if not more or not accounts:
                break
            after = accounts[-1]
        return self._outcome(scope, failures)

    async def _full_account(self, fence: Fence, scope: PassScope, account_id: str) -> None:
        rows = await self._custody.candidates(account_id)
        for index, row in enumerate(rows):
            if not scope.admit():  # checkpoint: before each candidate
                return
            state = await self._stored_state(account_id)
            if index > 0 and row.prev_commitment != state.commitment:
                return  # a predecessor is unresolved: never verify its successor
            transition = self._apply(state, await self._custody.payload(account_id, row.nonce), row)
            observation = await self._probe(account_id, transition.commitment)
            decision = decide_candidate(row, observation, self._clock.now(), self._policy)
            await self._carry_out(fence, scope, row, decision, transition)
            if not isinstance(decision, Promote):
                return

    # --- fast promotion pass (§4.8) ----------------------------------------------------------------

    async def fast(self, fence: Fence, scope: PassScope) -> str:
        failures = 0
        cursor = self._fast_cursor
        exhausted = False
        while scope.admit():
            rows, more = await self._custody.recent_candidates(
                self._settings.fast_window_seconds, FAST_PAGE, cursor
            )
            failures += await self._fast_page(fence, scope, rows)
            if rows:
                last = rows[-1]
                cursor = (last.status_at, last.account_id, last.nonce)
            if not more or not rows:
                exhausted = True
                break
        self._fast_cursor = None if exhausted else cursor
        return self._outcome(scope, failures)

    async def _fast_page(self, fence: Fence, scope: PassScope, rows: list[StoredDelta]) -> int:
        by_account: dict[str, list[StoredDelta]] = {}
        for row in rows:
            by_account.setdefault(row.account_id, []).append(row)
        return await self._run_accounts(
            list(by_account),
            scope,
            lambda a: self._fast_account(fence, scope, sorted(by_account[a], key=lambda r: r.nonce)),
        )

    async def _fast_account(self, fence: Fence, scope: PassScope, rows: list[StoredDelta]) -> None:
        for row in rows:
            if not scope.admit() or not row.new_commitment:
                return
            try:
                observation = await self._chain.verify_commitment(row.account_id, row.new_commitment)
            except ChainError as exc:
                raise AccountFailed(f"chain probe failed: {exc}") from None
            if not isinstance(observation, Match):
                return  # nothing landed yet: the full pass decides; no counters here
            state = await self._stored_state(row.account_id)
            transition = self._apply(state, await self._custody.payload(row.account_id, row.nonce), row)
            if transition.commitment != row.new_commitment:
                return
            if not await self._promote(fence, scope, row, transition, "canonicalized"):
                return

    # --- reconcile pass (§4.9) ---------------------------------------------------------------------

    async def reconcile(self, fence: Fence, scope: PassScope) -> str:
        ttl = self._policy.retained_ttl_seconds
        page = self._settings.reconcile_page_size
        accounts, more = await self._custody.recoverable_accounts(ttl, self._reconcile_cursor, page)
        if len(accounts) < page and self._reconcile_cursor:
            wrapped, more = await self._custody.recoverable_accounts(ttl, "", page - len(accounts))
            accounts += [a for a in wrapped if a not in accounts]
        self._reconcile_cursor = accounts[-1] if more and accounts else ""
        failures = await self._run_accounts(
            accounts, scope, lambda a: self._reconcile_account(fence, scope, a)
        )
        return self._outcome(scope, failures)

    async def _reconcile_account(self, fence: Fence, scope: PassScope, account_id: str) -> None:
        if await self._custody.candidates(account_id):
            return  # never move the base under an in-flight candidate
        now = self._clock.now()
        live: list[StoredDelta] = []
        for row in await self._custody.recoverable_deltas(account_id, self._policy.retained_ttl_seconds):
            expiry = expiry_action(row, now, self._policy)
            if isinstance(expiry, Remove):
                await self._write(
                    "discard", row, fence, expiry.outcome, scope, self._custody.discard(fence, row)
                )
            elif expiry is None:
                live.append(row)
        if not live or not scope.admit():
            return
        youngest = min((now - row.status_at).total_seconds() for row in live)
        if not reconcile_due(youngest, self._settings.reconcile_interval_seconds):
            return
        state = await self._stored_state(account_id)
        observation = await self._probe(account_id, state.commitment)
        if not isinstance(observation, Mismatch):
            return  # at the stored base, absent, or no answer: nothing landed that we can see
        for row in live:
            transition: Transition | None = None
            if row.prev_commitment == state.commitment and row.new_commitment in ("", observation.on_chain):
                payload = await self._custody.payload(account_id, row.nonce)
                try:
                    transition = self._apply(state, payload, row)
                except AccountFailed:
                    transition = None
            why = reconcile_candidate_row(
                row, state.commitment, observation.on_chain, transition.commitment if transition else None
            )
            if why is None and transition is not None:
                await self._promote(fence, scope, row, transition, "reconciled")
                return
            log.debug("reconcile %s/%d skipped: %s", account_id, row.nonce, why)
        self._metrics.candidate_outcomes.labels("reconcile_deferred").inc()
