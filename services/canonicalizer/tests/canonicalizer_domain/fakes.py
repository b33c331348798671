"""In-memory fakes of the canonicalizer's ports (guardian_canonicalizer.domain.ports): one coordinator (custody
store and lease service, with the coordinator's fencing and compare-and-set rules) and one chain.

They follow the coordinator's memory store on the points the passes depend on: a write under a fence that is
not the lease's current one is STALE_LEASE; a row no longer of the expected kind is NOT_CANDIDATE; a promotion
whose base is not the stored state is STALE_BASE; retained rows and recently client-abandoned ones are
recoverable. Failures are injected per operation (`fail_next`) or for everything (`available = False`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from guardian_canonicalizer.domain.clock import ManualClock
from guardian_canonicalizer.domain.decisions import CLIENT_ABANDONED
from guardian_canonicalizer.domain.deltas import Kind, StoredDelta
from guardian_canonicalizer.domain.observations import Absent, ChainError, Match, Mismatch, Observation
from guardian_canonicalizer.domain.ports import (
    Fence,
    HeldLease,
    Promotion,
    RecentCursor,
    StatusChange,
    StoredState,
    StoreUnavailable,
    WriteResult,
)
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
class Write:
    op: str
    fence: Fence
    account_id: str
    nonce: int
    result: WriteResult


class FakeCoordinator:
    """Implements `CustodyStore` and `LeaseService` in memory, on the test's clock."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.accounts: dict[str, Account] = {}
        self.leases: dict[str, Lease] = {}
        self.tokens = 0
        self.available = True
        self.fail_next: Counter[str] = Counter()  # operation name → calls left to fail
        self.calls: Counter[str] = Counter()
        self.writes: list[Write] = []  # fenced writes that got an answer, in order

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
        self.tokens += 1
        self.leases[name] = Lease(holder_id, self.tokens, self.clock.now() + timedelta(seconds=ttl_seconds))
        return self.tokens

    # --- LeaseService --------------------------------------------------------------------------------

    def _holds(self, fence: Fence) -> bool:
        lease = self.leases.get(fence.lease_name)
        return (
            lease is not None
            and lease.holder_id == fence.holder_id
            and lease.token == fence.token
            and lease.expires_at > self.clock.now()
        )

    async def acquire(self, name: str, holder_id: str, ttl_seconds: float) -> HeldLease | None:
        self._answer("acquire")
        now = self.clock.now()
        lease = self.leases.get(name)
        if lease is not None and lease.expires_at > now and lease.holder_id != holder_id:
            return None
        if lease is None or lease.holder_id != holder_id or lease.expires_at <= now:
            self.tokens += 1
            lease = Lease(holder_id, self.tokens, now)
            self.leases[name] = lease
        lease.expires_at = now + timedelta(seconds=ttl_seconds)
        return HeldLease(name, holder_id, lease.token, lease.expires_at, now)

    async def renew(self, fence: Fence, ttl_seconds: float) -> datetime | None:
        self._answer("renew")
        if not self._holds(fence):
            return None
        lease = self.leases[fence.lease_name]
        lease.expires_at = self.clock.now() + timedelta(seconds=ttl_seconds)
        return lease.expires_at

    async def release(self, fence: Fence) -> None:
        self._answer("release")
        if self._holds(fence):
            self.leases[fence.lease_name].expires_at = self.clock.now()

    # --- CustodyStore reads --------------------------------------------------------------------------

    def _rows(self) -> list[Row]:
        return [row for account in self.accounts.values() for row in account.rows.values()]

    async def pending_accounts(self, after: str) -> tuple[list[str], bool]:
        self._answer("pending_accounts")
        ids = sorted(
            account_id
            for account_id, account in self.accounts.items()
            if account_id > after and any(r.kind is Kind.CANDIDATE for r in account.rows.values())
        )
        return ids, False

    async def candidates(self, account_id: str) -> list[StoredDelta]:
        self._answer("candidates")
        rows = self.accounts[account_id].rows.values()
        return [r.stored() for r in sorted(rows, key=lambda r: r.nonce) if r.kind is Kind.CANDIDATE]

    async def recent_candidates(
        self, window_seconds: float, limit: int, after: RecentCursor | None
    ) -> tuple[list[StoredDelta], bool]:
        self._answer("recent_candidates")
        since = self.clock.now() - timedelta(seconds=window_seconds)
        rows = sorted(
            (r for r in self._rows() if r.kind is Kind.CANDIDATE and r.status_at > since),
            key=lambda r: (r.status_at, r.account_id, r.nonce),
        )
        if after is not None:
            rows = [r for r in rows if (r.status_at, r.account_id, r.nonce) > after]
        return [r.stored() for r in rows[:limit]], len(rows) > limit

    def _recoverable(self, row: Row, ttl_seconds: int) -> bool:
        if row.kind is Kind.RETAINED:
            return True
        since = self.clock.now() - timedelta(seconds=ttl_seconds)
        return row.kind is Kind.DISCARDED and row.reason == CLIENT_ABANDONED and row.status_at >= since

    async def recoverable_accounts(self, ttl_seconds: int, after: str, limit: int) -> tuple[list[str], bool]:
        self._answer("recoverable_accounts")
        ids = sorted(
            account_id
            for account_id, account in self.accounts.items()
            if account_id > after and any(self._recoverable(r, ttl_seconds) for r in account.rows.values())
        )
        return ids[:limit], len(ids) > limit

    async def recoverable_deltas(self, account_id: str, ttl_seconds: int) -> list[StoredDelta]:
        self._answer("recoverable_deltas")
        rows = sorted(self.accounts[account_id].rows.values(), key=lambda r: r.nonce)
        return [r.stored() for r in rows if self._recoverable(r, ttl_seconds)]

    async def state(self, account_id: str) -> StoredState | None:
        self._answer("state")
        account = self.accounts.get(account_id)
        return None if account is None else StoredState(dict(account.state), account.commitment)

    async def payload(self, account_id: str, nonce: int) -> dict[str, Any] | None:
        self._answer("payload")
        row = self.accounts[account_id].rows.get(nonce)
        return None if row is None else dict(row.payload)

    # --- CustodyStore fenced writes ------------------------------------------------------------------

    def _record(self, op: str, fence: Fence, row: StoredDelta, result: WriteResult) -> WriteResult:
        self.writes.append(Write(op, fence, row.account_id, row.nonce, result))
        return result

    async def promote(self, fence: Fence, promotion: Promotion) -> WriteResult:
        self._answer("promote")
        source = promotion.row
        if not self._holds(fence):
            return self._record("promote", fence, source, WriteResult.STALE_LEASE)
        account = self.accounts[source.account_id]
        row = account.rows.get(source.nonce)
        if row is None or row.kind is not source.kind:
            return self._record("promote", fence, source, WriteResult.NOT_CANDIDATE)
        if account.commitment != row.prev_commitment:
            return self._record("promote", fence, source, WriteResult.STALE_BASE)
        row.kind, row.status_at, row.new_commitment = (
            Kind.CANONICAL,
            self.clock.now(),
            promotion.new_commitment,
        )
        account.state, account.commitment = dict(promotion.new_state), promotion.new_commitment
        return self._record("promote", fence, source, WriteResult.APPLIED)

    async def discard(self, fence: Fence, row: StoredDelta) -> WriteResult:
        self._answer("discard")
        if not self._holds(fence):
            return self._record("discard", fence, row, WriteResult.STALE_LEASE)
        rows = self.accounts[row.account_id].rows
        stored = rows.get(row.nonce)
        if stored is None or stored.kind is not row.kind:
            return self._record("discard", fence, row, WriteResult.NOT_CANDIDATE)
        del rows[row.nonce]
        return self._record("discard", fence, row, WriteResult.APPLIED)

    async def update_status(self, fence: Fence, change: StatusChange) -> WriteResult:
        self._answer("update_status")
        if not self._holds(fence):
            return self._record("update_status", fence, change.row, WriteResult.STALE_LEASE)
        row = self.accounts[change.row.account_id].rows.get(change.row.nonce)
        if row is None or row.kind is not Kind.CANDIDATE:
            return self._record("update_status", fence, change.row, WriteResult.NOT_CANDIDATE)
        if change.new_kind is Kind.RETAINED and row.abandon_requested_at is not None:
            return self._record("update_status", fence, change.row, WriteResult.NOT_CANDIDATE)
        if change.new_kind is Kind.CANDIDATE:
            row.retry_count = change.retry_count
            row.divergence_count = change.divergence_count
            row.abandon_confirm_count = change.abandon_confirm_count
        else:
            row.kind, row.status_at, row.reason = change.new_kind, self.clock.now(), change.reason
        return self._record("update_status", fence, change.row, WriteResult.APPLIED)


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
