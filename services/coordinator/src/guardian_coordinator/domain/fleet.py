"""The fleet as the coordinator sees it, for operators (docs/console.md, "Fleet"): canonicalizer members and
lease rows, read-only. Nothing decides on this picture; the canonicalizers read theirs through Heartbeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from guardian_common.shards import parse_shard_lease_name


@dataclass(frozen=True)
class FleetMember:
    replica_id: str
    shard_count: int
    joined_at: datetime
    heartbeat_at: datetime | None  # unknown to the memory store
    expires_at: datetime
    live: bool


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
