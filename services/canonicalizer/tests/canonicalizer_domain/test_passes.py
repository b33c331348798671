"""The pass logic against in-memory fakes of its ports: what each chain observation leads to, the fence,
batches, and what the passes do when the store or the chain gives no answer."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from guardian_canonicalizer.domain.clock import ManualClock
from guardian_canonicalizer.domain.decisions import CLIENT_ABANDONED, DIVERGED, RETRY_EXHAUSTED
from guardian_canonicalizer.domain.deltas import Kind
from guardian_canonicalizer.domain.passes import (
    STALE_LEASE_REASON,
    WRONG_SHARD_REASON,
    Passes,
    PassSettings,
    Planned,
)
from guardian_canonicalizer.domain.policy import Policy
from guardian_canonicalizer.domain.ports import (
    Fence,
    HeldLease,
    Promotion,
    WorkItem,
    Write,
    WriteResult,
)
from guardian_canonicalizer.domain.scope import PassScope
from guardian_canonicalizer.domain.status import StatusBoard
from guardian_canonicalizer.metrics import Metrics
from guardian_common.shards import shard_lease_name, shard_of
from guardian_network import JsonNetwork

from .fakes import FakeChain, FakeCoordinator

A = "0x" + "0a" * 15
B = "0x" + "0b" * 15
HOLDER = "replica-1"
LEASE_NAME = shard_lease_name(0, 1)  # S = 1: one shard holds every account
POLICY = Policy(
    max_retries=3,
    grace_seconds=60,
    divergence_confirmations=2,
    abandon_quarantine_seconds=15,
    abandon_quarantine_checks=2,
    retained_ttl_seconds=3600,
)


@dataclass
class Harness:
    clock: ManualClock
    store: FakeCoordinator
    chain: FakeChain
    board: StatusBoard
    registry: CollectorRegistry
    passes: Passes
    lease: HeldLease

    def outcomes(self, outcome: str) -> float:
        value = self.registry.get_sample_value(
            "guardian_canonicalization_candidates_total", {"outcome": outcome}
        )
        return value or 0.0

    def stale_writes(self, operation: str, outcome: str) -> float:
        value = self.registry.get_sample_value(
            "guardian_canonicalization_stale_writes_refused_total",
            {"operation": operation, "outcome": outcome},
        )
        return value or 0.0

    async def scope(self) -> PassScope:
        return PassScope(None, asyncio.Event())

    async def run(self, kind: str = "full") -> tuple[str, PassScope]:
        scope = PassScope(None, asyncio.Event())
        run = {"full": self.passes.full, "fast": self.passes.fast, "reconcile": self.passes.reconcile}[kind]
        return await run(self.lease.fence, scope), scope


async def harness(policy: Policy = POLICY, *, batch_size: int = 1, shards: int = 1) -> Harness:
    """Pages of one account by default, so "the next account" is well defined when a pass stops."""
    clock = ManualClock()
    store = FakeCoordinator(clock)
    chain = FakeChain()
    board = StatusBoard(holder_id=HOLDER)
    registry = CollectorRegistry()
    settings = PassSettings(batch_size=batch_size, fast_window_seconds=30, reconcile_interval_seconds=60)
    passes = Passes(store, chain, JsonNetwork(), clock, policy, settings, board, Metrics(registry))
    acquired = await store.acquire_shards(HOLDER, shards, [0], 30 * 86_400)  # outlives every clock move
    [lease] = acquired.leases
    return Harness(clock, store, chain, board, registry, passes, lease)


def promotion(h: Harness, account_id: str) -> Planned:
    row = h.store.row(account_id, 0)
    assert row is not None
    state = h.store.accounts[account_id].state
    return Planned("promote", "canonicalized", Promotion(row.stored(), row.new_commitment, json.dumps(state)))


def kind_of(h: Harness, account_id: str, nonce: int) -> Kind | None:
    row = h.store.row(account_id, nonce)
    return None if row is None else row.kind


# --- promotion ---------------------------------------------------------------------------------------


async def test_a_candidate_the_chain_confirms_is_promoted_under_the_fence() -> None:
    h = await harness()
    h.store.configure(A, {"balance": 1})
    row = h.store.push(A, {"balance": 2})
    h.chain.commitments[A] = row.new_commitment

    outcome, _ = await h.run()

    assert outcome == "completed"
    assert kind_of(h, A, 0) is Kind.CANONICAL
    assert h.store.accounts[A].state == {"balance": 2}
    assert h.store.accounts[A].commitment == row.new_commitment
    assert [(w.op, w.fence, w.result) for w in h.store.writes] == [
        ("promote", h.lease.fence, WriteResult.APPLIED)
    ]
    assert h.board.promotions == 1
    assert h.outcomes("canonicalized") == 1


async def test_an_account_moves_in_nonce_order_and_stops_at_its_first_unconfirmed_candidate() -> None:
    h = await harness()
    h.store.configure(A, {"n": 0})
    first = h.store.push(A, {"n": 1})
    second = h.store.push(A, {"n": 2})

    # Nothing landed: the first candidate waits out its grace period, the second is never looked at.
    await h.run()
    assert h.chain.probes == [A]
    assert kind_of(h, A, 0) is kind_of(h, A, 1) is Kind.CANDIDATE
    assert h.store.writes == []
    assert h.outcomes("grace_deferred") == 1

    # The first landed: it is promoted (one candidate per account per batch: the second waits for the
    # next pass, where it is at its base on chain and waits its grace).
    h.chain.commitments[A] = first.new_commitment
    await h.run()
    assert kind_of(h, A, 0) is Kind.CANONICAL
    assert kind_of(h, A, 1) is Kind.CANDIDATE
    assert h.chain.probes == [A, A]
    await h.run()
    assert h.chain.probes == [A, A, A]
    assert kind_of(h, A, 1) is Kind.CANDIDATE

    h.chain.commitments[A] = second.new_commitment
    await h.run()
    assert kind_of(h, A, 1) is Kind.CANONICAL
    assert h.store.accounts[A].state == {"n": 2}
    assert h.outcomes("canonicalized") == 2


async def test_a_promotion_on_a_moved_base_is_refused_and_the_pass_goes_on() -> None:
    h = await harness()
    h.store.configure(A, {"n": 0})
    h.store.configure(B, {"n": 0})
    for account in (A, B):
        h.chain.commitments[account] = h.store.push(account, {"n": 1}).new_commitment

    def race(account_id: str) -> None:
        if account_id == A:  # another write moved A's state between the read and the promotion
            h.store.accounts[A].commitment = "0x" + "ee" * 32

    h.chain.on_probe = race
    outcome, scope = await h.run()

    assert outcome == "completed" and not scope.cancelled
    assert [(w.account_id, w.result) for w in h.store.writes] == [
        (A, WriteResult.STALE_BASE),
        (B, WriteResult.APPLIED),
    ]
    assert h.outcomes("stale_base") == 1


# --- retries, grace, divergence, abandon --------------------------------------------------------------


async def test_an_unconfirmed_candidate_waits_its_grace_then_spends_its_retries_then_is_retained() -> None:
    h = await harness()
    h.store.configure(A, {"n": 0})
    h.store.push(A, {"n": 1})

    await h.run()  # within the grace period: no write at all
    assert h.store.writes == []

    h.clock.advance(61)
    await h.run()
    await h.run()
    row = h.store.row(A, 0)
    assert row is not None and row.kind is Kind.CANDIDATE and row.retry_count == 2
    assert h.outcomes("retried") == 2

    await h.run()  # the third observation exhausts max_retries = 3
    row = h.store.row(A, 0)
    assert row is not None and row.kind is Kind.RETAINED and row.reason == RETRY_EXHAUSTED
    assert h.outcomes("retained") == 1


async def test_an_unanswered_chain_probe_counts_as_one_unverified_observation() -> None:
    h = await harness()
    h.store.configure(A, {"n": 0})
    h.store.push(A, {"n": 1})
    h.clock.advance(61)
    h.chain.down = True

    outcome, _ = await h.run()

    assert outcome == "completed"
    row = h.store.row(A, 0)
    assert row is not None and row.retry_count == 1 and row.kind is Kind.CANDIDATE


async def test_divergence_needs_a_consecutive_streak_and_then_discards_when_retention_is_off() -> None:
    h = await harness(Policy(**{**POLICY.__dict__, "retained_ttl_seconds": 0}))
    h.store.configure(A, {"n": 0})
    h.store.push(A, {"n": 1})
    elsewhere = "0x" + "dd" * 32

    h.chain.commitments[A] = elsewhere
    await h.run()
    row = h.store.row(A, 0)
    assert row is not None and row.divergence_count == 1

    del h.chain.commitments[A]  # the chain is back at the base: the streak ends
    await h.run()
    row = h.store.row(A, 0)
    assert row is not None and row.divergence_count == 0

    h.chain.commitments[A] = elsewhere
    await h.run()
    assert kind_of(h, A, 0) is Kind.CANDIDATE
    await h.run()  # the second consecutive divergent observation
    assert h.store.row(A, 0) is None, "retention off: the candidate row is deleted"
    assert h.outcomes(DIVERGED) == 1


async def test_an_abandoned_candidate_is_finalised_after_its_quarantine() -> None:
    h = await harness()
    h.store.configure(A, {"n": 0})
    h.store.push(A, {"n": 1})
    h.store.request_abandon(A, 0)

    await h.run()
    h.clock.advance(5)
    await h.run()  # enough checks, but the intent is only 5 s old
    row = h.store.row(A, 0)
    assert row is not None and row.kind is Kind.CANDIDATE and row.abandon_confirm_count == 2

    h.clock.advance(11)
    await h.run()
    row = h.store.row(A, 0)
    assert row is not None and row.kind is Kind.DISCARDED and row.reason == CLIENT_ABANDONED
    assert h.outcomes("abandoned") == 1


async def test_an_abandoned_candidate_that_landed_is_promoted_instead() -> None:
    h = await harness()
    h.store.configure(A, {"n": 0})
    row = h.store.push(A, {"n": 1})
    h.store.request_abandon(A, 0)
    h.chain.commitments[A] = row.new_commitment

    await h.run()

    assert kind_of(h, A, 0) is Kind.CANONICAL


# --- the fence and unavailability ---------------------------------------------------------------------


async def test_a_stale_fence_stops_the_pass_from_writing() -> None:
    h = await harness()
    for account in (A, B):
        h.store.configure(account, {"n": 0})
        h.chain.commitments[account] = h.store.push(account, {"n": 1}).new_commitment
    # Another replica takes the lease while this pass is between its read and its first write.
    h.chain.on_probe = lambda _: h.store.take_over(LEASE_NAME, "replica-2")

    outcome, scope = await h.run()

    assert outcome == "cancelled"
    assert scope.cancel_reason == STALE_LEASE_REASON
    assert [(w.account_id, w.result) for w in h.store.writes] == [(A, WriteResult.STALE_LEASE)]
    assert h.chain.probes == [A], "no further page is admitted once a write came back STALE_LEASE"
    assert kind_of(h, A, 0) is kind_of(h, B, 0) is Kind.CANDIDATE
    assert h.stale_writes("promote", "stale_lease") == 1
    assert h.board.promotions == 0


async def test_a_batch_without_an_answer_is_journaled_unknown_and_its_accounts_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = await harness()
    for account in (A, B):
        h.store.configure(account, {"n": 0})
        h.chain.commitments[account] = h.store.push(account, {"n": 1}).new_commitment
    h.store.fail_next["apply_writes"] = 1

    with caplog.at_level(logging.INFO, logger="guardian.canonicalizer.journal"):
        outcome, scope = await h.run()

    assert outcome == "partial" and not scope.cancelled
    assert f"write op=promote account={A} nonce=0 source=candidate lease={LEASE_NAME}" in caplog.text
    assert "result=unknown" in caplog.text
    assert kind_of(h, A, 0) is Kind.CANDIDATE
    assert kind_of(h, B, 0) is Kind.CANONICAL, "one batch's failure does not stop the next page"

    outcome, _ = await h.run()
    assert outcome == "completed"
    assert kind_of(h, A, 0) is Kind.CANONICAL


async def test_a_store_without_answers_fails_the_pass() -> None:
    h = await harness()
    h.store.configure(A, {"n": 0})
    h.store.push(A, {"n": 1})
    h.store.available = False

    with pytest.raises(Exception, match="the store is down"):
        await h.run()
    assert h.store.writes == []


# --- fast and reconcile passes ------------------------------------------------------------------------


async def test_the_fast_pass_promotes_what_landed_and_leaves_the_rest_untouched() -> None:
    h = await harness()
    h.store.configure(A, {"n": 0})
    h.store.configure(B, {"n": 0})
    landed = h.store.push(A, {"n": 1})
    h.store.push(B, {"n": 1})
    h.chain.commitments[A] = landed.new_commitment

    outcome, _ = await h.run("fast")

    assert outcome == "completed"
    assert kind_of(h, A, 0) is Kind.CANONICAL
    assert h.outcomes("canonicalized") == 1
    assert [w.account_id for w in h.store.writes] == [A], "nothing landed for B: no write, no counter"
    assert kind_of(h, B, 0) is Kind.CANDIDATE

    h.clock.advance(31)  # B is now older than the 30 s window: only the full pass looks at it
    h.chain.probes.clear()
    await h.run("fast")
    assert h.chain.probes == []


async def test_reconcile_promotes_a_retained_delta_that_landed_late_and_expires_old_ones() -> None:
    h = await harness(Policy(**{**POLICY.__dict__, "max_retries": 1}))
    h.store.configure(A, {"n": 0})
    h.store.configure(B, {"n": 0})
    late = h.store.push(A, {"n": 1})
    h.store.push(B, {"n": 1})
    h.clock.advance(61)
    await h.run()  # max_retries = 1: both are retained at once
    assert kind_of(h, A, 0) is kind_of(h, B, 0) is Kind.RETAINED

    h.chain.commitments[A] = late.new_commitment
    outcome, _ = await h.run("reconcile")
    assert outcome == "completed"
    assert kind_of(h, A, 0) is Kind.CANONICAL
    assert h.outcomes("reconciled") == 1
    assert kind_of(h, B, 0) is Kind.RETAINED

    h.clock.advance(POLICY.retained_ttl_seconds)
    await h.run("reconcile")
    assert h.store.row(B, 0) is None, "an expired retained row is deleted"
    assert h.outcomes("reconcile_expired") == 1


# --- batches and shards -------------------------------------------------------------------------------


async def test_a_page_is_one_read_and_one_batch_with_an_outcome_per_write() -> None:
    h = await harness(Policy(**{**POLICY.__dict__, "grace_seconds": 0}), batch_size=100)
    accounts = ["0x" + f"{i:02x}" * 15 for i in range(1, 7)]
    rows = {}
    for account in accounts:
        h.store.configure(account, {"n": 0})
        rows[account] = h.store.push(account, {"n": 1})
    moved, done, landed, waiting = accounts[0], accounts[1], accounts[2:4], accounts[4:]
    for account in [moved, done, *landed]:
        h.chain.commitments[account] = rows[account].new_commitment

    def race(account_id: str) -> None:
        # Between the page read and the batch: one base moves, one candidate is promoted elsewhere.
        if account_id == moved:
            h.store.accounts[moved].commitment = "0x" + "ee" * 32
        if account_id == done:
            row = h.store.row(done, 0)
            assert row is not None
            row.kind = Kind.CANONICAL

    h.chain.on_probe = race
    outcome, _ = await h.run()

    assert outcome == "completed"
    assert h.store.calls["list_work"] == 1 and h.store.batches == [6], "one page read, one batch written"
    results = {w.account_id: (w.op, w.result) for w in h.store.writes}
    assert results[moved] == ("promote", WriteResult.STALE_BASE)
    assert results[done] == ("promote", WriteResult.NOT_CANDIDATE)
    assert all(results[a] == ("promote", WriteResult.APPLIED) for a in landed)
    assert all(results[a] == ("update_status", WriteResult.APPLIED) for a in waiting), "retry counters"
    assert h.outcomes("canonicalized") == 2 and h.outcomes("retried") == 2 and h.outcomes("stale_base") == 1


async def test_one_candidate_per_account_per_batch_in_nonce_order() -> None:
    h = await harness(batch_size=100)
    h.store.configure(A, {"n": 0})
    rows = [h.store.push(A, {"n": n}) for n in (1, 2, 3)]

    for expected in (1, 2, 3):
        h.chain.commitments[A] = rows[expected - 1].new_commitment
        await h.run()
        assert [kind_of(h, A, n) for n in range(3)].count(Kind.CANONICAL) == expected
    assert h.store.batches == [1, 1, 1]
    assert h.store.accounts[A].state == {"n": 3}


async def test_a_pass_reads_only_its_shard_and_a_write_outside_it_is_refused() -> None:
    h = await harness(shards=4, batch_size=100)
    accounts = ["0x" + f"{i:02x}" * 15 for i in range(1, 30)]
    for account in accounts:
        h.store.configure(account, {"n": 0})
        h.chain.commitments[account] = h.store.push(account, {"n": 1}).new_commitment
    mine = [a for a in accounts if shard_of(a, 4) == 0]
    assert 0 < len(mine) < len(accounts)

    await h.run()
    assert sorted(w.account_id for w in h.store.writes) == sorted(mine)
    assert all(kind_of(h, a, 0) is Kind.CANDIDATE for a in accounts if a not in mine)

    # A write under shard 0's fence for an account of another shard changes nothing and stops the pass.
    other = next(a for a in accounts if a not in mine)
    row = h.store.row(other, 0)
    assert row is not None
    outcome = await h.passes._send(h.lease.fence, scope := await h.scope(), "full", [promotion(h, other)])
    assert outcome == 0 and scope.cancel_reason == WRONG_SHARD_REASON
    assert h.store.writes[-1].result is WriteResult.WRONG_SHARD
    assert kind_of(h, other, 0) is Kind.CANDIDATE
    assert h.stale_writes("promote", "wrong_shard") == 1


async def test_a_superseded_fence_is_refused_for_every_write_of_its_batch() -> None:
    h = await harness(batch_size=100)
    for account in (A, B):
        h.store.configure(account, {"n": 0})
        h.chain.commitments[account] = h.store.push(account, {"n": 1}).new_commitment
    h.store.take_over(LEASE_NAME, "replica-2")
    h.store.take_over(LEASE_NAME, HOLDER)  # even the same holder: the old token is superseded
    old = h.lease.fence
    assert h.store.leases[LEASE_NAME].token != old.token

    outcome, scope = await h.run()

    assert outcome == "cancelled" and scope.cancel_reason == STALE_LEASE_REASON
    assert [w.result for w in h.store.writes] == [WriteResult.STALE_LEASE] * 2
    assert kind_of(h, A, 0) is kind_of(h, B, 0) is Kind.CANDIDATE


async def test_a_scope_whose_shard_is_no_longer_writable_sends_nothing() -> None:
    h = await harness(batch_size=100)
    h.store.configure(A, {"n": 0})
    h.chain.commitments[A] = h.store.push(A, {"n": 1}).new_commitment
    writable = True

    def lose(_: str) -> None:
        nonlocal writable
        writable = False  # the write deadline passes while the probe is in flight

    h.chain.on_probe = lose
    scope = PassScope(None, asyncio.Event(), lambda: writable)
    outcome = await h.passes.full(h.lease.fence, scope)

    assert outcome == "cancelled"
    assert h.store.calls["apply_writes"] == 0 and h.store.writes == []
    assert kind_of(h, A, 0) is Kind.CANDIDATE


async def test_a_full_pass_reads_the_next_page_while_a_batch_is_written_but_batches_never_overlap() -> None:
    h = await harness(batch_size=1)
    accounts = ["0x" + f"{i:02x}" * 15 for i in range(1, 5)]
    for account in accounts:
        h.store.configure(account, {"n": 0})
        h.chain.commitments[account] = h.store.push(account, {"n": 1}).new_commitment
    events: list[str] = []
    in_flight = 0
    real_list, real_apply = h.store.list_work, h.store.apply_writes
    # Set once the second page has been judged and the third read: the first batch is answered only then,
    # so the order below does not depend on how fast a worker thread wakes up.
    pipelined = asyncio.Event()

    def note(event: str) -> None:
        events.append(event)
        if f"probe {accounts[1]}" in events and events.count("read") >= 3:
            pipelined.set()

    async def list_work(*args: Any, **kwargs: Any) -> tuple[list[WorkItem], bool]:
        note("read")
        return await real_list(*args, **kwargs)

    async def apply_writes(fence: Fence, writes: Sequence[Write]) -> list[WriteResult]:
        nonlocal in_flight
        in_flight += 1
        assert in_flight == 1, "one batch of a shard in flight at a time"
        events.append("batch sent")
        # A batch that takes a while: the next page is judged meanwhile. Without that pipelining nothing sets
        # the event, and the order asserted below fails after this wait.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pipelined.wait(), 5)
        try:
            return await real_apply(fence, writes)
        finally:
            in_flight -= 1
            events.append("batch answered")

    h.chain.on_probe = lambda account_id: note(f"probe {account_id}")
    h.store.list_work = list_work  # type: ignore[method-assign]
    h.store.apply_writes = apply_writes  # type: ignore[method-assign]
    outcome, _ = await h.run()

    assert outcome == "completed"
    assert all(kind_of(h, a, 0) is Kind.CANONICAL for a in accounts)
    assert h.store.batches == [1, 1, 1, 1]
    assert events[:2] == ["read", "read"], "the second page is read before the first is judged"
    first_answer = events.index("batch answered")
    assert events.index(f"probe {accounts[1]}") < first_answer, "the next page is judged meanwhile"
    assert events.index("read", 2) < first_answer, "and the page after it read"


async def test_a_full_pass_stopped_mid_way_sends_the_batch_it_decided_and_reads_no_further() -> None:
    h = await harness(batch_size=1)
    for account in (A, B):
        h.store.configure(account, {"n": 0})
        h.chain.commitments[account] = h.store.push(account, {"n": 1}).new_commitment
    stopping = asyncio.Event()
    h.chain.on_probe = lambda _: stopping.set()  # shutdown while the first page is probed

    outcome = await h.passes.full(h.lease.fence, PassScope(None, stopping))

    assert outcome == "cancelled"
    assert [(w.account_id, w.result) for w in h.store.writes] == [(A, WriteResult.APPLIED)]
    assert kind_of(h, A, 0) is Kind.CANONICAL and kind_of(h, B, 0) is Kind.CANDIDATE
    assert h.chain.probes == [A]
