"""Value types shared by the coordinator's API adapters and its stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Realm(StrEnum):
    OPERATOR = "operator"
    EVM = "evm"


@dataclass(frozen=True)
class Session:
    subject_json: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Issued:
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Challenge:
    key: str
    payload_json: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Lease:
    """A held lease. (name, holder_id, fence_token) is the fence a worker write carries."""

    name: str
    holder_id: str
    fence_token: int
    expires_at: datetime


# --- Custody (the json network type) -----------------------------------------------------------------


class DeltaKind(StrEnum):
    """A delta's lifecycle kind: the `deltas.status_kind` column and the `status` tag of its status JSON."""

    CANDIDATE = "candidate"
    CANONICAL = "canonical"
    RETAINED = "retained"
    DISCARDED = "discarded"


CLIENT_ABANDONED = "client_abandoned"
RETAIN_REASONS = frozenset({"retry_exhausted", "diverged"})
DISCARD_REASONS = frozenset({CLIENT_ABANDONED})


class ConfigureOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    REPLAY = "replay"
    EXISTS = "exists"


class SubmitOutcome(StrEnum):
    SUBMITTED = "submitted"
    CONFLICT = "conflict"
    COMMITMENT_MISMATCH = "commitment_mismatch"
    ACCOUNT_NOT_FOUND = "account_not_found"
    PAUSED = "paused"
    RELEASED = "released"
    REPLAY = "replay"


class AbandonOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY_REQUESTED = "already_requested"
    NOT_CANDIDATE = "not_candidate"
    ACCOUNT_NOT_FOUND = "account_not_found"
    PAUSED = "paused"
    RELEASED = "released"


class AuthTimestampOutcome(StrEnum):
    ACCEPTED = "accepted"
    REPLAY = "replay"
    ACCOUNT_NOT_FOUND = "account_not_found"


class WriteOutcome(StrEnum):
    """The outcome of a fenced worker write (docs/contracts/canonicalization.md §5.2)."""

    APPLIED = "applied"
    STALE_LEASE = "stale_lease"
    NOT_CANDIDATE = "not_candidate"
    STALE_BASE = "stale_base"
    WRONG_SHARD = "wrong_shard"


@dataclass(frozen=True)
class Account:
    account_id: str
    auth_json: str
    network_config_json: str
    created_at: datetime
    updated_at: datetime
    has_pending_candidate: bool
    paused_at: datetime | None
    paused_reason: str | None
    released_at: datetime | None
    state_commitment: str | None
    state_created_at: datetime | None
    state_updated_at: datetime | None


@dataclass(frozen=True)
class AccountState:
    account_id: str
    state_json: str
    commitment: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Delta:
    """A stored delta. List reads leave `delta_payload_json` and `ack_sig` out (None)."""

    account_id: str
    nonce: int
    prev_commitment: str
    new_commitment: str | None
    status_json: str
    status_kind: DeltaKind
    status_timestamp: datetime
    metadata_json: str | None
    delta_payload_json: str | None = None
    ack_sig: str | None = None


@dataclass(frozen=True)
class NewCandidate:
    account_id: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    delta_payload_json: str
    ack_sig: str | None
    metadata_json: str | None
    # The request's replay stamp, checked (and the floor advanced) in the submission's transaction.
    stamp: AuthStamp | None = None


@dataclass(frozen=True)
class NewAccount:
    account_id: str
    auth_json: str
    network_config_json: str | None
    state_json: str
    commitment: str
    create_only: bool = False


@dataclass(frozen=True)
class AuthStamp:
    signer_commitment: str
    timestamp_ms: int


@dataclass(frozen=True)
class Promotion:
    account_id: str
    nonce: int
    new_commitment: str
    new_state_json: str
    auth_json: str | None
    release: bool


@dataclass(frozen=True)
class StatusUpdate:
    """CANDIDATE: new counters (timestamp and abandon intent kept). RETAINED / DISCARDED: the flip."""

    account_id: str
    nonce: int
    reason: str | None
    retry_count: int = 0
    divergence_count: int = 0
    abandon_confirm_count: int = 0


@dataclass(frozen=True)
class ConfigureResult:
    outcome: ConfigureOutcome
    account: Account | None = None


@dataclass(frozen=True)
class SubmitResult:
    outcome: SubmitOutcome
    delta: Delta | None = None
    expected_commitment: str | None = None
    account: Account | None = None


@dataclass(frozen=True)
class AbandonResult:
    outcome: AbandonOutcome
    requested_at: datetime | None = None
    delta: Delta | None = None
    account: Account | None = None


@dataclass(frozen=True)
class PauseResult:
    """`account` is None when there is no such account."""

    account: Account | None
    before_state: str = ""
    after_state: str = ""


