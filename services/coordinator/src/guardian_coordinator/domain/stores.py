"""The store contracts. Each has a memory and a Postgres implementation with the same semantics.

Every expiry and lease decision is taken on the store's clock (the database clock on Postgres,
a monotonic clock in memory): callers pass durations, never instants.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from guardian_coordinator.domain.activity import Activity, ActivityQuery
from guardian_coordinator.domain.evm import EvmStore
from guardian_coordinator.domain.fleet import FleetStore, PassReport
from guardian_coordinator.domain.models import (
    AbandonResult,
    Account,
    AccountKey,
    AccountState,
    AcquireShardsResult,
    AdminAction,
    AuthStamp,
    AuthTimestampOutcome,
    Challenge,
    ConfigureResult,
    DashboardInfo,
    Delta,
    DeltaKind,
    FeedKey,
    FencedWrite,
    HeartbeatResult,
    Issued,
    Lease,
    NewAccount,
    NewCandidate,
    Page,
    PauseResult,
    Promotion,
    Realm,
    Session,
    ShardWorkItem,
    SignedRead,
    StatusUpdate,
    SubmitResult,
    WorkQuery,
    WriteOutcome,
)
from guardian_coordinator.domain.proposals import ProposalStore


class SessionStore(Protocol):
    async def insert(self, realm: Realm, token_digest: bytes, subject_json: str, ttl_seconds: int) -> Issued:
        """Upsert: an existing key gets the new subject and times and is un-revoked."""
        ...

    async def get(self, realm: Realm, token_digest: bytes) -> Session | None:
        """The session only if it is unrevoked and unexpired."""
        ...

    async def revoke(self, realm: Realm, token_digest: bytes) -> Session | None:
        """Revokes a live session and returns it; None if there was no live session."""
        ...

    async def sweep(self) -> int:
        """Deletes expired sessions of every realm; returns how many."""
        ...


class ChallengeStore(Protocol):
    async def issue(
        self,
        realm: Realm,
        principal: str,
        key: str,
        payload_json: str,
        ttl_seconds: int,
        max_outstanding: int,
    ) -> Issued:
        """Upserts the challenge, drops the principal's expired ones, keeps the newest pending ones."""
        ...

    async def list_active(self, realm: Realm, principal: str) -> list[Challenge]:
        """The principal's unconsumed, unexpired challenges, newest first."""
        ...

    async def consume(self, realm: Realm, principal: str, key: str) -> bool:
        """True for exactly one caller ever, only while unexpired and owned by `principal`."""
        ...

    async def sweep(self) -> int:
        """Deletes expired challenges (consumed or not) of every realm; returns how many."""
        ...


class LeaseStore(Protocol):
    async def acquire(self, name: str, holder_id: str, ttl_ms: int) -> Lease | None:
        """Takes the lease if free, expired or already ours. The token grows by one on a change of holder."""
        ...

    async def renew(self, lease: Lease, ttl_ms: int) -> Lease | None:
        """Extends the lease only for the current, unexpired holder with the same token."""
        ...

    async def verify(self, lease: Lease) -> bool: ...

    async def release(self, lease: Lease) -> None:
        """Expires the lease in place (the row stays, so tokens keep growing)."""
        ...


