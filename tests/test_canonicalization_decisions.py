"""The decision table of docs/contracts/canonicalization.md §4 as pure functions, driven by a hand-moved clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from guardian_canonicalizer.domain.clock import ManualClock
from guardian_canonicalizer.domain.decisions import (
    DIVERGED,
    RETRY_EXHAUSTED,
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
    reconcile_spacing_seconds,
)
from guardian_canonicalizer.domain.deltas import LONG_AGO, Kind, StoredDelta, delta_from_status
from guardian_canonicalizer.domain.observations import Absent, Match, Mismatch, Unavailable
from guardian_canonicalizer.domain.policy import Policy

BASE, NEW, ELSEWHERE, OTHER = ("0x" + c * 64 for c in "abcd")
POLICY = Policy(
    max_retries=3,
    grace_seconds=600,
    divergence_confirmations=2,
    abandon_quarantine_seconds=15,
    abandon_quarantine_checks=2,
    retained_ttl_seconds=86_400,
)


def candidate(clock: ManualClock, **changes: object) -> StoredDelta:
    row = StoredDelta(
        account_id="0x" + "01" * 15,
        nonce=4,
        prev_commitment=BASE,
        new_commitment=NEW,
        kind=Kind.CANDIDATE,
        status_at=clock.now(),
    )
    return replace(row, **changes)  # type: ignore[arg-type]


def test_a_match_promotes_whatever_the_counters_or_intent() -> None:
    clock = ManualClock()
    row = candidate(clock, retry_count=2, divergence_count=1, abandon_requested_at=clock.now())
    assert decide_candidate(row, Match(), clock.now(), POLICY) == Promote()


def test_grace_defers_without_consuming_the_budget_then_each_observation_costs_one_retry() -> None:
    clock = ManualClock()
    row = candidate(clock, retry_count=2)
    clock.advance(599)
    for seen in (Absent(), Mismatch(BASE), Unavailable("down")):
        assert decide_candidate(row, seen, clock.now(), POLICY) == NoWrite("grace_deferred")
    clock.advance(1)
    fresh = candidate(clock, status_at=clock.now() - timedelta(seconds=600))
    assert decide_candidate(fresh, Absent(), clock.now(), POLICY) == SetCounters(1, 0, 0, "retried")
    assert decide_candidate(fresh, Unavailable("x"), clock.now(), POLICY) == SetCounters(1, 0, 0, "retried")


def test_grace_still_resets_a_divergence_streak() -> None:
    clock = ManualClock()
    row = candidate(clock, divergence_count=1)
    assert decide_candidate(row, Mismatch(BASE), clock.now(), POLICY) == SetCounters(
        0, 0, 0, "grace_deferred"
    )


@pytest.mark.parametrize(("ttl", "expected"), [(86_400, Retain(RETRY_EXHAUSTED)), (0, Remove())])
def test_retry_exhaustion_retains_or_deletes_by_ttl(ttl: int, expected: object) -> None:
    clock = ManualClock()
    row = candidate(clock, retry_count=2)
    clock.advance(601)
    assert decide_candidate(row, Absent(), clock.now(), replace(POLICY, retained_ttl_seconds=ttl)) == expected


def test_divergence_needs_consecutive_observations_and_an_at_base_read_resets_the_streak() -> None:
    clock = ManualClock()
    row = candidate(clock, abandon_confirm_count=1)
    first = decide_candidate(row, Mismatch(ELSEWHERE), clock.now(), POLICY)
    assert first == SetCounters(0, 1, 0, "divergence_deferred"), "first sighting defers, zeroes confirmations"
    row = replace(row, divergence_count=1, abandon_confirm_count=0)
    assert decide_candidate(row, Mismatch(ELSEWHERE), clock.now(), POLICY) == Retain(DIVERGED)
    # An at-base read in between breaks the streak (grace keeps the budget untouched).
    reset = decide_candidate(row, Mismatch(BASE), clock.now(), POLICY)
    assert reset == SetCounters(0, 0, 0, "grace_deferred")
    # Absent is never divergence, and an unavailable chain leaves the streak alone.
    assert decide_candidate(row, Absent(), clock.now(), POLICY) == SetCounters(0, 0, 0, "grace_deferred")
    assert decide_candidate(row, Unavailable("x"), clock.now(), POLICY) == NoWrite("grace_deferred")


def test_divergence_bypasses_grace_and_deletes_when_retention_is_off() -> None:
    clock = ManualClock()
    row = candidate(clock, divergence_count=1)
    policy = replace(POLICY, retained_ttl_seconds=0)
    assert decide_candidate(row, Mismatch(ELSEWHERE), clock.now(), policy) == Remove(outcome=DIVERGED)


def test_abandon_finalizes_only_after_enough_checks_and_enough_time() -> None:
    clock = ManualClock()
    row = candidate(clock, abandon_requested_at=clock.now())
    first = decide_candidate(row, Absent(), clock.now(), POLICY)
    assert first == SetCounters(0, 0, 1, "abandon_deferred"), (
        "one check is not enough (and grace is bypassed)"
    )
    row = replace(row, abandon_confirm_count=1)
    clock.advance(14)
    assert decide_candidate(row, Mismatch(BASE), clock.now(), POLICY) == SetCounters(
        0, 0, 2, "abandon_deferred"
    )
    clock.advance(1)
    assert decide_candidate(row, Mismatch(BASE), clock.now(), POLICY) == FinalizeAbandon()


def test_abandon_is_finalized_by_exhaustion_or_divergence_without_confirmation() -> None:
    clock = ManualClock()
    row = candidate(clock, retry_count=2, abandon_requested_at=clock.now())
    clock.advance(601)
    assert decide_candidate(row, Unavailable("x"), clock.now(), POLICY) == FinalizeAbandon()
    diverged = replace(row, divergence_count=1)
    assert decide_candidate(diverged, Mismatch(ELSEWHERE), clock.now(), POLICY) == FinalizeAbandon()


def test_an_unparseable_intent_time_counts_as_infinitely_old() -> None:
    clock = ManualClock()
    row = delta_from_status(
        account_id="0x" + "01" * 15,
        nonce=0,
        prev_commitment=BASE,
        new_commitment=NEW,
        kind=Kind.CANDIDATE,
        status_at=clock.now(),
        status_json='{"status": "candidate", "abandon_requested_at": "yesterday", "abandon_confirm_count": 1}',
    )
    assert row.abandon_requested_at == LONG_AGO
    assert decide_candidate(row, Absent(), clock.now(), POLICY) == FinalizeAbandon()


def test_reconcile_promotes_a_late_landing_retained_row_and_expires_old_ones() -> None:
    clock = ManualClock()
    retained = candidate(clock, kind=Kind.RETAINED, reason=RETRY_EXHAUSTED)
    assert expiry_action(retained, clock.now(), POLICY) is None
    assert reconcile_candidate_row(retained, BASE, on_chain=NEW, recomputed=NEW) is None, "it landed: promote"
    assert reconcile_candidate_row(retained, OTHER, NEW, NEW) == "obsolete_base"
    assert reconcile_candidate_row(retained, BASE, ELSEWHERE, NEW) == "end_state_not_on_chain"
    assert reconcile_candidate_row(replace(retained, new_commitment=""), BASE, ELSEWHERE, NEW) == (
        "recomputed_commitment_mismatch"
    )
    assert reconcile_candidate_row(retained, BASE, NEW, None) == "base_no_longer_applies"
    clock.advance(86_400)
    assert expiry_action(retained, clock.now(), POLICY) == Remove(outcome="reconcile_expired")
    abandoned = replace(retained, kind=Kind.DISCARDED)
    assert expiry_action(abandoned, clock.now(), POLICY) == NoWrite("reconcile_skipped_expired")


@pytest.mark.parametrize(
    ("age", "spacing"), [(0, 0), (899, 0), (900, 120), (1800, 240), (2700, 480), (3600, 600), (90_000, 600)]
)
def test_reconcile_backoff_table(age: int, spacing: int) -> None:
    assert reconcile_spacing_seconds(age) == spacing


def test_reconcile_probes_six_times_an_hour_at_the_cap() -> None:
    due = sum(reconcile_due(age, 60) for age in range(3600, 7200, 60))
    assert due == 6