@dataclass(frozen=True)
class SignedRead:
    """One signed read's account (and state), the first candidate signer that is one of its cosigners, and
    what happened to that signer's replay floor (None when no candidate is a cosigner: no floor touched)."""

    account: Account
    state: AccountState | None
    signer_commitment: str | None
    floor: AuthTimestampOutcome | None


@dataclass(frozen=True)
class AdminAction:
    id: int
    account_id: str
    action: str
    operator_commitment: str
    reason: str | None
    created_at: datetime
    before_state: str
    after_state: str


@dataclass(frozen=True)
class AccountKey:
    """Sort key of the account list: (updated_at DESC, account_id ASC)."""

    updated_at: datetime
    account_id: str


@dataclass(frozen=True)
class FeedKey:
    """Sort key of a delta in the cross-account feeds: (status_timestamp, account_id, nonce)."""

    status_timestamp: datetime
    account_id: str
    nonce: int


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_more: bool

    @classmethod
    def of(cls, fetched: list[T], limit: int) -> Page[T]:
        """`fetched` holds up to limit + 1 rows: the extra one only says that more follow."""
        return cls(fetched[:limit], len(fetched) > limit)

    @classmethod
    def within_budget(cls, fetched: list[T], sizes: list[int], limit: int, budget: int) -> Page[T]:
        """Like `of`, and the page also ends before a row once the sizes before it reach `budget`
        (the first row always comes)."""
        taken: list[T] = []
        used = 0
        for row, size in zip(fetched[:limit], sizes, strict=False):
            if used >= budget:
                break
            taken.append(row)
            used += size
        return cls(taken, len(taken) < len(fetched))

    @classmethod
    def fitting(cls, fetched: list[T], sizes: list[int], limit: int, budget: int) -> Page[T]:
        """Like `of`, and a row joins the page only while the page's size stays within `budget` (the first
        row always comes): a page never overshoots the budget by a row, unlike `within_budget`."""
        taken: list[T] = []
        used = 0
        for row, size in zip(fetched[:limit], sizes, strict=False):
            if taken and used + size > budget:
                break
            taken.append(row)
            used += size
        return cls(taken, len(taken) < len(fetched))


@dataclass(frozen=True)
class DashboardInfo:
    total_account_count: int
    accounts_by_auth_method: dict[str, int]
    delta_status_counts: dict[str, int]
    latest_activity: datetime | None


# --- Sharded canonicalization (docs/custody.md, "Shards and batches") ------------------------------------


@dataclass(frozen=True)
class ShardRef:
    index: int
    count: int


@dataclass(frozen=True)
class Member:
    """A live canonicalizer replica, as its last heartbeat announced it."""

    replica_id: str
    shard_count: int
    expires_at: datetime


@dataclass(frozen=True)
class ShardHolder:
    """A shard lease row as the store sees it now (`live`: not expired)."""

    shard: ShardRef
    holder_id: str
    fence_token: int
    expires_at: datetime
    live: bool


@dataclass(frozen=True)
class HeartbeatResult:
    members: list[Member]
    renewed: list[Lease]
    holders: list[ShardHolder]


@dataclass(frozen=True)
class AcquireShardsResult:
    """`conflicting_shard_count`: a live shard lease of that other count exists, so nothing was granted."""

    acquired: list[Lease]
    conflicting_shard_count: int | None = None


class WorkMode(StrEnum):
    PENDING = "pending"
    RECENT = "recent"
    RECOVERABLE = "recoverable"


@dataclass(frozen=True)
class WorkQuery:
    """One page of a shard's work: accounts of `shard` in `mode`, account_id ASC after the cursor."""

    shard: ShardRef
    mode: WorkMode
    after_account_id: str | None
    limit: int
    recent_window_ms: int = 0
    retained_ttl_seconds: int = 0


@dataclass(frozen=True)
class ShardWorkItem:
    """An account with what a pass decides on: its state and its rows (with payloads), nonce ASC."""

    account_id: str
    state: AccountState | None
    rows: list[Delta]
    has_candidate: bool
    paused: bool

    def json_bytes(self) -> int:
        """The JSON this item carries (state and payloads), the measure of a page's size."""
        state = len(self.state.state_json.encode()) if self.state else 0
        return state + sum(len((row.delta_payload_json or "").encode()) for row in self.rows)


@dataclass(frozen=True)
class PromoteWrite:
    source_kind: DeltaKind
    promotion: Promotion

    @property
    def account_id(self) -> str:
        return self.promotion.account_id


@dataclass(frozen=True)
class DiscardWrite:
    account_id: str
    nonce: int
    kind: DeltaKind


@dataclass(frozen=True)
class StatusWrite:
    new_kind: DeltaKind
    update: StatusUpdate

    @property
    def account_id(self) -> str:
        return self.update.account_id


FencedWrite = PromoteWrite | DiscardWrite | StatusWrite
