"""The canonicalizer's outbound ports: what the passes and the lease loop need from the custody store, the
lease service and the chain, in the domain's own types. `clients/` implements them over gRPC; the domain
never sees gRPC, protobuf or SQL (docs/canonicalizer.md, "Structure").

Every fenced write names the `Fence` it is made under rather than a whole lease, and writes are described
by values (`Promotion`, `StatusChange`), so a batch of them, each under its own shard's fence, is a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from guardian_canonicalizer.domain.deltas import Kind, StoredDelta
from guardian_canonicalizer.domain.observations import Observation


class StoreUnavailable(Exception):
    """The custody store or the lease service gave no answer; nothing is known to have been written."""


class WriteResult(StrEnum):
    """How the store answered one fenced write (docs/contracts/canonicalization.md §5.2)."""

    APPLIED = "applied"
    STALE_LEASE = "stale_lease"  # the fence is no longer the lease's current one: stop writing
    NOT_CANDIDATE = "not_candidate"  # the row is no longer of the kind the write expected
    STALE_BASE = "stale_base"  # the account's state moved away from the row's base


@dataclass(frozen=True)
class Fence:
    """What a fenced write carries: the lease it was granted under, the holder, and the fencing token.
    The store applies the write only if this is still the lease's current holder and token."""

    lease_name: str
    holder_id: str
    token: int


@dataclass(frozen=True)
class HeldLease:
    name: str
    holder_id: str
    fence_token: int
    expires_at: datetime  # database clock
    acquired_at: datetime  # database clock: expires_at - ttl of the call that returned it

    @property
    def fence(self) -> Fence:
        return Fence(self.name, self.holder_id, self.fence_token)


@dataclass(frozen=True)
class StoredState:
    state: dict[str, Any]
    commitment: str


# The fast pass's keyset position: (status time, account id, nonce) of the last row read.
RecentCursor = tuple[datetime, str, int]


@dataclass(frozen=True)
class Promotion:
    """Make `row` canonical, moving the account to `new_state` / `new_commitment` (checked against the
    row's base and source kind in the store's transaction)."""

    row: StoredDelta
    new_commitment: str
    new_state: dict[str, Any]


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


class CustodyStore(Protocol):
    """The custody store as the worker sees it: candidate reads, reconcile reads and fenced writes.
    Every method raises `StoreUnavailable` when the store gives no answer."""

    async def pending_accounts(self, after: str) -> tuple[list[str], bool]:
        """Accounts with a candidate, after `after` in id order; and whether more follow."""
        ...

    async def candidates(self, account_id: str) -> list[StoredDelta]:
        """The account's candidates in nonce order."""
        ...

    async def recent_candidates(
        self, window_seconds: float, limit: int, after: RecentCursor | None
    ) -> tuple[list[StoredDelta], bool]:
        """Candidates pushed within the window, in (status time, account, nonce) order after `after`."""
        ...

    async def recoverable_accounts(self, ttl_seconds: int, after: str, limit: int) -> tuple[list[str], bool]:
        """Accounts holding a retained or abandoned row younger than the TTL, after `after`."""
        ...

    async def recoverable_deltas(self, account_id: str, ttl_seconds: int) -> list[StoredDelta]: ...

    async def state(self, account_id: str) -> StoredState | None: ...

    async def payload(self, account_id: str, nonce: int) -> dict[str, Any] | None: ...

    async def promote(self, fence: Fence, promotion: Promotion) -> WriteResult: ...

    async def discard(self, fence: Fence, row: StoredDelta) -> WriteResult:
        """Delete the row if it still is of `row.kind`."""
        ...

    async def update_status(self, fence: Fence, change: StatusChange) -> WriteResult: ...


class LeaseService(Protocol):
    """Named leases with fencing tokens. Raises `StoreUnavailable` when it gives no answer."""

    async def acquire(self, name: str, holder_id: str, ttl_seconds: float) -> HeldLease | None:
        """Takes a free or expired lease (a new token), extends one this holder holds (same token), or
        returns None when another holder has it."""
        ...

    async def renew(self, fence: Fence, ttl_seconds: float) -> datetime | None:
        """The new expiry, or None when the fence no longer holds the lease."""
        ...

    async def release(self, fence: Fence) -> None:
        """Expires the lease now if the fence still holds it."""
        ...


class Chain(Protocol):
    async def verify_commitment(self, account_id: str, expected: str) -> Observation:
        """Match | Absent | Mismatch(on_chain); raises `ChainError` when the node gives no answer."""
        ...
