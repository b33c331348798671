"""The pass logic against in-memory fakes of its ports: what each chain observation leads to, the fence,
and what the passes do when the store or the chain gives no answer."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import pytest
from prometheus_client import CollectorRegistry

from guardian_canonicalizer.domain.clock import ManualClock
from guardian_canonicalizer.domain.decisions import CLIENT_ABANDONED, DIVERGED, RETRY_EXHAUSTED
from guardian_canonicalizer.domain.deltas import Kind
from guardian_canonicalizer.domain.leadership import LEASE_NAME
from guardian_canonicalizer.domain.passes import STALE_LEASE_REASON, Passes, PassSettings
from guardian_canonicalizer.domain.policy import Policy
from guardian_canonicalizer.domain.ports import HeldLease, WriteResult
from guardian_canonicalizer.domain.scope import PassScope
from guardian_canonicalizer.domain.status import StatusBoard
from guardian_canonicalizer.metrics import Metrics
from guardian_network import JsonNetwork

from .fakes import FakeChain, FakeCoordinator

A = "0x" + "0a" * 15
B = "0x" + "0b" * 15
HOLDER = "replica-1"
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

    def stale_writes(self, operation: str) -> float:
        value = self.registry.get_sample_value(
            "guardian_canonicalization_stale_writes_refused_total", {"operation": operation}
        )
        return value or 0.0

    async def run(self, kind: str = "full") -> tuple[str, PassScope]:
        scope = PassScope(None, asyncio.Event())
        run = {"full": self.passes.full, "fast": self.passes.fast, "reconcile": self.passes.reconcile}[kind]
        return await run(self.lease.fence, scope), scope


async def harness(policy: Policy = POLICY) -> Harness:
    clock = ManualClock()
    store = FakeCoordinator(clock)
    chain = FakeChain()
    board = StatusBoard(holder_id=HOLDER)
    registry = CollectorRegistry()
    # One account at a time, so "the next account" is well defined when a pass stops.
    settings = PassSettings(max_concurrent_accounts=1, fast_window_seconds=30, reconcile_interval_seconds=60)
    passes = Passes(store, chain, JsonNetwork(), clock, policy, settings, board, Metrics(registry))
    lease = await store.acquire(LEASE_NAME, HOLDER, 30 * 86_400)  # outlives every clock move here
    assert lease is not None
    return Harness(clock, store, chain, board, registry, passes, lease)


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

    # The first landed: it is promoted; the second is then at its base on chain and waits its grace.
    h.chain.commitments[A] = first.new_commitment
    await h.run()
    assert kind_of(h, A, 0) is Kind.CANONICAL
    assert kind_of(h, A, 1) is Kind.CANDIDATE
    assert h.chain.probes == [A, A, A]

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
    assert h.chain.probes == [A], "no further account is admitted once a write came back STALE_LEASE"
    assert kind_of(h, A, 0) is kind_of(h, B, 0) is Kind.CANDIDATE
    assert h.stale_writes("promote") == 1
    assert h.board.promotions == 0


async def test_a_write_without_an_answer_is_journaled_unknown_and_its_account_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = await harness()
    for account in (A, B):
        h.store.configure(account, {"n": 0})
        h.chain.commitments[account] = h.store.push(account, {"n": 1}).new_commitment
    h.store.fail_next["promote"] = 1

    with caplog.at_level(logging.INFO, logger="guardian.canonicalizer.journal"):
        outcome, scope = await h.run()

    assert outcome == "partial" and not scope.cancelled
    assert f"write op=promote account={A} nonce=0" in caplog.text
    assert "result=unknown" in caplog.text
    assert kind_of(h, A, 0) is Kind.CANDIDATE
    assert kind_of(h, B, 0) is Kind.CANONICAL, "one account's failure does not stop the others"

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
