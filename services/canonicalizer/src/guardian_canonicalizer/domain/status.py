"""What this replica reports about itself (the Status RPC reads it)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from guardian_canonicalizer.domain.ports import PassReport

# The worst outcome of a round's shard passes is the round's.
OUTCOME_SEVERITY = ("completed", "partial", "cancelled", "error")


@dataclass
class PassTally:
    """What the shard passes of one round did, counted as their writes are answered: candidates (or, in
    a reconcile pass, accounts with recoverable rows) judged, promoted, taken out without promotion
    (removed, abandoned or retained), and accounts that failed."""

    judged: int = 0
    promoted: int = 0
    discarded: int = 0
    failed: int = 0

    @property
    def waiting(self) -> int:
        """Judged and still where they were: not landed yet, retried, deferred."""
        return max(0, self.judged - self.promoted - self.discarded - self.failed)


@dataclass(frozen=True)
class PassRecord:
    """The latest round of one kind; `finished` on the monotonic clock (heartbeats report its age)."""

    kind: str
    outcome: str
    finished: float
    tally: PassTally

    def age_ms(self, now: float | None = None) -> int:
        return max(0, round(((time.monotonic() if now is None else now) - self.finished) * 1000))


@dataclass(frozen=True)
class ShardStatus:
    index: int
    fence_token: int
    expires_at: datetime  # database clock, as of the last renewal


@dataclass
class StatusBoard:
    holder_id: str
    shard_count: int = 1
    role: str = "standby"  # leader (holds at least one shard) | standby | stopping
    shards: list[ShardStatus] = field(default_factory=list)  # index ASC
    longest_renewal_gap_seconds: float = 0.0
    last_pass_kind: str = ""
    last_pass_outcome: str = ""
    last_pass_finished_at: datetime | None = None
    passes: int = 0
    promotions: int = 0
    last_passes: dict[str, PassRecord] = field(default_factory=dict)  # by kind, reported by heartbeats

    def record_round(self, kind: str, outcomes: list[str], tally: PassTally) -> None:
        """A round of `kind` over the held shards ended with these shard outcomes."""
        if not outcomes:
            return
        worst = max(outcomes, key=lambda o: OUTCOME_SEVERITY.index(o) if o in OUTCOME_SEVERITY else 3)
        self.last_passes[kind] = PassRecord(kind, worst, time.monotonic(), tally)

    def pass_reports(self) -> list[PassReport]:
        now = time.monotonic()
        return [
            PassReport(
                record.kind,
                record.outcome,
                record.age_ms(now),
                record.tally.promoted,
                record.tally.discarded,
                record.tally.waiting,
                record.tally.failed,
            )
            for _, record in sorted(self.last_passes.items())
        ]

    @property
    def fence_token(self) -> int:
        """The highest fence among the held shards (with S = 1: the lease's fence), 0 when none."""
        return max((s.fence_token for s in self.shards), default=0)
