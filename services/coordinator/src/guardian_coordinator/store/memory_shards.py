"""Canonicalizer membership and shard leases in memory: the same contract as Postgres, on the memory lease table.

Every method runs to completion without awaiting, so the event loop serialises them (as the advisory lock
serialises shard acquisitions on Postgres).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from guardian_common.shards import shard_lease_name
from guardian_coordinator.domain.canonicalization import by_shard_index
from guardian_coordinator.domain.fleet import FleetLease, FleetMember, FleetSnapshot, PassReport, PassSummary
from guardian_coordinator.domain.models import (
    AcquireShardsResult,
    HeartbeatResult,
    Lease,
    Member,
    ShardHolder,
)
from guardian_coordinator.store.memory_custody import Clock


class ShardLeases(Protocol):
    """What the shard store needs of the memory lease table (memory.MemoryLeaseStore)."""

    def take(self, name: str, holder_id: str, ttl_ms: int) -> Lease | None: ...

    def extend(self, lease: Lease, ttl_ms: int) -> Lease | None: ...

    def end(self, lease: Lease) -> bool: ...

    def conflicting_count(self, count: int) -> int | None: ...

    def shard_holders(self, count: int) -> list[ShardHolder]: ...

    def rows(self) -> list[Lease]: ...


@dataclass
class _MemberRow:
    shard_count: int
    joined_at: datetime
    expires_at: datetime
    heartbeat_at: datetime | None = None
    last_passes: list[PassSummary] = field(default_factory=list)


class MemoryShardStore:
    def __init__(self, clock: Clock, leases: ShardLeases) -> None:
        self._clock = clock
        self._leases = leases
        self._members: dict[str, _MemberRow] = {}

    async def heartbeat(
        self,
        replica_id: str,
        shard_count: int,
        member_ttl_ms: int,
        lease_ttl_ms: int,
        renew: list[Lease],
        passes: Sequence[PassReport] = (),
    ) -> HeartbeatResult:
        now = self._clock.now()
        current = self._members.get(replica_id)
        joined_at = current.joined_at if current is not None and current.expires_at > now else now
        summaries = sorted((report.summary(now) for report in passes), key=lambda summary: summary.kind)
        self._members[replica_id] = _MemberRow(
            shard_count, joined_at, now + timedelta(milliseconds=member_ttl_ms), now, summaries
        )
        for expired in [r for r, row in self._members.items() if row.expires_at <= now]:
            del self._members[expired]
        renewed = [r for lease in renew if (r := self._leases.extend(lease, lease_ttl_ms)) is not None]
        members = [
            Member(replica_id, row.shard_count, row.expires_at)
            for replica_id, row in sorted(self._members.items())
        ]
        holders = self._leases.shard_holders(shard_count)
        return HeartbeatResult(members, sorted(renewed, key=by_shard_index), holders)

    async def acquire_shards(
        self, replica_id: str, shard_count: int, indexes: list[int], lease_ttl_ms: int
    ) -> AcquireShardsResult:
        conflicting = self._leases.conflicting_count(shard_count)
        if conflicting is not None:
            return AcquireShardsResult([], conflicting)
        taken = (
            self._leases.take(shard_lease_name(i, shard_count), replica_id, lease_ttl_ms)
            for i in sorted(indexes)
        )
        return AcquireShardsResult([lease for lease in taken if lease is not None])

    async def release_shards(self, replica_id: str, leases: list[Lease], leave: bool) -> int:
        released = sum(self._leases.end(lease) for lease in leases)
        if leave:
            self._members.pop(replica_id, None)
        return released

    async def fleet_snapshot(self) -> FleetSnapshot:
        """Every member and lease row (the memory lease table keeps no acquisition or renewal times)."""
        now = self._clock.now()
        members = [
            FleetMember(
                replica_id,
                row.shard_count,
                row.joined_at,
                row.heartbeat_at,
                row.expires_at,
                row.expires_at > now,
                list(row.last_passes),
            )
            for replica_id, row in self._members.items()
        ]
        leases = [
            FleetLease(
                lease.name,
                lease.holder_id,
                lease.fence_token,
                None,
                None,
                lease.expires_at,
                lease.expires_at > now,
            )
            for lease in self._leases.rows()
        ]
        return FleetSnapshot(now, members, leases)