class CustodyStore(Protocol):
    """Accounts, states and deltas (docs/contracts/canonicalization.md §5, §7). Every write is one transaction that locks
    the account first; fenced writes check the lease inside that transaction, after the lock."""

    async def configure(self, account: NewAccount, stamp: AuthStamp | None) -> ConfigureResult:
        """Creates the account and its state, or replaces an existing account's auth (and network config
        when given) and clears `released_at`. With a stamp, the replay check runs in the same
        transaction; a replay rolls everything back."""
        ...

    async def submit_candidate(self, candidate: NewCandidate) -> SubmitResult: ...

    async def record_abandon(self, account_id: str, nonce: int) -> AbandonResult: ...

    async def advance_auth_timestamp(
        self, account_id: str, signer_commitment: str, timestamp_ms: int
    ) -> AuthTimestampOutcome:
        """Accepted only if `timestamp_ms` is strictly greater than the signer's stored floor."""
        ...

    async def read_as_signer(
        self,
        account_id: str,
        include_state: bool,
        auth_method: str,
        candidates: tuple[str, ...],
        timestamp_ms: int,
    ) -> SignedRead | None:
        """From one snapshot: the account (its state too with `include_state`), the first of `candidates` listed
        among the account's `auth_method` cosigners, and that signer's floor advanced to `timestamp_ms` if it
        is strictly greater (ACCEPTED) or left (REPLAY). None without the account."""
        ...

    async def set_paused(
        self, account_id: str, paused: bool, operator_commitment: str, reason: str | None
    ) -> PauseResult:
        """Idempotent; every call (no-ops too) is audited in the same transaction."""
        ...

    async def promote(self, fence: Lease, source_kind: DeltaKind, promotion: Promotion) -> WriteOutcome:
        """Flips the row of exactly `source_kind` (DISCARDED: only a client-abandoned one) to canonical.

        Every fenced write (these three and `apply_writes`) answers WRONG_SHARD, writing nothing, when its
        fence is a shard lease (guardian_common.shards) and the account is not in that shard."""
        ...

    async def discard(self, fence: Lease, account_id: str, nonce: int, kind: DeltaKind) -> WriteOutcome: ...

    async def update_candidate_status(
        self, fence: Lease, new_kind: DeltaKind, update: StatusUpdate
    ) -> WriteOutcome: ...

    async def get_account(self, account_id: str) -> Account | None: ...

    async def get_state(self, account_id: str) -> AccountState | None: ...

    async def get_account_with_state(self, account_id: str) -> tuple[Account, AccountState | None] | None:
        """The account and its state (None without one) from one snapshot; None without the account."""
        ...

    async def get_delta(self, account_id: str, nonce: int) -> Delta | None:
        """With its payload and ack signature."""
        ...

    async def list_deltas_since(
        self, account_id: str, from_nonce: int, kinds: frozenset[DeltaKind], limit: int, payload_budget: int
    ) -> Page[Delta]:
        """nonce >= from_nonce ascending, with payloads; the page also ends once the payloads before a row
        add up to `payload_budget` bytes (the first row always comes)."""
        ...

    async def list_account_deltas(
        self, account_id: str, kinds: frozenset[DeltaKind], before_nonce: int | None, limit: int
    ) -> Page[Delta]:
        """nonce DESC."""
        ...

    async def list_deltas(
        self, kinds: frozenset[DeltaKind], after: FeedKey | None, limit: int
    ) -> Page[Delta]:
        """(status_timestamp DESC, account_id ASC, nonce ASC)."""
        ...

    async def list_accounts(
        self, paused: bool | None, after: AccountKey | None, limit: int, id_prefix: str = ""
    ) -> Page[Account]:
        """(updated_at DESC, account_id ASC); `paused` None means all; `id_prefix` (checked: 0x and hex
        digits) keeps the accounts whose id starts with it, "" all."""
        ...

    async def list_pending_accounts(self, after_account_id: str | None, limit: int) -> Page[str]: ...

    async def list_accounts_by_cosigner(
        self, cosigner_commitment: str, after_account_id: str | None, limit: int
    ) -> Page[str]:
        """Ids of the accounts whose Miden auth lists the commitment, account_id ASC."""
        ...

    async def list_candidates(self, account_id: str) -> list[Delta]: ...

    async def list_recent_candidates(self, window_ms: int, after: FeedKey | None, limit: int) -> Page[Delta]:
        """Candidates with status_timestamp > now - window, (status_timestamp, account_id, nonce) ASC."""
        ...

    async def list_recoverable_accounts(
        self, retained_ttl_seconds: int, after_account_id: str | None, limit: int
    ) -> Page[str]: ...

    async def list_recoverable_deltas(self, account_id: str, retained_ttl_seconds: int) -> list[Delta]:
        """Every retained row, and client-abandoned discards younger than the TTL; nonce ASC."""
        ...

    async def list_admin_actions(
        self, account_id: str, before_id: int | None, limit: int
    ) -> Page[AdminAction]: ...

    async def dashboard_info(self) -> DashboardInfo: ...

    async def activity(self, query: ActivityQuery) -> Activity:
        """domain.activity: the window's buckets, from one snapshot, ending at the store's clock."""
        ...

    async def list_shard_work(self, query: WorkQuery, json_budget: int) -> Page[ShardWorkItem]:
        """One consistent snapshot: the accounts of the shard in the mode, each with its state, its rows
        (PENDING / RECENT: candidates; RECOVERABLE: the rows of `list_recoverable_deltas`) with payloads,
        nonce ASC. The page also ends before an item that would take its JSON beyond `json_budget` bytes
        (the first item always comes)."""
        ...

    async def apply_writes(self, fence: Lease, writes: list[FencedWrite]) -> list[WriteOutcome]:
        """One transaction: the accounts locked in account_id order, then the fence (not live: STALE_LEASE
        for every write, nothing written), then each write as its single-write RPC would do it, an outcome
        per write in order. The caller guarantees at most one write per account."""
        ...


class ShardStore(Protocol):
    """Canonicalizer membership and shard leases (rows of the lease table, fenced like any lease)."""

    async def heartbeat(
        self,
        replica_id: str,
        shard_count: int,
        member_ttl_ms: int,
        lease_ttl_ms: int,
        renew: list[Lease],
        passes: Sequence[PassReport] = (),
    ) -> HeartbeatResult:
        """Upserts the member (expiry = now + member TTL, `passes` replacing its last pass summaries, each
        dated now - its age), deletes expired members, renews each lease of
        `renew` still held by the same holder and token; returns the live members (replica_id ASC), the
        renewed leases and every shard lease row of `shard_count` (index ASC)."""
        ...

    async def acquire_shards(
        self, replica_id: str, shard_count: int, indexes: list[int], lease_ttl_ms: int
    ) -> AcquireShardsResult:
        """Serialised with every other acquisition of a shard lease: while a live shard lease of another
        count exists nothing is granted; otherwise each shard is taken as `LeaseStore.acquire` takes a
        lease (free, expired or already ours; the token grows on a change of holder). Index ASC."""
        ...

    async def release_shards(self, replica_id: str, leases: list[Lease], leave: bool) -> int:
        """Expires each lease still held now; `leave` also deletes the member. Returns how many ended."""
        ...


class CoordinatorStore(Protocol):
    @property
    def backend(self) -> str: ...

    @property
    def supports_fencing(self) -> bool: ...

    @property
    def sessions(self) -> SessionStore: ...

    @property
    def challenges(self) -> ChallengeStore: ...

    @property
    def leases(self) -> LeaseStore: ...

    @property
    def custody(self) -> CustodyStore: ...

    @property
    def shards(self) -> ShardStore: ...

    @property
    def evm(self) -> EvmStore: ...

    @property
    def fleet(self) -> FleetStore: ...

    @property
    def proposals(self) -> ProposalStore: ...

    async def schema_revision(self) -> str: ...

    async def close(self) -> None: ...
