"""The three passes of docs/contracts/canonicalization.md §4 (full, fast promotion and reconcile), over one
shard and a page at a time.

A page is one `ShardWork.list_work` call: accounts with their state, rows and payloads. Per account the
pass takes one candidate (the first whose base is the stored state), reconstructs the delta's end state
and commitment for the whole page in a worker thread (so the heartbeat never waits behind CPU work),
probes the chain for all of them concurrently (at most `chain_concurrency` probes in flight per replica),
decides each with the pure decision table, and sends the page's writes as one `apply_writes` batch under
the shard's fence: an outcome per write. Successive candidates of one account go in later pages/passes.
The full pass pipelines its pages (the next page read, and this page's batch written, while a page is
judged); its batches still go one at a time.

Every write outcome is journaled (`guardian.canonicalizer.journal`) with the lease, holder and fence that
attempted it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
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
    Discard,
    Fence,
    Promotion,
    ShardRef,
    ShardWork,
    StatusChange,
    StoreUnavailable,
    WorkItem,
    WorkMode,
    Write,
    WriteResult,
)
from guardian_canonicalizer.domain.scope import PassScope
from guardian_canonicalizer.domain.status import StatusBoard
from guardian_canonicalizer.metrics import Metrics
from guardian_network import InvalidDelta, NetworkType

log = logging.getLogger("guardian.canonicalizer.pass")
journal = logging.getLogger("guardian.canonicalizer.journal")
STALE_LEASE_REASON = "a write was refused with STALE_LEASE"
WRONG_SHARD_REASON = "a write was refused with WRONG_SHARD"
MAX_BATCH = 500  # the coordinator's bound on writes per ApplyWrites


@dataclass(frozen=True)
class PassSettings:
    batch_size: int = 200  # accounts per page of the full and fast passes
    chain_concurrency: int = 32  # chain probes in flight at once, per replica
    fast_window_seconds: float = 30.0
    reconcile_page_size: int = 100
    reconcile_interval_seconds: float = 60.0


@dataclass(frozen=True)
class Computed:
    """A delta applied to the stored state: the recomputed commitment and the new state's JSON."""

    commitment: str
    new_state_json: str


@dataclass(frozen=True)
class Planned:
    """One write a decision names, with what the journal and the metrics say about it."""

    op: str  # promote | counters | retain | abandon | discard
    outcome: str
    write: Write

    @property
    def row(self) -> StoredDelta:
        return self.write.row


def _discard_outcome(future: asyncio.Future[Any]) -> None:
    """Retrieves the outcome of a read nobody waits for any more (no "never retrieved" warning)."""
    if not future.cancelled():
        future.exception()


def first_candidate(item: WorkItem) -> StoredDelta | None:
    """The candidate a pass judges for this account: the first whose base is the stored state (in
    normal operation the lowest nonce). When none is, the lowest nonce is judged all the same, as a
    single leader always did, so a candidate built on a base that never became canonical still spends
    its retries instead of blocking the account."""
    for row in item.rows:
        if row.kind is Kind.CANDIDATE and row.prev_commitment == item.commitment:
            return row
    return next((row for row in item.rows if row.kind is Kind.CANDIDATE), None)


