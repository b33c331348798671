"""Custody use cases: validate the input (InvalidArgument names the field), then one store decision."""

from __future__ import annotations

from guardian_common.account_auth import SCHEMES
from guardian_coordinator.domain import validation as v
from guardian_coordinator.domain.errors import InvalidArgument
from guardian_coordinator.domain.models import (
    DISCARD_REASONS,
    RETAIN_REASONS,
    AbandonResult,
    Account,
    AccountKey,
    AccountState,
    AdminAction,
    AuthStamp,
    AuthTimestampOutcome,
    ConfigureResult,
    DashboardInfo,
    Delta,
    DeltaKind,
    DiscardWrite,
    FeedKey,
    Lease,
    NewAccount,
    NewCandidate,
    Page,
    PauseResult,
    PromoteWrite,
    Promotion,
    SignedRead,
    StatusUpdate,
    StatusWrite,
    SubmitResult,
    WriteOutcome,
)
from guardian_coordinator.domain.stores import CustodyStore

# A ListDeltasSince page stops once its payloads reach this many bytes, so that a response stays far
# below gRPC's 4 MiB message limit (one row is at most ~1.5 MiB as jsonb text).
PAYLOAD_PAGE_BUDGET = 2 * 1024 * 1024
PROMOTE_SOURCES = frozenset({DeltaKind.CANDIDATE, DeltaKind.RETAINED, DeltaKind.DISCARDED})
DISCARDABLE = frozenset({DeltaKind.CANDIDATE, DeltaKind.RETAINED})
STATUS_UPDATES = frozenset({DeltaKind.CANDIDATE, DeltaKind.RETAINED, DeltaKind.DISCARDED})
REASONS = {DeltaKind.RETAINED: RETAIN_REASONS, DeltaKind.DISCARDED: DISCARD_REASONS}
# A signed read names the auth method its signature was checked in and the keys that signature proves: an ECDSA
# signature proves its recovered key and, when that differs, the x-pubkey key it also verifies under.
SIGNER_METHODS = frozenset(SCHEMES)
MAX_CANDIDATE_SIGNERS = 2


