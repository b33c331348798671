"""In-memory stores for the single-process mode: the same contract as Postgres, on a monotonic clock."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from guardian_common.shards import parse_shard_lease_name
from guardian_coordinator.domain.models import Challenge, Issued, Lease, Realm, Session, ShardHolder, ShardRef
from guardian_coordinator.store.memory_custody import MemoryCustodyStore
from guardian_coordinator.store.memory_evm import MemoryEvmStore
from guardian_coordinator.store.memory_proposals import MemoryProposalStore
from guardian_coordinator.store.memory_shards import MemoryShardStore


class MonotonicClock:
    """Wall-clock-looking instants that never go backwards (anchored once, advanced by monotonic time)."""

    def __init__(self) -> None:
        self._wall = datetime.now(UTC)
        self._mono = time.monotonic()

    def now(self) -> datetime:
        return self._wall + timedelta(seconds=time.monotonic() - self._mono)


@dataclass
class _SessionRow:
    subject_json: str
    issued_at: datetime
    expires_at: datetime
    revoked: bool = False


@dataclass
class _ChallengeRow:
    principal: str
    payload_json: str
    issued_at: datetime
    expires_at: datetime
    consumed: bool = False


Key = TypeVar("Key")
Row = TypeVar("Row", _SessionRow, _ChallengeRow)


def _drop_expired(rows: dict[Key, Row], now: datetime) -> int:
    """The sweep: deletes the rows that expired before `now`; returns how many."""
    expired = [key for key, row in rows.items() if row.expires_at < now]
    for key in expired:
        del rows[key]
    return len(expired)


class MemorySessionStore:
    def __init__(self, clock: MonotonicClock) -> None:
        self._clock = clock
        self._rows: dict[tuple[Realm, bytes], _SessionRow] = {}

    async def insert(self, realm: Realm, token_digest: bytes, subject_json: str, ttl_seconds: int) -> Issued:
        now = self._clock.now()
        row = _SessionRow(subject_json, now, now + timedelta(seconds=ttl_seconds))
        self._rows[(realm, token_digest)] = row
        return Issued(row.issued_at, row.expires_at)

    async def get(self, realm: Realm, token_digest: bytes) -> Session | None:
        row = self._rows.get((realm, token_digest))
        if row is None or row.revoked or row.expires_at <= self._clock.now():
            return None
        return Session(row.subject_json, row.issued_at, row.expires_at)

    async def revoke(self, realm: Realm, token_digest: bytes) -> Session | None:
        live = await self.get(realm, token_digest)
        if live is not None:
            self._rows[(realm, token_digest)].revoked = True
        return live

    async def sweep(self) -> int:
        return _drop_expired(self._rows, self._clock.now())


class MemoryChallengeStore:
    def __init__(self, clock: MonotonicClock) -> None:
        self._clock = clock
        self._rows: dict[tuple[Realm, str], _ChallengeRow] = {}

    async def issue(
        self,
        realm: Realm,
        principal: str,
        key: str,
        payload_json: str,
        ttl_seconds: int,
        max_outstanding: int,
    ) -> Issued:
        now = self._clock.now()
        row = _ChallengeRow(principal, payload_json, now, now + timedelta(seconds=ttl_seconds))
        self._rows.pop((realm, key), None)  # re-inserted last, so a re-issued key counts as newest
        self._rows[(realm, key)] = row
        mine = [(k, r) for k, r in self._rows.items() if k[0] == realm and r.principal == principal]
        for k, r in mine:
            if r.expires_at <= now:
                del self._rows[k]
        pending = [(k, r) for k, r in mine if not r.consumed and r.expires_at > now]
        # Insertion order breaks issued_at ties, so the newest kept is always the one just issued.
        for k, _ in pending[: max(0, len(pending) - max_outstanding)]:
            del self._rows[k]
        return Issued(row.issued_at, row.expires_at)

    async def list_active(self, realm: Realm, principal: str) -> list[Challenge]:
        now = self._clock.now()
        active = [
            Challenge(k[1], r.payload_json, r.issued_at, r.expires_at)
            for k, r in self._rows.items()
            if k[0] == realm and r.principal == principal and not r.consumed and r.expires_at > now
        ]
        return active[::-1]

    async def consume(self, realm: Realm, principal: str, key: str) -> bool:
        row = self._rows.get((realm, key))
        if row is None or row.consumed or row.principal != principal or row.expires_at <= self._clock.now():
            return False
        row.consumed = True
        return True

    async def sweep(self) -> int:
        return _drop_expired(self._rows, self._clock.now())


class MemoryLeaseStore:
    def __init__(self, clock: MonotonicClock) -> None:
        self._clock = clock
        self._rows: dict[str, Lease] = {}

    async def acquire(self, name: str, holder_id: str, ttl_ms: int) -> Lease | None:
        shard = parse_shard_lease_name(name)
        if shard is not None and self.conflicting_count(shard[1]) is not None:
            return None  # the one-count rule holds on every path that grants a shard lease
        return self.take(name, holder_id, ttl_ms)

    def take(self, name: str, holder_id: str, ttl_ms: int) -> Lease | None:
        """The acquisition rule: free, expired or already ours; the token grows on a change of holder."""
        now = self._clock.now()
        expires_at = now + timedelta(milliseconds=ttl_ms)
        current = self._rows.get(name)
        if current is None:
            lease = Lease(name, holder_id, 1, expires_at)
        elif current.holder_id == holder_id:
            lease = replace(current, expires_at=expires_at)
        elif current.expires_at <= now:
            lease = Lease(name, holder_id, current.fence_token + 1, expires_at)
        else:
            return None
        self._rows[name] = lease
        return lease

    def conflicting_count(self, count: int) -> int | None:
        """The smallest shard count other than `count` with a live shard lease, if any."""
        now = self._clock.now()
        counts = {
            shard[1]
            for name, row in self._rows.items()
            if row.expires_at > now and (shard := parse_shard_lease_name(name)) is not None
        }
        return min(counts - {count}, default=None)

    def shard_holders(self, count: int) -> list[ShardHolder]:
        """Every shard lease row of `count` shards, index ASC."""
        now = self._clock.now()
        holders = [
            ShardHolder(
                ShardRef(*shard), row.holder_id, row.fence_token, row.expires_at, row.expires_at > now
            )
            for name, row in self._rows.items()
            if (shard := parse_shard_lease_name(name)) is not None and shard[1] == count
        ]
        return sorted(holders, key=lambda holder: holder.shard.index)

    def rows(self) -> list[Lease]:
        """Every lease row, expired ones included (for the fleet snapshot)."""
        return list(self._rows.values())

    def _current(self, lease: Lease) -> Lease | None:
        row = self._rows.get(lease.name)
        if (
            row is None
            or row.holder_id != lease.holder_id
            or row.fence_token != lease.fence_token
            or row.expires_at <= self._clock.now()
        ):
            return None
        return row

    async def renew(self, lease: Lease, ttl_ms: int) -> Lease | None:
        return self.extend(lease, ttl_ms)

    def extend(self, lease: Lease, ttl_ms: int) -> Lease | None:
        row = self._current(lease)
        if row is None:
            return None
        renewed = replace(row, expires_at=self._clock.now() + timedelta(milliseconds=ttl_ms))
        self._rows[lease.name] = renewed
        return renewed

    def holds(self, lease: Lease) -> bool:
        return self._current(lease) is not None

    async def verify(self, lease: Lease) -> bool:
        return self.holds(lease)

    async def release(self, lease: Lease) -> None:
        self.end(lease)

    def end(self, lease: Lease) -> bool:
        """Expires the lease now if it is still held; True when it was."""
        row = self._current(lease)
        if row is not None:
            self._rows[lease.name] = replace(row, expires_at=self._clock.now())
        return row is not None


class MemoryStore:
    """Every operation runs to completion without awaiting, so the event loop serialises them."""

    backend = "memory"
    supports_fencing = True

    def __init__(self) -> None:
        clock = MonotonicClock()
        self.sessions = MemorySessionStore(clock)
        self.challenges = MemoryChallengeStore(clock)
        self.leases = MemoryLeaseStore(clock)
        self.custody = MemoryCustodyStore(clock, self.leases)
        self.shards = MemoryShardStore(clock, self.leases)
        self.fleet = self.shards  # members and leases live there
        self.evm = MemoryEvmStore(clock, self.custody._admin_actions)  # one pause audit for both
        self.proposals = MemoryProposalStore(self.custody)

    async def schema_revision(self) -> str:
        return "memory"

    async def close(self) -> None:
        return None