class Passes:
    def __init__(
        self,
        work: ShardWork,
        chain: Chain,
        network: NetworkType,
        clock: Clock,
        policy: Policy,
        settings: PassSettings,
        status: StatusBoard,
        metrics: Metrics,
    ) -> None:
        self._work = work
        self._chain = chain
        self._network = network
        self._clock = clock
        self._policy = policy
        self._settings = settings
        self._status = status
        self._metrics = metrics
        self._probe_slots: asyncio.Semaphore | None = None
        self._fast_cursor: dict[ShardRef, str] = {}
        self._reconcile_cursor: dict[ShardRef, str] = {}

    # --- CPU work, off the event loop ----------------------------------------------------------------

    def _compute(self, state_json: str | None, payload_json: str | None, row: StoredDelta) -> Computed | str:
        """The delta applied to the state, or why it cannot be (an account error; no counter spent)."""
        if state_json is None:
            return "no stored state"
        if payload_json is None:
            return f"nonce {row.nonce}: the delta is gone"
        try:
            state, payload = json.loads(state_json), json.loads(payload_json)
        except ValueError as exc:
            return f"nonce {row.nonce}: unreadable JSON: {exc}"
        if not isinstance(state, dict) or not isinstance(payload, dict):
            return f"nonce {row.nonce}: the state and the payload must be JSON objects"
        try:
            transition = self._network.apply(state, payload)
        except InvalidDelta as exc:
            return f"nonce {row.nonce}: the delta does not apply to the stored state: {exc}"
        return Computed(transition.commitment, json.dumps(transition.new_state, separators=(",", ":")))

    async def _compute_all(self, jobs: Sequence[tuple[WorkItem, StoredDelta]]) -> list[Computed | str]:
        """One worker thread call for the whole page (JSON parsing, merge, hashing, serialising)."""
        if not jobs:
            return []

        def run() -> list[Computed | str]:
            return [self._compute(item.state_json, item.payloads.get(row.nonce), row) for item, row in jobs]

        return await asyncio.to_thread(run)

    # --- chain probes --------------------------------------------------------------------------------

    async def _probe(self, scope: PassScope, account_id: str, expected: str) -> Observation | None:
        """One probe under the replica's bound; None when the scope no longer admits work."""
        if self._probe_slots is None:
            self._probe_slots = asyncio.Semaphore(self._settings.chain_concurrency)
        async with self._probe_slots:
            if not scope.admit():  # checkpoint: before each account's probe
                return None
            try:
                return await self._chain.verify_commitment(account_id, expected)
            except ChainError as exc:
                return Unavailable(str(exc))

    async def _probe_all(
        self, scope: PassScope, targets: Sequence[tuple[str, str]]
    ) -> list[Observation | None]:
        return list(await asyncio.gather(*(self._probe(scope, a, e) for a, e in targets)))

    # --- writes --------------------------------------------------------------------------------------

    def _journal(self, planned: Planned, fence: Fence, result: str, sent: float) -> None:
        row = planned.row
        journal.info(
            "write op=%s account=%s nonce=%d source=%s lease=%s holder=%s fence=%d result=%s outcome=%s "
            "sent=%.6f",
            planned.op,
            row.account_id,
            row.nonce,
            row.kind.value,
            fence.lease_name,
            fence.holder_id,
            fence.token,
            result,
            planned.outcome,
            sent,
        )

    def _handle(self, planned: Planned, result: WriteResult, scope: PassScope) -> None:
        row = planned.row
        if result is WriteResult.APPLIED:
            self._metrics.candidate_outcomes.labels(planned.outcome).inc()
            if planned.op == "promote":
                self._status.promotions += 1
                self._metrics.promotions.inc()
                scope.tally.promoted += 1
            elif planned.op in ("discard", "abandon", "retain"):
                scope.tally.discarded += 1
        elif result in (WriteResult.STALE_LEASE, WriteResult.WRONG_SHARD):
            self._metrics.stale_writes.labels(planned.op, result.value).inc()
            scope.cancel(STALE_LEASE_REASON if result is WriteResult.STALE_LEASE else WRONG_SHARD_REASON)
            log.warning("%s %s/%d refused: %s", planned.op, row.account_id, row.nonce, result.value)
        elif result is WriteResult.STALE_BASE:
            self._metrics.candidate_outcomes.labels("stale_base").inc()
        else:
            log.info(
                "%s %s/%d: no longer of kind %s, skipped", planned.op, row.account_id, row.nonce, row.kind
            )

    async def _send(self, fence: Fence, scope: PassScope, kind: str, planned: Sequence[Planned]) -> int:
        """Sends the writes as batches (at most one per account each) and handles every outcome (§5.2);
        returns the writes that got no answer (their accounts are retried next pass).

        A batch is sent only while the shard is still writable; the journal line carries the monotonic
        time it was sent, so tests can tell writes attempted after a pause from those sent before it.
        """
        failures = 0
        for start in range(0, len(planned), MAX_BATCH):
            if not scope.may_write():
                break
            chunk = planned[start : start + MAX_BATCH]
            self._metrics.batches.labels(kind).inc()
            self._metrics.batch_writes.labels(kind).inc(len(chunk))
            sent = time.monotonic()
            try:
                results = await self._work.apply_writes(fence, [p.write for p in chunk])
            except StoreUnavailable as exc:
                for p in chunk:
                    self._journal(p, fence, "unknown", sent)
                log.warning("a batch of %d writes got no answer: %s", len(chunk), exc)
                failures += len(chunk)
                continue
            for p, result in zip(chunk, results, strict=True):
                self._journal(p, fence, result.value, sent)
                self._handle(p, result, scope)
        return failures

    async def _send_rounds(
        self, fence: Fence, scope: PassScope, kind: str, per_account: Sequence[Sequence[Planned]]
    ) -> int:
        """Accounts with several writes (reconcile) send them in rounds, one write per account each."""
        failures = 0
        for depth in range(max((len(w) for w in per_account), default=0)):
            if not scope.may_write():
                break
            failures += await self._send(
                fence, scope, kind, [w[depth] for w in per_account if len(w) > depth]
            )
        return failures

    def _plan(self, row: StoredDelta, decision: Decision, computed: Computed) -> Planned | None:
        """The write a decision names (None: no write; its outcome is counted here)."""
        match decision:
            case Promote(outcome):
                return self._promotion(row, computed, outcome)
            case NoWrite(outcome):
                self._metrics.candidate_outcomes.labels(outcome).inc()
                return None
            case SetCounters(retry, divergence, confirm, outcome):
                return Planned(
                    "counters", outcome, StatusChange(row, Kind.CANDIDATE, "", retry, divergence, confirm)
                )
            case Retain(reason, outcome):
                return Planned("retain", outcome, StatusChange.moving(row, Kind.RETAINED, reason))
            case FinalizeAbandon(outcome):
                return Planned("abandon", outcome, StatusChange.moving(row, Kind.DISCARDED, CLIENT_ABANDONED))
            case Remove(outcome):
                return Planned("discard", outcome, Discard(row))

    def _promotion(self, row: StoredDelta, computed: Computed, outcome: str) -> Planned:
        if row.new_commitment and row.new_commitment != computed.commitment:
            self._metrics.commitment_mismatches.inc()
            log.warning(
                "%s/%d: claimed commitment differs from the recomputed one", row.account_id, row.nonce
            )
        return Planned("promote", outcome, Promotion(row, computed.commitment, computed.new_state_json))

    @staticmethod
    def _outcome(scope: PassScope, failures: int) -> str:
        scope.tally.failed += failures
        if scope.cancelled:
            return "cancelled"
        return "partial" if failures else "completed"

    @staticmethod
    def _failed(account_id: str, why: str) -> int:
        log.warning("account %s: %s", account_id, why)
        return 1

    # --- full pass (§4.1, §4.2) ----------------------------------------------------------------------

    async def full(self, fence: Fence, scope: PassScope) -> str:
        """Pages in keyset order, pipelined: the next page is read while this one is judged, and this
        page's batch is written while the next one is judged. Pages hold disjoint accounts (keyset), so
        a batch still carries at most one write per account; batches still go one after the other, each
        only once the previous one's outcomes are handled (a refused write stops the next batch), all
        under the same fence."""
        shard = ShardRef.of_lease(fence.lease_name)

        def read(after: str) -> asyncio.Future[tuple[list[WorkItem], bool]]:
            return asyncio.ensure_future(
                self._work.list_work(shard, WorkMode.PENDING, after, self._settings.batch_size)
            )

        failures = 0
        reading = read("") if scope.admit() else None  # checkpoint: before each page
        writing: asyncio.Future[int] | None = None
        try:
            while reading is not None:
                items, more = await reading
                reading = None
                if not scope.admit():
                    break  # stopped while reading (a release, a deadline): judge nothing of this page
                if more and items and scope.admit():
                    reading = read(items[-1].account_id)
                page_failures, planned = await self._judge_full_page(scope, items)
                failures += page_failures
                if writing is not None:
                    failures += await writing
                    writing = None
                writing = asyncio.ensure_future(self._send(fence, scope, "full", planned))
        finally:
            if reading is not None:  # a page read ahead that will not be judged
                reading.cancel()
                reading.add_done_callback(_discard_outcome)
            if writing is not None:
                failures += await writing  # a decided batch is sent (or journaled unknown) before we return
        return self._outcome(scope, failures)

    async def _judge_full_page(self, scope: PassScope, items: list[WorkItem]) -> tuple[int, list[Planned]]:
        """Reconstruct, probe and decide one page: its account errors and the writes it decided."""
        chosen = [(item, row) for item in items if (row := first_candidate(item)) is not None]
        scope.tally.judged += len(chosen)
        failures = 0
        ready: list[tuple[StoredDelta, Computed]] = []
        for (item, row), computed in zip(chosen, await self._compute_all(chosen), strict=True):
            if isinstance(computed, str):
                failures += self._failed(item.account_id, computed)
            else:
                ready.append((row, computed))
        observations = await self._probe_all(scope, [(row.account_id, c.commitment) for row, c in ready])
        now = self._clock.now()
        planned: list[Planned] = []
        for (row, computed), observation in zip(ready, observations, strict=True):
            if observation is None:
                continue  # not admitted: the next pass reads it again
            decision = decide_candidate(row, observation, now, self._policy)
            if (write := self._plan(row, decision, computed)) is not None:
                planned.append(write)
        return failures, planned

    # --- fast promotion pass (§4.8) ------------------------------------------------------------------

    async def fast(self, fence: Fence, scope: PassScope) -> str:
        """Pages of accounts with a recent candidate; the cursor survives a pass cut short by its
        deadline, so the next fast pass goes on where this one stopped."""
        shard = ShardRef.of_lease(fence.lease_name)
        failures = 0
        after = self._fast_cursor.get(shard, "")
        exhausted = False
        while scope.admit():
            items, more = await self._work.list_work(
                shard,
                WorkMode.RECENT,
                after,
                self._settings.batch_size,
                window_seconds=self._settings.fast_window_seconds,
            )
            if not scope.admit():
                break  # the cursor stays before this page
            failures += await self._fast_page(fence, scope, items)
            if items:
                after = items[-1].account_id
            if not more or not items:
                exhausted = True
                break
        self._fast_cursor[shard] = "" if exhausted else after
        return self._outcome(scope, failures)

    async def _fast_page(self, fence: Fence, scope: PassScope, items: list[WorkItem]) -> int:
        """Probe with the claimed commitment; only on `Match` reconstruct, require recomputed = claimed,
        and promote. Nothing else is ever written by the fast pass."""
        chosen = [
            (item, row) for item in items if (row := first_candidate(item)) is not None and row.new_commitment
        ]
        scope.tally.judged += len(chosen)
        observations = await self._probe_all(
            scope, [(row.account_id, row.new_commitment) for _, row in chosen]
        )
        failures = 0
        matched: list[tuple[WorkItem, StoredDelta]] = []
        for (item, row), observation in zip(chosen, observations, strict=True):
            if isinstance(observation, Unavailable):
                failures += self._failed(item.account_id, f"chain probe failed: {observation.reason}")
            elif isinstance(observation, Match):
                matched.append((item, row))  # anything else: nothing landed yet; the full pass decides
        planned: list[Planned] = []
        for (item, row), computed in zip(matched, await self._compute_all(matched), strict=True):
            if isinstance(computed, str):
                failures += self._failed(item.account_id, computed)
            elif computed.commitment == row.new_commitment:
                planned.append(self._promotion(row, computed, "canonicalized"))
        return failures + await self._send(fence, scope, "fast", planned)

    # --- reconcile pass (§4.9) -----------------------------------------------------------------------

    async def reconcile(self, fence: Fence, scope: PassScope) -> str:
        """One page per pass, rotating after a per-shard cursor (wrapping to the start when short)."""
        shard = ShardRef.of_lease(fence.lease_name)
        ttl = self._policy.retained_ttl_seconds
        page = self._settings.reconcile_page_size
        cursor = self._reconcile_cursor.get(shard, "")
        mode = WorkMode.RECOVERABLE
        items, more = await self._work.list_work(shard, mode, cursor, page, retained_ttl_seconds=ttl)
        if len(items) < page and cursor:
            wrapped, more = await self._work.list_work(
                shard, mode, "", page - len(items), retained_ttl_seconds=ttl
            )
            seen = {item.account_id for item in items}
            items += [item for item in wrapped if item.account_id not in seen]
        self._reconcile_cursor[shard] = items[-1].account_id if more and items else ""
        failures = await self._reconcile_page(fence, scope, items)
        return self._outcome(scope, failures)

    async def _reconcile_page(self, fence: Fence, scope: PassScope, items: list[WorkItem]) -> int:
        now = self._clock.now()
        failures = 0
        writes: dict[str, list[Planned]] = {}
        probing: list[tuple[WorkItem, list[StoredDelta]]] = []
        for item in items:
            if not scope.admit():  # checkpoint: before each account
                break
            if item.has_candidate:
                continue  # never move the base under an in-flight candidate
            live: list[StoredDelta] = []
            expired: list[Planned] = []
            for row in item.rows:
                expiry = expiry_action(row, now, self._policy)
                if isinstance(expiry, Remove):
                    expired.append(Planned("discard", expiry.outcome, Discard(row)))
                elif expiry is None:
                    live.append(row)
            writes[item.account_id] = expired
            scope.tally.judged += len(expired)
            if not live:
                continue
            youngest = min((now - row.status_at).total_seconds() for row in live)
            if not reconcile_due(youngest, self._settings.reconcile_interval_seconds):
                continue
            if item.state_json is None:
                failures += self._failed(item.account_id, "no stored state")
                continue
            probing.append((item, live))
        scope.tally.judged += len(probing)

        observations = await self._probe_all(
            scope, [(item.account_id, item.commitment) for item, _ in probing]
        )
        mismatched = [
            (item, live, observation.on_chain)
            for (item, live), observation in zip(probing, observations, strict=True)
            if isinstance(observation, Mismatch)  # at the stored base, absent, or no answer: nothing seen
        ]
        jobs = [
            (item, row)
            for item, live, on_chain in mismatched
            for row in live
            if row.prev_commitment == item.commitment and row.new_commitment in ("", on_chain)
        ]
        computed = dict(
            zip(((i.account_id, r.nonce) for i, r in jobs), await self._compute_all(jobs), strict=True)
        )
        for item, live, on_chain in mismatched:
            for row in live:
                result = computed.get((item.account_id, row.nonce))
                transition = result if isinstance(result, Computed) else None
                why = reconcile_candidate_row(
                    row, item.commitment, on_chain, transition.commitment if transition else None
                )
                if why is None and transition is not None:
                    writes[item.account_id].append(self._promotion(row, transition, "reconciled"))
                    break
                log.debug("reconcile %s/%d skipped: %s", item.account_id, row.nonce, why)
            else:
                self._metrics.candidate_outcomes.labels("reconcile_deferred").inc()
        return failures + await self._send_rounds(fence, scope, "reconcile", list(writes.values()))
