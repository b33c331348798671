"""The custody store in memory: the same contract as Postgres, fenced against the memory lease table.

Every method runs to completion without awaiting, so the event loop serialises them: each is as atomic
as one Postgres transaction under the account lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from guardian_common.shards import shard_of
from guardian_coordinator.domain.activity import Activity, ActivityQuery, empty_buckets, set_latencies
from guardian_coordinator.domain.canonicalization import outside_shard
from guardian_coordinator.domain.models import (
    CLIENT_ABANDONED,
    AbandonOutcome,
    AbandonResult,
    Account,
    AccountKey,
    AccountState,
    AdminAction,
    AuthStamp,
    AuthTimestampOutcome,
    ConfigureOutcome,
    ConfigureResult,
    DashboardInfo,
    Delta,
    DeltaKind,
    DiscardWrite,
    FeedKey,
    FencedWrite,
    Lease,
    NewAccount,
    NewCandidate,
    Page,
    PauseResult,
    PromoteWrite,
    Promotion,
    ShardWorkItem,
    SignedRead,
    StatusUpdate,
    StatusWrite,
    SubmitOutcome,
    SubmitResult,
    WorkMode,
    WorkQuery,
    WriteOutcome,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ABANDON_REQUESTED_AT = "abandon_requested_at"


def rfc3339(value: datetime) -> str:
    """The status JSON's timestamp format (the Postgres store writes the same with to_char)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def micros(value: datetime) -> int:
    return (value - EPOCH) // timedelta(microseconds=1)


class Clock(Protocol):
    def now(self) -> datetime: ...


class Fences(Protocol):
    def holds(self, lease: Lease) -> bool:
        """The lease is the current, unexpired holder's, with the same token."""
        ...


@dataclass
class _AccountRow:
    auth_json: str
    network_config_json: str
    created_at: datetime
    updated_at: datetime
    has_pending_candidate: bool = False
    paused_at: datetime | None = None
    paused_reason: str | None = None
    released_at: datetime | None = None


@dataclass
class _StateRow:
    state_json: str
    commitment: str
    created_at: datetime
    updated_at: datetime


@dataclass
class _DeltaRow:
    account_id: str
    nonce: int
    prev_commitment: str
    new_commitment: str | None
    payload_json: str
    ack_sig: str | None
    metadata_json: str | None
    status: dict[str, Any]
    kind: DeltaKind
    status_timestamp: datetime
    submitted_at: datetime | None = None  # the push; kept through every status change

    def set_status(self, kind: DeltaKind, at: datetime, **extra: Any) -> None:
        self.status = {"status": kind.value, "timestamp": rfc3339(at), **extra}
        self.kind, self.status_timestamp = kind, at

    @property
    def client_abandoned(self) -> bool:
        """A discard the client asked for (the only kind of discard that can come back)."""
        return self.kind is DeltaKind.DISCARDED and self.status.get("reason") == CLIENT_ABANDONED

    def recoverable(self, abandoned_since: datetime) -> bool:
        if self.kind is DeltaKind.RETAINED:
            return True
        return self.client_abandoned and self.status_timestamp >= abandoned_since

    def delta(self, *, full: bool) -> Delta:
        return Delta(
            account_id=self.account_id,
            nonce=self.nonce,
            prev_commitment=self.prev_commitment,
            new_commitment=self.new_commitment,
            status_json=json.dumps(self.status),
            status_kind=self.kind,
            status_timestamp=self.status_timestamp,
            metadata_json=self.metadata_json,
            delta_payload_json=self.payload_json if full else None,
            ack_sig=self.ack_sig if full else None,
        )


def _feed_key(row: _DeltaRow | FeedKey) -> tuple[int, str, int]:
    """(status_timestamp DESC, account_id ASC, nonce ASC) as an ascending tuple."""
    return (-micros(row.status_timestamp), row.account_id, row.nonce)


