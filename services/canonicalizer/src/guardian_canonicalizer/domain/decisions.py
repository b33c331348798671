"""The decision table of docs/contracts/canonicalization.md §4, as pure functions of (row, observation, now, policy).

No I/O here: the passes read the rows, probe the chain, call these, and carry out the one write each
decision names through the coordinator's fenced RPCs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from guardian_canonicalizer.domain.deltas import Kind, StoredDelta
from guardian_canonicalizer.domain.observations import Absent, Match, Mismatch, Observation, Unavailable
from guardian_canonicalizer.domain.policy import Policy

RETRY_EXHAUSTED = "retry_exhausted"
DIVERGED = "diverged"
CLIENT_ABANDONED = "client_abandoned"


@dataclass(frozen=True)
class Promote:
    """Promote with the recomputed commitment (§4.3)."""

    outcome: str = "canonicalized"


@dataclass(frozen=True)
class NoWrite:
    outcome: str


@dataclass(frozen=True)
class SetCounters:
    """A fenced counter update; the row stays a candidate."""

    retry_count: int
    divergence_count: int
    abandon_confirm_count: int
    outcome: str


@dataclass(frozen=True)
class Retain:
    reason: str  # retry_exhausted | diverged
    outcome: str = "retained"


@dataclass(frozen=True)
class Remove:
    """Delete the candidate row (retention is off: retained TTL 0)."""

    outcome: str = "discarded"


@dataclass(frozen=True)
class FinalizeAbandon:
    """Flip to discarded{client_abandoned}; the row stays as history."""

    outcome: str = "abandoned"


Decision = Promote | NoWrite | SetCounters | Retain | Remove | FinalizeAbandon


def _age(since: datetime, now: datetime) -> float:
    return (now - since).total_seconds()


def _give_up(row: StoredDelta, policy: Policy, reason: str) -> Decision:
    if row.abandon_requested:
        return FinalizeAbandon()
    if policy.retained_ttl_seconds > 0:
        return Retain(reason)
    return Remove(outcome=DIVERGED if reason == DIVERGED else "discarded")


def _counters(row: StoredDelta, *, retry: int, divergence: int, confirm: int, outcome: str) -> Decision:
    if (retry, divergence, confirm) == (row.retry_count, row.divergence_count, row.abandon_confirm_count):
        return NoWrite(outcome)
    return SetCounters(retry, divergence, confirm, outcome)


def _unverified(row: StoredDelta, divergence: int, now: datetime, policy: Policy) -> Decision:
    """§4.4: grace from push time, then one retry consumed per observation, then give up."""
    if _age(row.status_at, now) < policy.grace_seconds:
        return _counters(
            row,
            retry=row.retry_count,
            divergence=divergence,
            confirm=row.abandon_confirm_count,
            outcome="grace_deferred",
        )
    following = row.retry_count + 1
    if following >= policy.max_retries:
        return _give_up(row, policy, RETRY_EXHAUSTED)
    return SetCounters(following, divergence, row.abandon_confirm_count, "retried")


def _abandon_confirmation(row: StoredDelta, now: datetime, policy: Policy) -> Decision:
    """§4.5a: enough at-base/absent checks and enough time since the intent → finalize."""
    assert row.abandon_requested_at is not None
    checks = row.abandon_confirm_count + 1
    old_enough = _age(row.abandon_requested_at, now) >= policy.abandon_quarantine_seconds
    if checks >= policy.abandon_quarantine_checks and old_enough:
        return FinalizeAbandon()
    return SetCounters(row.retry_count, 0, checks, "abandon_deferred")


def _divergence(row: StoredDelta, policy: Policy) -> Decision:
    """§4.6: the chain moved somewhere else; only a consecutive streak confirms it."""
    observations = row.divergence_count + 1
    if observations < policy.divergence_confirmations:
        return SetCounters(row.retry_count, observations, 0, "divergence_deferred")
    return _give_up(row, policy, DIVERGED)


def decide_candidate(row: StoredDelta, observation: Observation, now: datetime, policy: Policy) -> Decision:
    """One full-pass candidate, after the chain was asked about its recomputed commitment (§4.2)."""
    match observation:
        case Match():
            return Promote()
        case Mismatch(on_chain) if on_chain != row.prev_commitment:
            return _divergence(row, policy)
        case Unavailable():
            return _unverified(row, row.divergence_count, now, policy)
        case Absent() | Mismatch():
            # The chain is at the base or does not know the account: the divergence streak ends.
            if row.abandon_requested:
                return _abandon_confirmation(row, now, policy)
            return _unverified(row, 0, now, policy)


# --- reconcile (§4.9) ------------------------------------------------------------------------------


def is_expired(row: StoredDelta, now: datetime, policy: Policy) -> bool:
    return _age(row.status_at, now) >= policy.retained_ttl_seconds


def expiry_action(row: StoredDelta, now: datetime, policy: Policy) -> Decision | None:
    """An expired retained row is deleted; an expired abandoned row is history and stays."""
    if not is_expired(row, now, policy):
        return None
    if row.kind is Kind.RETAINED:
        return Remove(outcome="reconcile_expired")
    return NoWrite("reconcile_skipped_expired")


def reconcile_spacing_seconds(age_seconds: float) -> float:
    """Probe spacing by the youngest live row's age: every tick below 15 min, then 120/240/480/600 s."""
    if age_seconds < 900:
        return 0.0
    return float(min(600, 60 * 2 ** int(age_seconds // 900)))


def reconcile_due(youngest_age_seconds: float, reconcile_interval_seconds: float) -> bool:
    spacing = reconcile_spacing_seconds(youngest_age_seconds)
    return spacing == 0 or youngest_age_seconds % spacing < reconcile_interval_seconds


def reconcile_candidate_row(
    row: StoredDelta, stored_commitment: str, on_chain: str, recomputed: str | None
) -> str | None:
    """Why `row` cannot be the one that landed (a reason label), or None when it is and can be promoted.

    `recomputed` is the commitment of the row's delta applied to the stored state (None: it does not apply).
    """
    if row.prev_commitment != stored_commitment:
        return "obsolete_base"
    if row.new_commitment and row.new_commitment != on_chain:
        return "end_state_not_on_chain"
    if recomputed is None:
        return "base_no_longer_applies"
    if recomputed != on_chain:
        return "recomputed_commitment_mismatch"
    return None