class Custody:
    def __init__(self, store: CustodyStore) -> None:
        self.store = store

    # Client writes
    async def configure(
        self,
        account_id: str,
        auth_json: str,
        network_config_json: str,
        state_json: str,
        commitment: str,
        stamp: AuthStamp | None,
        create_only: bool = False,
    ) -> ConfigureResult:
        account = NewAccount(
            account_id=v.require_account_id("account_id", account_id),
            auth_json=v.require_auth_json("auth_json", auth_json),
            network_config_json=v.optional_json_object("network_config_json", network_config_json),
            state_json=v.require_json_object("initial_state_json", state_json, v.MAX_STATE_BYTES),
            commitment=v.require_commitment("initial_commitment", commitment),
            create_only=create_only,
        )
        if stamp is not None:
            _require_stamp("auth_stamp", stamp)
        return await self.store.configure(account, stamp)

    async def submit_candidate(self, candidate: NewCandidate) -> SubmitResult:
        v.require_account_id("account_id", candidate.account_id)
        v.require_nonce("nonce", candidate.nonce)
        v.require_commitment("prev_commitment", candidate.prev_commitment)
        v.require_commitment("new_commitment", candidate.new_commitment)
        v.require_json_object("delta_payload_json", candidate.delta_payload_json, v.MAX_STATE_BYTES)
        if candidate.ack_sig is not None:
            v.require_text("ack_sig", candidate.ack_sig, v.MAX_ACK_SIG_CHARS)
        if candidate.metadata_json is not None:
            v.require_json_object("metadata_json", candidate.metadata_json, v.MAX_METADATA_BYTES)
        if candidate.stamp is not None:
            _require_stamp("auth_stamp", candidate.stamp)
        return await self.store.submit_candidate(candidate)

    async def record_abandon(self, account_id: str, nonce: int) -> AbandonResult:
        v.require_account_id("account_id", account_id)
        v.require_nonce("nonce", nonce)
        return await self.store.record_abandon(account_id, nonce)

    async def advance_auth_timestamp(
        self, account_id: str, signer_commitment: str, timestamp_ms: int
    ) -> AuthTimestampOutcome:
        v.require_account_id("account_id", account_id)
        _require_stamp("", AuthStamp(signer_commitment, timestamp_ms))
        return await self.store.advance_auth_timestamp(account_id, signer_commitment, timestamp_ms)

    async def read_as_signer(
        self,
        account_id: str,
        include_state: bool,
        auth_method: str,
        candidates: list[str],
        timestamp_ms: int,
    ) -> SignedRead | None:
        """A signed read in one statement (docs/coordinator.md "Signed reads"): auth checked the signature and
        names the keys it proves; the store decides which is a cosigner and moves that signer's floor."""
        v.require_account_id("account_id", account_id)
        if auth_method not in SIGNER_METHODS:
            raise InvalidArgument("auth_method", f"must be one of {', '.join(sorted(SIGNER_METHODS))}")
        if len(candidates) > MAX_CANDIDATE_SIGNERS:
            raise InvalidArgument(
                "candidate_signers", f"must hold at most {MAX_CANDIDATE_SIGNERS} commitments"
            )
        for candidate in candidates:
            v.require_commitment("candidate_signers", candidate)
        v.require_not_negative("timestamp_ms", timestamp_ms)
        return await self.store.read_as_signer(
            account_id, include_state, auth_method, tuple(candidates), timestamp_ms
        )

    async def set_paused(
        self, account_id: str, paused: bool, operator_commitment: str, reason: str
    ) -> PauseResult:
        v.require_account_id("account_id", account_id)
        v.require_commitment("operator_commitment", operator_commitment)
        return await self.store.set_paused(
            account_id, paused, operator_commitment, v.optional_text("reason", reason, v.MAX_REASON_CHARS)
        )

    # Fenced worker writes
    async def promote(
        self, fence: Lease | None, source_kind: DeltaKind | None, promotion: Promotion
    ) -> WriteOutcome:
        lease = v.require_fence("lease", fence)
        write = promote_write("", "", source_kind, promotion)
        return await self.store.promote(lease, write.source_kind, write.promotion)

    async def discard(
        self, fence: Lease | None, account_id: str, nonce: int, kind: DeltaKind | None
    ) -> WriteOutcome:
        lease = v.require_fence("lease", fence)
        write = discard_write("", "", account_id, nonce, kind)
        return await self.store.discard(lease, write.account_id, write.nonce, write.kind)

    async def update_candidate_status(
        self, fence: Lease | None, new_kind: DeltaKind | None, update: StatusUpdate
    ) -> WriteOutcome:
        lease = v.require_fence("lease", fence)
        write = status_write("", "", new_kind, update)
        return await self.store.update_candidate_status(lease, write.new_kind, write.update)

    # Reads
    async def get_account(self, account_id: str) -> Account | None:
        return await self.store.get_account(v.require_account_id("account_id", account_id))

    async def get_state(self, account_id: str) -> AccountState | None:
        return await self.store.get_state(v.require_account_id("account_id", account_id))

    async def get_account_with_state(self, account_id: str) -> tuple[Account, AccountState | None] | None:
        return await self.store.get_account_with_state(v.require_account_id("account_id", account_id))

    async def get_delta(self, account_id: str, nonce: int) -> Delta | None:
        v.require_account_id("account_id", account_id)
        return await self.store.get_delta(account_id, v.require_nonce("nonce", nonce))

    async def list_deltas_since(
        self, account_id: str, from_nonce: int, kinds: list[DeltaKind | None], limit: int
    ) -> Page[Delta]:
        v.require_account_id("account_id", account_id)
        v.require_nonce("from_nonce", from_nonce)
        statuses = v.require_kinds("statuses", kinds)
        v.require_limit("limit", limit)
        return await self.store.list_deltas_since(
            account_id, from_nonce, statuses, limit, PAYLOAD_PAGE_BUDGET
        )

    async def list_account_deltas(
        self, account_id: str, kinds: list[DeltaKind | None], before_nonce: int | None, limit: int
    ) -> Page[Delta]:
        v.require_account_id("account_id", account_id)
        statuses = v.require_kinds("statuses", kinds)
        if before_nonce is not None:
            v.require_nonce("before_nonce", before_nonce)
        v.require_limit("limit", limit)
        return await self.store.list_account_deltas(account_id, statuses, before_nonce, limit)

    async def list_deltas(
        self, kinds: list[DeltaKind | None], after: FeedKey | None, limit: int
    ) -> Page[Delta]:
        statuses = v.require_kinds("statuses", kinds)
        _require_feed_key("after", after)
        v.require_limit("limit", limit)
        return await self.store.list_deltas(statuses, after, limit)

    async def list_accounts(
        self, paused: bool | None, after: AccountKey | None, limit: int, id_prefix: str = ""
    ) -> Page[Account]:
        if after is not None:
            v.require_account_id("after.account_id", after.account_id)
        v.require_limit("limit", limit)
        v.require_account_id_prefix("account_id_prefix", id_prefix)
        return await self.store.list_accounts(paused, after, limit, id_prefix)

    async def list_pending_accounts(self, after_account_id: str, limit: int) -> Page[str]:
        after = _optional_account_id("after_account_id", after_account_id)
        return await self.store.list_pending_accounts(after, v.require_limit("limit", limit))

    async def list_accounts_by_cosigner(
        self, cosigner_commitment: str, after_account_id: str, limit: int
    ) -> Page[str]:
        commitment = v.require_commitment("cosigner_commitment", cosigner_commitment)
        after = _optional_account_id("after_account_id", after_account_id)
        return await self.store.list_accounts_by_cosigner(commitment, after, v.require_limit("limit", limit))

    async def list_candidates(self, account_id: str) -> list[Delta]:
        return await self.store.list_candidates(v.require_account_id("account_id", account_id))

    async def list_recent_candidates(self, window_ms: int, after: FeedKey | None, limit: int) -> Page[Delta]:
        v.require_ttl_ms("window_ms", window_ms)
        _require_feed_key("after", after)
        v.require_limit("limit", limit)
        return await self.store.list_recent_candidates(window_ms, after, limit)

    async def list_recoverable_accounts(
        self, retained_ttl_seconds: int, after_account_id: str, limit: int
    ) -> Page[str]:
        v.require_ttl_seconds("retained_ttl_seconds", retained_ttl_seconds)
        after = _optional_account_id("after_account_id", after_account_id)
        v.require_limit("limit", limit)
        return await self.store.list_recoverable_accounts(retained_ttl_seconds, after, limit)

    async def list_recoverable_deltas(self, account_id: str, retained_ttl_seconds: int) -> list[Delta]:
        v.require_account_id("account_id", account_id)
        v.require_ttl_seconds("retained_ttl_seconds", retained_ttl_seconds)
        return await self.store.list_recoverable_deltas(account_id, retained_ttl_seconds)

    async def list_admin_actions(
        self, account_id: str, before_id: int | None, limit: int
    ) -> Page[AdminAction]:
        v.require_account_id("account_id", account_id)
        if before_id is not None:
            v.require_positive("before_id", before_id)
        return await self.store.list_admin_actions(account_id, before_id, v.require_limit("limit", limit))

    async def dashboard_info(self) -> DashboardInfo:
        return await self.store.dashboard_info()


