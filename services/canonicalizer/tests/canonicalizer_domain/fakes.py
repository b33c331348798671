"""In-memory fakes of the canonicalizer's ports (guardian_canonicalizer.domain.ports): one coordinator (shard
work, batches of fenced writes, membership and shard leases, with the coordinator's fencing and
compare-and-set rules) and one chain.

They follow the coordinator's memory store on the points the passes depend on: a batch under a fence that is
not the lease's current one is STALE_LEASE for every write; a write whose account is not in the fence's shard
is WRONG_SHARD; a row no longer of the expected kind is NOT_CANDIDATE; a promotion whose base is not the stored
state is STALE_BASE; retained rows and recently client-abandoned ones are recoverable. Failures are injected
per operation (`fail_next`) or for everything (`available = False`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from guardian_canonicalizer.domain.clock import ManualClock
from guardian_canonicalizer.domain.decisions import CLIENT_ABANDONED
from guardian_canonicalizer.domain.deltas import Kind, StoredDelta
from guardian_canonicalizer.domain.observations import Absent, ChainError, Match, Mismatch, Observation
from guardian_canonicalizer.domain.ports import (
    Acquired,
    Discard,
    Fence,
    HeldLease,
    Member,
    Membership,
    PassReport,
    Promotion,
    ShardHolder,
    ShardRef,
    StatusChange,
    StoreUnavailable,
    WorkItem,
    WorkMode,
    Write,
    WriteResult,
)
from guardian_common.shards import parse_shard_lease_name, shard_lease_name, shard_of
from guardian_network import JsonNetwork

NETWORK = JsonNetwork()


@dataclass
class Row:
    account_id: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    payload: dict[str, Any]
    kind: Kind
    status_at: datetime
    retry_count: int = 0
    divergence_count: int = 0
    abandon_confirm_count: int = 0
    abandon_requested_at: datetime | None = None
    reason: str = ""

    def stored(self) -> StoredDelta:
        return StoredDelta(
            account_id=self.account_id,
            nonce=self.nonce,
            prev_commitment=self.prev_commitment,
            new_commitment=self.new_commitment,
            kind=self.kind,
            status_at=self.status_at,
            retry_count=self.retry_count,
            divergence_count=self.divergence_count,
            abandon_confirm_count=self.abandon_confirm_count,
            abandon_requested_at=self.abandon_requested_at,
            reason=self.reason,
        )


@dataclass
class Account:
    state: dict[str, Any]
    commitment: str
    tip: tuple[dict[str, Any], str]  # the state and commitment the next push builds on
    rows: dict[int, Row] = field(default_factory=dict)


@dataclass
class Lease:
    holder_id: str
    token: int
    expires_at: datetime


@dataclass(frozen=True)
class WriteRecord:
    op: str
    fence: Fence
    account_id: str
    nonce: int
    result: WriteResult


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))


class FakeCoordinator:
    """Implements `ShardWork` and `ShardLeases` in memory, on the test's clock."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.accounts: dict[str, Account] = {}
        self.leases: dict[str, Lease] = {}
        self.members: dict[str, tuple[int, datetime]] = {}  # replica → (shard count, expiry)
        self.tokens: Counter[str] = Counter()  # the last token of each lease name
        self.available = True
        self.fail_next: Counter[str] = Counter()  # operation name → calls left to fail
        self.calls: Counter[str] = Counter()
        self.batches: list[int] = []  # sizes of the apply_writes batches answered
        self.writes: list[WriteRecord] = []  # fenced writes that got an answer, in order
        self.reported_passes: dict[str, list[PassReport]] = {}  # replica → what its last heartbeat reported

    def _answer(self, operation: str) -> None:
        self.calls[operation] += 1
        if not self.available:
            raise StoreUnavailable(f"{operation}: the store is down")
        if self.fail_next[operation] > 0:
            self.fail_next[operation] -= 1
            raise StoreUnavailable(f"{operation}: injected failure")

    # --- test set-up ---------------------------------------------------------------------------------

    def configure(self, account_id: str, state: dict[str, Any]) -> str:
        commitment = NETWORK.commitment(state)
        self.accounts[account_id] = Account(dict(state), commitment, (dict(state), commitment))
        return commitment

    def push(self, account_id: str, patch: dict[str, Any]) -> Row:
        """A client's candidate on top of the account's previous push (or its state)."""
        account = self.accounts[account_id]
        payload = {"patch": patch}
        base_state, base_commitment = account.tip
        transition = NETWORK.apply(base_state, payload)
        nonce = len(account.rows)
        row = Row(
            account_id,
            nonce,
            base_commitment,
            transition.commitment,
            payload,
            Kind.CANDIDATE,
            self.clock.now(),
        )
        account.rows[nonce] = row
        account.tip = (transition.new_state, transition.commitment)
        return row

    def request_abandon(self, account_id: str, nonce: int) -> None:
        """The client's abandon intent on a candidate (RecordAbandon)."""
        self.accounts[account_id].rows[nonce].abandon_requested_at = self.clock.now()

    def row(self, account_id: str, nonce: int) -> Row | None:
        return self.accounts[account_id].rows.get(nonce)

    def take_over(self, name: str, holder_id: str, ttl_seconds: float = 60.0) -> int:
        """Another replica takes the lease (as after this one's expiry): a new fencing token."""
        self.tokens[name] += 1
        self.leases[name] = Lease(
            holder_id, self.tokens[name], self.clock.now() + timedelta(seconds=ttl_seconds)
        )
        return self.tokens[name]

    # --- ShardLeases ---------------------------------------------------------------------------------

    def _holds(self, fence: Fence) -> bool:
        lease = self.leases.get(fence.lease_name)
        return (
            lease is not None
            and lease.holder_id == fence.holder_id
            and lease.token == fence.token
            and lease.expires_at > self.clock.now()
        )

    def _held(self, name: str, ttl_seconds: float) -> HeldLease:
        lease = self.leases[name]
        return HeldLease(
            name,
            lease.holder_id,
            lease.token,
            lease.expires_at,
            lease.expires_at - timedelta(seconds=ttl_seconds),
        )

    async def heartbeat(
        self,
        replica_id: str,
        shard_count: int,
        member_ttl_seconds: float,
        lease_ttl_seconds: float,
        renew: Sequence[HeldLease],
        passes: Sequence[PassReport] = (),
    ) -> Membership:
        self._answer("heartbeat")
        self.reported_passes[replica_id] = list(passes)
        now = self.clock.now()
        renewed = []
        for held in renew:
            if self._holds(held.fence):
                self.leases[held.name].expires_at = now + timedelta(seconds=lease_ttl_seconds)
                renewed.append(self._held(held.name, lease_ttl_seconds))
        self.members[replica_id] = (shard_count, now + timedelta(seconds=member_ttl_seconds))
        members = [Member(r, c) for r, (c, expires) in sorted(self.members.items()) if expires > now]
        holders = []
        for name, lease in self.leases.items():
            shard = parse_shard_lease_name(name)
            if shard is not None and shard[1] == shard_count:
                holders.append(ShardHolder(shard[0], lease.holder_id, lease.token, lease.expires_at > now))
        return Membership(members, renewed, sorted(holders, key=lambda h: h.index))

    async def acquire_shards(
        self, replica_id: str, shard_count: int, indexes: Sequence[int], ttl_seconds: float
    ) -> Acquired:
        self._answer("acquire_shards")
        now = self.clock.now()
        for name, lease in self.leases.items():
            shard = parse_shard_lease_name(name)
            if shard is not None and shard[1] != shard_count and lease.expires_at > now:
                return Acquired([], shard[1])
        acquired = []
        for index in sorted(indexes):
            name = shard_lease_name(index, shard_count)
            held = self.leases.get(name)
            if held is not None and held.expires_at > now and held.holder_id != replica_id:
                continue
            if held is None or held.holder_id != replica_id:
                self.tokens[name] += 1
                held = Lease(replica_id, self.tokens[name], now)
                self.leases[name] = held
            held.expires_at = now + timedelta(seconds=ttl_seconds)
            acquired.append(self._held(name, ttl_seconds))
        return Acquired(acquired)

    async def release_shards(self, replica_id: str, leases: Sequence[HeldLease], leave: bool) -> int:
        self._answer("release_shards")
        released = 0
        for held in leases:
            if self._holds(held.fence):
                self.leases[held.name].expires_at = self.clock.now()
                released += 1
        if leave:
            self.members.pop(replica_id, None)
        return released

    # --- ShardWork reads -----------------------------------------------------------------------------

    def _recoverable(self, row: Row, ttl_seconds: int) -> bool:
        if row.kind is Kind.RETAINED:
            return True
        since = self.clock.now() - timedelta(seconds=ttl_seconds)
        return row.kind is Kind.DISCARDED and row.reason == CLIENT_ABANDONED and row.status_at >= since

    def _rows_of(
        self, account: Account, mode: WorkMode, window_seconds: float, retained_ttl_seconds: int
    ) -> list[Row] | None:
        """The rows a page carries for this account, or None when the account is not in the mode."""
        rows = sorted(account.rows.values(), key=lambda r: r.nonce)
        candidates = [r for r in rows if r.kind is Kind.CANDIDATE]
        if mode is WorkMode.PENDING:
            return candidates or None
        if mode is WorkMode.RECENT:
            since = self.clock.now() - timedelta(seconds=window_seconds)
            return candidates if any(r.status_at > since for r in candidates) else None
        recoverable = [r for r in rows if self._recoverable(r, retained_ttl_seconds)]
        return recoverable or None

    async def list_work(
        self,
        shard: ShardRef,
        mode: WorkMode,
        after: str,
        limit: int,
        *,
        window_seconds: float = 0.0,
        retained_ttl_seconds: int = 0,
    ) -> tuple[list[WorkItem], bool]:
        self._answer("list_work")
        items = []
        for account_id in sorted(self.accounts):
            if account_id <= after or shard_of(account_id, shard.count) != shard.index:
                continue
            account = self.accounts[account_id]
            rows = self._rows_of(account, mode, window_seconds, retained_ttl_seconds)
            if rows is None:
                continue
            items.append(
                WorkItem(
                    account_id,
                    _json(account.state),
                    account.commitment,
                    [r.stored() for r in rows],
                    {r.nonce: _json(r.payload) for r in rows},
                    has_candidate=any(r.kind is Kind.CANDIDATE for r in account.rows.values()),
                )
            )
        return items[:limit], len(items) > limit

    # --- ShardWork batches ---------------------------------------------------------------------------

    async def apply_writes(self, fence: Fence, writes: Sequence[Write]) -> list[WriteResult]:
        self._answer("apply_writes")
        accounts = [w.row.account_id for w in writes]
        assert len(set(accounts)) == len(accounts), "at most one write per account in a batch"
        assert 1 <= len(writes) <= 500
        self.batches.append(len(writes))
        shard = parse_shard_lease_name(fence.lease_name)
        assert shard is not None
        live = self._holds(fence)
        results = []
        for write in writes:
            if not live:
                result = WriteResult.STALE_LEASE
            elif shard_of(write.row.account_id, shard[1]) != shard[0]:
                result = WriteResult.WRONG_SHARD
            else:
                result = self._apply(write)
            op = {Promotion: "promote", Discard: "discard", StatusChange: "update_status"}[type(write)]
            self.writes.append(WriteRecord(op, fence, write.row.account_id, write.row.nonce, result))
            results.append(result)
        return results

    def _apply(self, write: Write) -> WriteResult:
        match write:
            case Promotion():
                return self._promote(write)
            case Discard():
                return self._discard(write.row)
            case StatusChange():
                return self._update_status(write)

    def _promote(self, promotion: Promotion) -> WriteResult:
        source = promotion.row
        account = self.accounts[source.account_id]
        row = account.rows.get(source.nonce)
        if row is None or row.kind is not source.kind:
            return WriteResult.NOT_CANDIDATE
        if account.commitment != row.prev_commitment:
            return WriteResult.STALE_BASE
        row.kind, row.status_at, row.new_commitment = (
            Kind.CANONICAL,
            self.clock.now(),
            promotion.new_commitment,
        )
        account.state, account.commitment = json.loads(promotion.new_state_json), promotion.new_commitment
        return WriteResult.APPLIED

    def _discard(self, row: StoredDelta) -> WriteResult:
        rows = self.accounts[row.account_id].rows
        stored = rows.get(row.nonce)
        if stored is None or stored.kind is not row.kind:
            return WriteResult.NOT_CANDIDATE
        del rows[row.nonce]
        return WriteResult.APPLIED

    def _update_status(self, change: StatusChange) -> WriteResult:
        row = self.accounts[change.row.account_id].rows.get(change.row.nonce)
        if row is None or row.kind is not Kind.CANDIDATE:
            return WriteResult.NOT_CANDIDATE
        if change.new_kind is Kind.RETAINED and row.abandon_requested_at is not None:
            return WriteResult.NOT_CANDIDATE
        if change.new_kind is Kind.CANDIDATE:
            row.retry_count = change.retry_count
            row.divergence_count = change.divergence_count
            row.abandon_confirm_count = change.abandon_confirm_count
        else:
            row.kind, row.status_at, row.reason = change.new_kind, self.clock.now(), change.reason
        return WriteResult.APPLIED


class FakeChain:
    """Implements `Chain`: the on-chain commitment per account (absent when not set)."""

    def __init__(self) -> None:
        self.commitments: dict[str, str] = {}
        self.down = False
        self.probes: list[str] = []
        self.on_probe: Callable[[str], object] | None = None  # runs before each answer (to race the pass)

    async def verify_commitment(self, account_id: str, expected: str) -> Observation:
        self.probes.append(account_id)
        if self.on_probe is not None:
            self.on_probe(account_id)
        if self.down:
            raise ChainError("the node gave no answer")
        on_chain = self.commitments.get(account_id)
        if on_chain is None:
            return Absent()
        return Match() if on_chain == expected else Mismatch(on_chain)
