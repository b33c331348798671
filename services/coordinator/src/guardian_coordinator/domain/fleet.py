"""The fleet as the coordinator sees it, for operators (docs/console.md, "Fleet"): canonicalizer members and
lease rows, read-only. Nothing decides on this picture; the canonicalizers read theirs through Heartbeat."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from guardian_common.shards import parse_shard_lease_name

PASS_KINDS = ("fast", "full", "reconcile")
PASS_OUTCOMES = ("completed", "partial", "cancelled", "error")
MAX_PASS_AGE_MS = 7 * 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PassReport:
    """A canonicalizer's latest pass of one kind, as its heartbeat reports it: how long ago it finished
    (its own clock: a duration, never an instant) and what it did."""

    kind: str
    outcome: str
    age_ms: int
    promoted: int = 0
    discarded: int = 0
    waiting: int = 0
    failed: int = 0

    def summary(self, now: datetime) -> PassSummary:
        finished_at = now - timedelta(milliseconds=self.age_ms)
        return PassSummary(
            self.kind, self.outcome, finished_at, self.promoted, self.discarded, self.waiting, self.failed
        )


@dataclass(frozen=True)
class PassSummary:
    """A pass dated on the store's clock (the membership row keeps these)."""

    kind: str
    outcome: str
    finished_at: datetime
    promoted: int
    discarded: int
    waiting: int
    failed: int


def passes_to_json(passes: Sequence[PassReport]) -> str:
    """The heartbeat's reports for the Postgres upsert, which dates them on the database clock."""
    return json.dumps([vars(report) for report in passes])


def passes_from_json(raw: str | None) -> list[PassSummary]:
    """A membership row's `last_passes` (finished_at as microseconds since the epoch), kind ASC."""
    rows = json.loads(raw) if raw else []
    summaries = [
        PassSummary(
            row["kind"],
            row["outcome"],
            EPOCH + timedelta(microseconds=int(row["finished_at_us"])),
            row["promoted"],
            row["discarded"],
            row["waiting"],
            row["failed"],
        )
        for row in rows
    ]
    return sorted(summaries, key=lambda summary: summary.kind)


@dataclass(frozen=True)
class FleetMember:
    replica_id: str
    shard_count: int
    joined_at: datetime
    heartbeat_at: datetime | None  # unknown to the memory store
    expires_at: datetime
    live: bool
    last_passes: list[PassSummary] = field(default_factory=list)  # kind ASC


@dataclass(frozen=True)
class FleetLease:
    name: str
    holder_id: str
    fence_token: int
    acquired_at: datetime | None  # the memory store keeps expiry only
    renewed_at: datetime | None
    expires_at: datetime
    live: bool

    @property
    def shard(self) -> tuple[int, int] | None:
        """(index, count) of a shard lease; None for any other lease."""
        return parse_shard_lease_name(self.name)


@dataclass(frozen=True)
class FleetSnapshot:
    observed_at: datetime
    members: list[FleetMember]
    leases: list[FleetLease]


class FleetStore(Protocol):
    async def fleet_snapshot(self) -> FleetSnapshot:
        """Every membership row and every lease row, with the store's clock, from one snapshot."""
        ...


def lease_order(lease: FleetLease) -> tuple[int, int, int, str]:
    """Shard leases by (count, index) (their names would sort "10" before "2"), then the others by name."""
    shard = lease.shard
    return (0, shard[1], shard[0], "") if shard is not None else (1, 0, 0, lease.name)


async def fleet_status(store: FleetStore) -> FleetSnapshot:
    snapshot = await store.fleet_snapshot()
    return FleetSnapshot(
        snapshot.observed_at,
        sorted(snapshot.members, key=lambda member: member.replica_id),
        sorted(snapshot.leases, key=lease_order),
    )