def _require_row(prefix: str, account_id: str, nonce: int) -> None:
    v.require_account_id(f"{prefix}account_id", account_id)
    v.require_nonce(f"{prefix}nonce", nonce)


# The checks of each fenced write, shared by the single-write RPCs (no prefixes) and the batches of
# Canonicalization.ApplyWrites (`row` = "writes[3].", `op` = "writes[3].promote."): field names in errors
# follow the request's shape.
def promote_write(row: str, op: str, source_kind: DeltaKind | None, promotion: Promotion) -> PromoteWrite:
    _require_row(row, promotion.account_id, promotion.nonce)
    source = v.require_kind(f"{op}source_kind", source_kind, PROMOTE_SOURCES)
    v.require_commitment(f"{op}new_commitment", promotion.new_commitment)
    v.require_json_object(f"{op}new_state_json", promotion.new_state_json, v.MAX_STATE_BYTES)
    if promotion.auth_json is not None:
        v.require_auth_json(f"{op}auth_json", promotion.auth_json)
    return PromoteWrite(source, promotion)


def discard_write(row: str, op: str, account_id: str, nonce: int, kind: DeltaKind | None) -> DiscardWrite:
    _require_row(row, account_id, nonce)
    return DiscardWrite(account_id, nonce, v.require_kind(f"{op}kind", kind, DISCARDABLE))


def status_write(row: str, op: str, new_kind: DeltaKind | None, update: StatusUpdate) -> StatusWrite:
    _require_row(row, update.account_id, update.nonce)
    kind = v.require_kind(f"{op}new_kind", new_kind, STATUS_UPDATES)
    allowed = REASONS.get(kind)
    if allowed is None and update.reason:
        raise InvalidArgument(f"{op}reason", "must be empty for a candidate update")
    if allowed is not None and update.reason not in allowed:
        raise InvalidArgument(f"{op}reason", f"must be {' or '.join(sorted(allowed))} for {kind.value}")
    return StatusWrite(kind, update)


def _require_stamp(field: str, stamp: AuthStamp) -> None:
    prefix = f"{field}." if field else ""
    v.require_commitment(f"{prefix}signer_commitment", stamp.signer_commitment)
    v.require_not_negative(f"{prefix}timestamp_ms", stamp.timestamp_ms)


def _require_feed_key(field: str, key: FeedKey | None) -> None:
    if key is not None:
        v.require_account_id(f"{field}.account_id", key.account_id)
        v.require_nonce(f"{field}.nonce", key.nonce)


def _optional_account_id(field: str, value: str) -> str | None:
    return v.require_account_id(field, value) if value else None
