"""The canonicalizer's outbound ports: what the passes and the shard manager need from the coordinator and
the chain, in the domain's own types. `clients/` implements them over gRPC; the domain never sees gRPC,
protobuf or SQL (docs/canonicalizer.md, "Structure").

Work is read a page at a time (`ShardWork.list_work`: accounts of one shard with their state, rows and
payloads) and written a batch at a time (`ShardWork.apply_writes`: values under one shard's `Fence`, an
outcome per write). Membership and shard leases go through `ShardLeases`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from guardian_canonicalizer.domain.deltas import Kind, StoredDelta
from guardian_canonicalizer.domain.observations import Observation
from guardian_common.shards import parse_shard_lease_name


class StoreUnavailable(Exception):
    """The coordinator gave no answer; nothing is known to have been written."""


class WriteResult(StrEnum):
    """How the store answered one fenced write (docs/contracts/canonicalization.md §5.2)."""

    APPLIED = "applied"
    STALE_LEASE = "stale_lease"  # the fence is no longer the lease's current one: stop writing
    NOT_CANDIDATE = "not_candidate"  # the row is no longer of the kind the write expected
    STALE_BASE = "stale_base"  # the account's state moved away from the row's base
    WRONG_SHARD = "wrong_shard"  # the account is not in the fence's shard: stop writing under it


@dataclass(frozen=True)
class Fence:
    """What a fenced write carries: the lease it was granted under, the holder, and the fencing token.
    The store applies the write only if this is still the lease's current holder and token."""

    lease_name: str
    holder_id: str
    token: int


@dataclass(frozen=True)
class ShardRef:
    index: int
    count: int

    @classmethod
    def of_lease(cls, lease_name: str) -> ShardRef:
        parsed = parse_shard_lease_name(lease_name)
        if parsed is None:
            raise ValueError(f"{lease_name!r} is not a shard lease name")
        return cls(*parsed)


@dataclass(frozen=True)
class HeldLease:
    name: str
    holder_id: str
    fence_token: int
    expires_at: datetime  # database clock
    acquired_at: datetime  # database clock: expires_at - the TTL of the call that returned it

    @property
    def fence(self) -> Fence:
        return Fence(self.name, self.holder_id, self.fence_token)

    @property
    def shard(self) -> ShardRef:
        return ShardRef.of_lease(self.name)


class WorkMode(StrEnum):
    PENDING = "pending"  # accounts with a candidate (full pass)
    RECENT = "recent"  # accounts with a candidate pushed within a window (fast pass)
    RECOVERABLE = "recoverable"  # accounts with retained or recently client-abandoned rows (reconcile)


@dataclass(frozen=True)
class WorkItem:
    """One account of a work page, as read in one statement set: its state (JSON text, parsed off the
    event loop with the rest of the page's CPU work), its rows in nonce order and their payloads."""

    account_id: str
    state_json: str | None  # None: the account has no state
    commitment: str
    rows: list[StoredDelta]
    payloads: dict[int, str]  # nonce → delta payload JSON text
    has_candidate: bool = False  # RECOVERABLE: a candidate is in flight


@dataclass(frozen=True)
class Promotion:
    """Make `row` canonical, moving the account to `new_state_json` / `new_commitment` (checked against
    the row's base and source kind in the store's transaction)."""

    row: StoredDelta
    new_commitment: str
    new_state_json: str


@dataclass(frozen=True)
class StatusChange:
    """Move a candidate to `new_kind` (candidate: only its counters change) with a reason."""

    row: StoredDelta
    new_kind: Kind
    reason: str
    retry_count: int
    divergence_count: int
    abandon_confirm_count: int

    @classmethod
    def moving(cls, row: StoredDelta, new_kind: Kind, reason: str) -> StatusChange:
        """A kind change that keeps the row's counters as they are."""
        return cls(row, new_kind, reason, row.retry_count, row.divergence_count, row.abandon_confirm_count)


@dataclass(frozen=True)
class Discard:
    """Delete the row if it still is of `row.kind`."""

    row: StoredDelta


Write = Promotion | StatusChange | Discard


@dataclass(frozen=True)
class Member:
    replica_id: str
    shard_count: int


@dataclass(frozen=True)
class ShardHolder:
    """A shard lease row as the coordinator sees it now (`live`: not expired)."""

    index: int
    holder_id: str
    fence_token: int
    live: bool


@dataclass(frozen=True)
class PassReport:
    """This replica's latest round of one kind, for the fleet page: how long ago it finished (a duration:
    the coordinator dates it on its own clock) and what it did."""

    kind: str
    outcome: str
    age_ms: int
    promoted: int
    discarded: int
    waiting: int
    failed: int


@dataclass(frozen=True)
class Membership:
    """What one heartbeat answers: the live members (the caller included), the caller's leases that
    were renewed (with their new expiry), and every shard lease row of the caller's shard count."""

    members: list[Member]
    renewed: list[HeldLease]
    holders: list[ShardHolder]


@dataclass(frozen=True)
class Acquired:
    leases: list[HeldLease]
    conflicting_shard_count: int | None = None  # a live shard lease of another count: nothing granted


class ShardWork(Protocol):
    """Pages of one shard's work and batches of fenced writes. Raises `StoreUnavailable`."""

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
        """Accounts of `shard` in `mode` after `after` (account id order), and whether more follow."""
        ...

    async def apply_writes(self, fence: Fence, writes: Sequence[Write]) -> list[WriteResult]:
        """One transaction, an outcome per write in order; at most one write per account."""
        ...


class ShardLeases(Protocol):
    """Membership and shard leases. Raises `StoreUnavailable` when the coordinator gives no answer."""

    async def heartbeat(
        self,
        replica_id: str,
        shard_count: int,
        member_ttl_seconds: float,
        lease_ttl_seconds: float,
        renew: Sequence[HeldLease],
        passes: Sequence[PassReport] = (),
    ) -> Membership:
        """Refreshes the membership row (with `passes`, replacing the ones reported before) and renews."""
        ...

    async def acquire_shards(
        self, replica_id: str, shard_count: int, indexes: Sequence[int], ttl_seconds: float
    ) -> Acquired:
        """Takes each named shard that is free, expired or already the caller's."""
        ...

    async def release_shards(self, replica_id: str, leases: Sequence[HeldLease], leave: bool) -> int:
        """Ends the leases now; `leave` also drops the membership row. Returns how many ended."""
        ...


class Chain(Protocol):
    async def verify_commitment(self, account_id: str, expected: str) -> Observation:
        """Match | Absent | Mismatch(on_chain); raises `ChainError` when the node gives no answer."""
        ...