def _ascending_feed_key(row: _DeltaRow | FeedKey) -> tuple[int, str, int]:
    return (micros(row.status_timestamp), row.account_id, row.nonce)


def _account_key(account: Account | AccountKey) -> tuple[int, str]:
    """(updated_at DESC, account_id ASC) as an ascending tuple."""
    return (-micros(account.updated_at), account.account_id)


def _pick(rows: Iterable[_DeltaRow], key: Callable[[_DeltaRow], Any], after: Any, limit: int) -> list[Delta]:
    ordered = sorted(rows, key=key)
    return [row.delta(full=False) for row in ordered if after is None or key(row) > after][: limit + 1]


@dataclass
class MemoryCustodyStore:
    clock: Clock
    fences: Fences
    _accounts: dict[str, _AccountRow] = field(default_factory=dict)
    _states: dict[str, _StateRow] = field(default_factory=dict)
    _deltas: dict[str, dict[int, _DeltaRow]] = field(default_factory=dict)
    _auth_floors: dict[tuple[str, str], int] = field(default_factory=dict)
    _admin_actions: list[AdminAction] = field(default_factory=list)
    # Called in a submission's critical section once its candidate is inserted: the proposal store
    # finalizes the proposal that carries exactly this delta (store/memory_proposals.py).
    on_submitted: Callable[[NewCandidate], None] = lambda candidate: None

    # --- helpers ---
    def _account(self, account_id: str) -> Account | None:
        row = self._accounts.get(account_id)
        if row is None:
            return None
        state = self._states.get(account_id)
        return Account(
            account_id=account_id,
            auth_json=row.auth_json,
            network_config_json=row.network_config_json,
            created_at=row.created_at,
            updated_at=row.updated_at,
            has_pending_candidate=row.has_pending_candidate,
            paused_at=row.paused_at,
            paused_reason=row.paused_reason,
            released_at=row.released_at,
            state_commitment=state.commitment if state else None,
            state_created_at=state.created_at if state else None,
            state_updated_at=state.updated_at if state else None,
        )

    def _rows(self, account_id: str) -> dict[int, _DeltaRow]:
        return self._deltas.setdefault(account_id, {})

    def _all_rows(self) -> Iterable[_DeltaRow]:
        for rows in self._deltas.values():
            yield from rows.values()

    def _clear_pending_flag(self, account_id: str, now: datetime) -> None:
        row = self._accounts[account_id]
        if row.has_pending_candidate and not any(
            d.kind is DeltaKind.CANDIDATE for d in self._rows(account_id).values()
        ):
            row.has_pending_candidate, row.updated_at = False, now

    def _fenced(self, fence: Lease, account_id: str) -> WriteOutcome | None:
        """The refusal of a single fenced write, or None when it may go ahead."""
        if account_id not in self._accounts:
            return WriteOutcome.NOT_CANDIDATE
        if not self.fences.holds(fence):
            return WriteOutcome.STALE_LEASE
        return WriteOutcome.WRONG_SHARD if outside_shard(fence, account_id) else None

    # --- client writes ---
    async def configure(self, account: NewAccount, stamp: AuthStamp | None) -> ConfigureResult:
        existing = self._accounts.get(account.account_id)
        if existing is not None and account.create_only:
            return ConfigureResult(ConfigureOutcome.EXISTS)
        if stamp is not None and existing is not None and not self._stamp_accepted(account.account_id, stamp):
            return ConfigureResult(ConfigureOutcome.REPLAY)
        now = self.clock.now()
        if existing is None:
            self._accounts[account.account_id] = _AccountRow(
                account.auth_json, account.network_config_json or "{}", now, now
            )
            self._states[account.account_id] = _StateRow(account.state_json, account.commitment, now, now)
            outcome = ConfigureOutcome.CREATED
        else:
            existing.auth_json = account.auth_json
            existing.network_config_json = account.network_config_json or existing.network_config_json
            existing.released_at, existing.updated_at = None, now
            outcome = ConfigureOutcome.UPDATED
        if stamp is not None:
            self._auth_floors[(account.account_id, stamp.signer_commitment)] = stamp.timestamp_ms
        return ConfigureResult(outcome, self._account(account.account_id))

    def _stamp_accepted(self, account_id: str, stamp: AuthStamp) -> bool:
        floor = self._auth_floors.get((account_id, stamp.signer_commitment))
        return floor is None or stamp.timestamp_ms > floor

    async def submit_candidate(self, candidate: NewCandidate) -> SubmitResult:
        account = self._account(candidate.account_id)
        if account is None or account.state_commitment is None:
            return SubmitResult(SubmitOutcome.ACCOUNT_NOT_FOUND)
        stamp = candidate.stamp
        if stamp is not None:
            if not self._stamp_accepted(candidate.account_id, stamp):
                return SubmitResult(SubmitOutcome.REPLAY)
            self._auth_floors[(candidate.account_id, stamp.signer_commitment)] = stamp.timestamp_ms
        if account.released_at is not None:
            return SubmitResult(SubmitOutcome.RELEASED, account=account)
        if account.paused_at is not None:
            return SubmitResult(SubmitOutcome.PAUSED, account=account)
        rows = self._rows(candidate.account_id)
        if any(row.kind is DeltaKind.CANDIDATE for row in rows.values()):
            return SubmitResult(SubmitOutcome.CONFLICT)
        if account.state_commitment != candidate.prev_commitment:
            return SubmitResult(
                SubmitOutcome.COMMITMENT_MISMATCH, expected_commitment=account.state_commitment
            )
        occupant = rows.get(candidate.nonce)
        if occupant is not None and not occupant.recoverable(EPOCH):
            return SubmitResult(SubmitOutcome.CONFLICT)
        now = self.clock.now()
        row = _DeltaRow(
            account_id=candidate.account_id,
            nonce=candidate.nonce,
            prev_commitment=candidate.prev_commitment,
            new_commitment=candidate.new_commitment,
            payload_json=candidate.delta_payload_json,
            ack_sig=candidate.ack_sig,
            metadata_json=candidate.metadata_json,
            status={},
            kind=DeltaKind.CANDIDATE,
            status_timestamp=now,
            submitted_at=now,
        )
        row.set_status(DeltaKind.CANDIDATE, now, retry_count=0, divergence_count=0, abandon_confirm_count=0)
        rows[candidate.nonce] = row  # supersedes a retained or client-abandoned row at this nonce
        metadata = self._accounts[candidate.account_id]
        metadata.has_pending_candidate, metadata.updated_at = True, now
        self.on_submitted(candidate)
        return SubmitResult(SubmitOutcome.SUBMITTED, delta=row.delta(full=True))

    async def record_abandon(self, account_id: str, nonce: int) -> AbandonResult:
        account = self._account(account_id)
        if account is None:
            return AbandonResult(AbandonOutcome.ACCOUNT_NOT_FOUND)
        if account.released_at is not None:
            return AbandonResult(AbandonOutcome.RELEASED, account=account)
        if account.paused_at is not None:
            return AbandonResult(AbandonOutcome.PAUSED, account=account)
        row = self._rows(account_id).get(nonce)
        if row is None or row.kind is not DeltaKind.CANDIDATE:
            return AbandonResult(AbandonOutcome.NOT_CANDIDATE, delta=row.delta(full=True) if row else None)
        requested = row.status.get(ABANDON_REQUESTED_AT)
        outcome = AbandonOutcome.ALREADY_REQUESTED if requested else AbandonOutcome.RECORDED
        if not requested:
            requested = row.status[ABANDON_REQUESTED_AT] = rfc3339(self.clock.now())
        return AbandonResult(outcome, datetime.fromisoformat(requested), row.delta(full=True))

    async def advance_auth_timestamp(
        self, account_id: str, signer_commitment: str, timestamp_ms: int
    ) -> AuthTimestampOutcome:
        if account_id not in self._accounts:
            return AuthTimestampOutcome.ACCOUNT_NOT_FOUND
        stamp = AuthStamp(signer_commitment, timestamp_ms)
        if not self._stamp_accepted(account_id, stamp):
            return AuthTimestampOutcome.REPLAY
        self._auth_floors[(account_id, signer_commitment)] = timestamp_ms
        return AuthTimestampOutcome.ACCEPTED

    async def read_as_signer(
        self,
        account_id: str,
        include_state: bool,
        auth_method: str,
        candidates: tuple[str, ...],
        timestamp_ms: int,
    ) -> SignedRead | None:
        account = self._account(account_id)
        if account is None:
            return None
        cosigners = _cosigners(account.auth_json, auth_method) or []
        signer = next((candidate for candidate in candidates if candidate in cosigners), None)
        floor = None
        if signer is not None:
            floor = await self.advance_auth_timestamp(account_id, signer, timestamp_ms)
        return SignedRead(account, self._state(account_id) if include_state else None, signer, floor)

    async def set_paused(
        self, account_id: str, paused: bool, operator_commitment: str, reason: str | None
    ) -> PauseResult:
        row = self._accounts.get(account_id)
        if row is None:
            return PauseResult(None)
        now = self.clock.now()
        before = "paused" if row.paused_at else "active"
        after = "paused" if paused else "active"
        if before != after:
            row.paused_at, row.paused_reason = (now, reason) if paused else (None, None)
            row.updated_at = now
        self._admin_actions.append(
            AdminAction(
                id=len(self._admin_actions) + 1,
                account_id=account_id,
                action="accounts.pause" if paused else "accounts.unpause",
                operator_commitment=operator_commitment,
                reason=reason,
                created_at=now,
                before_state=before,
                after_state=after,
            )
        )
        return PauseResult(self._account(account_id), before, after)

    # --- fenced worker writes ---
    async def promote(self, fence: Lease, source_kind: DeltaKind, promotion: Promotion) -> WriteOutcome:
        return self._fenced(fence, promotion.account_id) or self._promote(
            PromoteWrite(source_kind, promotion)
        )

    async def discard(self, fence: Lease, account_id: str, nonce: int, kind: DeltaKind) -> WriteOutcome:
        return self._fenced(fence, account_id) or self._discard(DiscardWrite(account_id, nonce, kind))

    async def update_candidate_status(
        self, fence: Lease, new_kind: DeltaKind, update: StatusUpdate
    ) -> WriteOutcome:
        return self._fenced(fence, update.account_id) or self._update_status(StatusWrite(new_kind, update))

    async def apply_writes(self, fence: Lease, writes: list[FencedWrite]) -> list[WriteOutcome]:
        if not self.fences.holds(fence):
            return [WriteOutcome.STALE_LEASE] * len(writes)
        return [self._apply(fence, write) for write in writes]

    def _apply(self, fence: Lease, write: FencedWrite) -> WriteOutcome:
        if outside_shard(fence, write.account_id):
            return WriteOutcome.WRONG_SHARD
        if write.account_id not in self._accounts:
            return WriteOutcome.NOT_CANDIDATE
        if isinstance(write, PromoteWrite):
            return self._promote(write)
        if isinstance(write, DiscardWrite):
            return self._discard(write)
        return self._update_status(write)

    # Each runs after the account and fence checks.
    def _promote(self, write: PromoteWrite) -> WriteOutcome:
        promotion = write.promotion
        row = self._rows(promotion.account_id).get(promotion.nonce)
        if row is None or not _is_source(row, write.source_kind):
            return WriteOutcome.NOT_CANDIDATE
        state = self._states[promotion.account_id]
        if state.commitment != row.prev_commitment:
            return WriteOutcome.STALE_BASE
        now = self.clock.now()
        row.set_status(DeltaKind.CANONICAL, now)
        row.new_commitment = promotion.new_commitment
        state.state_json, state.commitment, state.updated_at = (
            promotion.new_state_json,
            promotion.new_commitment,
            now,
        )
        metadata = self._accounts[promotion.account_id]
        if promotion.auth_json is not None:
            metadata.auth_json, metadata.updated_at = promotion.auth_json, now
        if promotion.release:
            metadata.released_at, metadata.updated_at = now, now
        self._clear_pending_flag(promotion.account_id, now)
        return WriteOutcome.APPLIED

    def _discard(self, write: DiscardWrite) -> WriteOutcome:
        rows = self._rows(write.account_id)
        row = rows.get(write.nonce)
        if row is None or row.kind is not write.kind:
            return WriteOutcome.NOT_CANDIDATE
        del rows[write.nonce]
        self._clear_pending_flag(write.account_id, self.clock.now())
        return WriteOutcome.APPLIED

    def _update_status(self, write: StatusWrite) -> WriteOutcome:
        update, new_kind = write.update, write.new_kind
        row = self._rows(update.account_id).get(update.nonce)
        if row is None or row.kind is not DeltaKind.CANDIDATE:
            return WriteOutcome.NOT_CANDIDATE
        intent = row.status.get(ABANDON_REQUESTED_AT)
        if new_kind is DeltaKind.RETAINED and intent:
            return WriteOutcome.NOT_CANDIDATE
        if new_kind is DeltaKind.CANDIDATE:
            row.status.update(
                retry_count=update.retry_count,
                divergence_count=update.divergence_count,
                abandon_confirm_count=update.abandon_confirm_count,
            )
            return WriteOutcome.APPLIED
        now = self.clock.now()
        row.set_status(new_kind, now, reason=update.reason)
        self._clear_pending_flag(update.account_id, now)
        return WriteOutcome.APPLIED

    # --- reads ---
    async def get_account(self, account_id: str) -> Account | None:
        return self._account(account_id)

    async def get_state(self, account_id: str) -> AccountState | None:
        return self._state(account_id)

    async def get_account_with_state(self, account_id: str) -> tuple[Account, AccountState | None] | None:
        account = self._account(account_id)
        return None if account is None else (account, self._state(account_id))

    def _state(self, account_id: str) -> AccountState | None:
        state = self._states.get(account_id)
        if state is None:
            return None
        return AccountState(
            account_id, state.state_json, state.commitment, state.created_at, state.updated_at
        )

    async def get_delta(self, account_id: str, nonce: int) -> Delta | None:
        row = self._rows(account_id).get(nonce)
        return row.delta(full=True) if row else None

    async def list_deltas_since(
        self, account_id: str, from_nonce: int, kinds: frozenset[DeltaKind], limit: int, payload_budget: int
    ) -> Page[Delta]:
        rows = sorted(
            (r for r in self._rows(account_id).values() if r.nonce >= from_nonce and r.kind in kinds),
            key=lambda r: r.nonce,
        )[: limit + 1]
        sizes = [len(r.payload_json.encode()) for r in rows]
        return Page.within_budget([r.delta(full=True) for r in rows], sizes, limit, payload_budget)

    async def list_account_deltas(
        self, account_id: str, kinds: frozenset[DeltaKind], before_nonce: int | None, limit: int
    ) -> Page[Delta]:
        rows = (r for r in self._rows(account_id).values() if r.kind in kinds)
        after = None if before_nonce is None else -before_nonce
        return Page.of(_pick(rows, lambda r: -r.nonce, after, limit), limit)

    async def list_deltas(
        self, kinds: frozenset[DeltaKind], after: FeedKey | None, limit: int
    ) -> Page[Delta]:
        rows = (r for r in self._all_rows() if r.kind in kinds)
        start = None if after is None else _feed_key(after)
        return Page.of(_pick(rows, _feed_key, start, limit), limit)

    async def list_accounts(
        self, paused: bool | None, after: AccountKey | None, limit: int, id_prefix: str = ""
    ) -> Page[Account]:
        accounts = sorted((a for a in map(self._account, self._accounts) if a is not None), key=_account_key)
        start = None if after is None else _account_key(after)
        fetched = [
            a
            for a in accounts
            if (paused is None or (a.paused_at is not None) == paused)
            and a.account_id.startswith(id_prefix)
            and (start is None or _account_key(a) > start)
        ]
        return Page.of(fetched[: limit + 1], limit)

    async def list_pending_accounts(self, after_account_id: str | None, limit: int) -> Page[str]:
        ids = sorted(
            account_id
            for account_id, row in self._accounts.items()
            if row.has_pending_candidate and (after_account_id is None or account_id > after_account_id)
        )
        return Page.of(ids[: limit + 1], limit)

    async def list_accounts_by_cosigner(
        self, cosigner_commitment: str, after_account_id: str | None, limit: int
    ) -> Page[str]:
        ids = sorted(
            account_id
            for account_id, row in self._accounts.items()
            if cosigner_commitment in _miden_cosigners(row.auth_json)
            and (after_account_id is None or account_id > after_account_id)
        )
        return Page.of(ids[: limit + 1], limit)

    async def list_candidates(self, account_id: str) -> list[Delta]:
        rows = (r for r in self._rows(account_id).values() if r.kind is DeltaKind.CANDIDATE)
        return [r.delta(full=False) for r in sorted(rows, key=lambda r: r.nonce)]

    async def list_recent_candidates(self, window_ms: int, after: FeedKey | None, limit: int) -> Page[Delta]:
        since = self.clock.now() - timedelta(milliseconds=window_ms)
        rows = (r for r in self._all_rows() if r.kind is DeltaKind.CANDIDATE and r.status_timestamp > since)
        start = None if after is None else _ascending_feed_key(after)
        return Page.of(_pick(rows, _ascending_feed_key, start, limit), limit)

    async def list_recoverable_accounts(
        self, retained_ttl_seconds: int, after_account_id: str | None, limit: int
    ) -> Page[str]:
        since = self.clock.now() - timedelta(seconds=retained_ttl_seconds)
        ids = sorted(
            account_id
            for account_id, rows in self._deltas.items()
            if (after_account_id is None or account_id > after_account_id)
            and any(r.recoverable(since) for r in rows.values())
        )
        return Page.of(ids[: limit + 1], limit)

    async def list_recoverable_deltas(self, account_id: str, retained_ttl_seconds: int) -> list[Delta]:
        since = self.clock.now() - timedelta(seconds=retained_ttl_seconds)
        rows = sorted(
            (r for r in self._rows(account_id).values() if r.recoverable(since)), key=lambda r: r.nonce
        )
        return [r.delta(full=False) for r in rows]

    async def list_admin_actions(
        self, account_id: str, before_id: int | None, limit: int
    ) -> Page[AdminAction]:
        actions = [
            a
            for a in reversed(self._admin_actions)
            if a.account_id == account_id and (before_id is None or a.id < before_id)
        ]
        return Page.of(actions[: limit + 1], limit)

    async def list_shard_work(self, query: WorkQuery, json_budget: int) -> Page[ShardWorkItem]:
        now = self.clock.now()
        since = now - timedelta(milliseconds=query.recent_window_ms)
        abandoned_since = now - timedelta(seconds=query.retained_ttl_seconds)
        work: dict[WorkMode, Callable[[_AccountRow, list[_DeltaRow]], bool]] = {
            WorkMode.PENDING: lambda account, rows: account.has_pending_candidate,
            WorkMode.RECENT: lambda account, rows: any(
                r.kind is DeltaKind.CANDIDATE and r.status_timestamp > since for r in rows
            ),
            WorkMode.RECOVERABLE: lambda account, rows: any(r.recoverable(abandoned_since) for r in rows),
        }
        wanted = work[query.mode]
        items: list[ShardWorkItem] = []
        for account_id in sorted(self._accounts):
            if len(items) > query.limit:
                break
            if query.after_account_id is not None and account_id <= query.after_account_id:
                continue
            if shard_of(account_id, query.shard.count) != query.shard.index:
                continue
            rows = sorted(self._rows(account_id).values(), key=lambda r: r.nonce)
            account = self._accounts[account_id]
            if not wanted(account, rows):
                continue
            if query.mode is WorkMode.RECOVERABLE:
                chosen = [r for r in rows if r.recoverable(abandoned_since)]
            else:
                chosen = [r for r in rows if r.kind is DeltaKind.CANDIDATE]
            items.append(
                ShardWorkItem(
                    account_id=account_id,
                    state=self._state(account_id),
                    rows=[r.delta(full=True) for r in chosen],
                    has_candidate=any(r.kind is DeltaKind.CANDIDATE for r in rows),
                    paused=account.paused_at is not None,
                )
            )
        return Page.fitting(items, [item.json_bytes() for item in items], query.limit, json_budget)

    async def activity(self, query: ActivityQuery) -> Activity:
        now = self.clock.now()
        start = query.start(now)
        buckets = empty_buckets(query, start)
        latencies: list[list[float]] = [[] for _ in buckets]
        for row in self._all_rows():
            if row.submitted_at is None:
                continue
            if (index := query.bucket_of(row.submitted_at, start)) is not None:
                buckets[index].submitted[row.kind] += 1
            if row.kind is DeltaKind.CANDIDATE:
                continue
            index = query.bucket_of(row.status_timestamp, start) if row.kind is DeltaKind.CANONICAL else None
            if index is not None:
                latencies[index].append((row.status_timestamp - row.submitted_at) / timedelta(milliseconds=1))
        for bucket, values in zip(buckets, latencies, strict=True):
            set_latencies(bucket, values)
        return Activity(now, start, query.bucket_ms, buckets)

    async def dashboard_info(self) -> DashboardInfo:
        methods: dict[str, int] = {}
        for row in self._accounts.values():
            label = next(iter(json.loads(row.auth_json)))
            methods[label] = methods.get(label, 0) + 1
        counts = dict.fromkeys((kind.value for kind in DeltaKind), 0)
        for delta in self._all_rows():
            counts[delta.kind.value] += 1
        instants = [row.updated_at for row in self._accounts.values()]
        instants += [delta.status_timestamp for delta in self._all_rows()]
        return DashboardInfo(len(self._accounts), methods, counts, max(instants, default=None))


def _is_source(row: _DeltaRow, kind: DeltaKind) -> bool:
    """The promotion gate: exactly the kind the worker read (a discard only if client-abandoned)."""
    return row.client_abandoned if kind is DeltaKind.DISCARDED else row.kind is kind


def _miden_cosigners(auth_json: str) -> list[str]:
    """The cosigner commitments of a Miden auth (`{"MidenFalconRpo"|"MidenEcdsa": {"cosigner_commitments"}}`);
    none for any other auth (EVM accounts never match a lookup)."""
    for method in ("MidenFalconRpo", "MidenEcdsa"):
        listed = _cosigners(auth_json, method)
        if listed is not None:
            return listed
    return []


def _cosigners(auth_json: str, method: str) -> list[str] | None:
    """The cosigner commitments a stored auth object lists under `method`; None when it has no such list."""
    auth = json.loads(auth_json)
    body = auth.get(method) if isinstance(auth, dict) else None
    listed = body.get("cosigner_commitments") if isinstance(body, dict) else None
    return [c for c in listed if isinstance(c, str)] if isinstance(listed, list) else None
