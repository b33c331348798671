"""Custody writes (docs/contracts/canonicalization.md §5.3): one transaction each, the account row locked first.

Fenced writes then check the lease with a plain SELECT on `worker_leases` (clock_timestamp(), no lock on
the lease row, so a lease transfer never waits for them), and every mutation is a compare-and-set on the
delta's lifecycle kind (and, for promotion, on the state's commitment). Timestamps are the database's.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, ParamSpec, TypeVar, cast

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from guardian_coordinator.domain.canonicalization import outside_shard
from guardian_coordinator.domain.models import (
    AbandonOutcome,
    AbandonResult,
    Account,
    AuthStamp,
    AuthTimestampOutcome,
    ConfigureOutcome,
    ConfigureResult,
    DeltaKind,
    DiscardWrite,
    FencedWrite,
    Lease,
    NewAccount,
    NewCandidate,
    PauseResult,
    PromoteWrite,
    Promotion,
    SignedRead,
    StatusUpdate,
    StatusWrite,
    SubmitOutcome,
    SubmitResult,
    WriteOutcome,
)
from guardian_coordinator.store.postgres.custody_reads import (
    ACCOUNT_COLUMNS,
    FULL_DELTA_COLUMNS,
    GET_ACCOUNT,
    NOW,
    RFC3339,
    WITH_STATE,
    WITH_STATE_JSON,
    PostgresCustodyReads,
    account_and_state,
    to_delta,
)
from guardian_coordinator.store.postgres.direct_connections import DirectConnections, direct_sql, named_rows
from guardian_coordinator.store.postgres.engine import store_errors
from guardian_coordinator.store.postgres.leases import VERIFY as FENCE_CHECK
from guardian_coordinator.store.postgres.leases import fence_params
from guardian_coordinator.store.postgres.proposals import FINALIZE as FINALIZE_PROPOSAL

P = ParamSpec("P")
R = TypeVar("R")

LOCK_ACCOUNT = text(
    "SELECT paused_at, released_at FROM account_metadata WHERE account_id = :account_id FOR UPDATE"
)
CLEAR_PENDING_FLAG = text(
    """
    UPDATE account_metadata SET has_pending_candidate = false, updated_at = clock_timestamp()
     WHERE account_id = :account_id AND has_pending_candidate
       AND NOT EXISTS (SELECT 1 FROM deltas WHERE account_id = :account_id AND status_kind = 'candidate')
    """
)


def advance_floor(rows: str) -> str:
    """The per-signer replay floor raised to each (account_id, signer, timestamp_ms) of `rows` only when strictly
    greater; one row returned for each floor that moved. The one statement behind every replay check."""
    return f"""
        INSERT INTO account_auth_state AS held (account_id, signer_commitment, last_auth_timestamp)
        {rows}
        ON CONFLICT (account_id, signer_commitment) DO UPDATE
           SET last_auth_timestamp = EXCLUDED.last_auth_timestamp
         WHERE held.last_auth_timestamp < EXCLUDED.last_auth_timestamp
        RETURNING 1"""


ADVANCE_AUTH_TIMESTAMP = text(
    f"""
    WITH account AS (SELECT account_id FROM account_metadata WHERE account_id = :account_id),
    advanced AS ({advance_floor("SELECT account_id, :signer, :timestamp_ms FROM account")})
    SELECT EXISTS (SELECT 1 FROM account), EXISTS (SELECT 1 FROM advanced)
    """
)


def signed_read(include_state: bool) -> str:
    """ReadAsSigner in one statement, so one snapshot: the first candidate listed among the account's cosigners of
    the method (`?` on the stored jsonb list), that signer's floor advanced only when strictly greater, and the
    account (with its state) as it was read."""
    state_json, state = ("s.state_json", WITH_STATE_JSON) if include_state else ("NULL::text", WITH_STATE)
    return direct_sql(
        text(
            f"""
        WITH signer AS (
            SELECT c.commitment
              FROM account_metadata a,
                   unnest(CAST(:candidates AS text[])) WITH ORDINALITY AS c(commitment, position)
             WHERE a.account_id = :account_id
               AND (a.auth -> CAST(:method AS text) -> 'cosigner_commitments') ? c.commitment
             ORDER BY c.position
             LIMIT 1),
        advanced AS ({advance_floor("SELECT :account_id, commitment, :timestamp_ms FROM signer")})
        SELECT {ACCOUNT_COLUMNS}, {state_json} AS state_json, (SELECT commitment FROM signer) AS signer,
               EXISTS (SELECT 1 FROM advanced) AS advanced
          FROM account_metadata m {state}
         WHERE m.account_id = :account_id
        """
        )
    )


# Run on the direct connections (psycopg placeholders).
SIGNED_READ = {include: signed_read(include) for include in (False, True)}

# ConfigureAccount
CREATE_ACCOUNT = text(
    f"""
    {NOW}
    INSERT INTO account_metadata (account_id, auth, network_config, created_at, updated_at)
    SELECT :account_id, CAST(:auth AS jsonb), COALESCE(CAST(:network_config AS jsonb), '{{}}'), t.ts, t.ts
      FROM t
    ON CONFLICT (account_id) DO NOTHING
    RETURNING account_id
    """
)
CREATE_STATE = text(
    f"""
    {NOW}
    INSERT INTO states (account_id, state_json, commitment, created_at, updated_at)
    SELECT :account_id, CAST(:state AS jsonb), :commitment, t.ts, t.ts FROM t
    """
)
UPDATE_AUTH = text(
    """
    UPDATE account_metadata
       SET auth = CAST(:auth AS jsonb),
           network_config = COALESCE(CAST(:network_config AS jsonb), network_config),
           released_at = NULL, updated_at = clock_timestamp()
     WHERE account_id = :account_id
    """
)

# SubmitCandidate (§5.3d)
# SubmitCandidate's reads after the account lock, in a statement that starts after the lock was granted (so it
# sees every candidate committed before), together with the stamp's replay check when the push carries one:
# the stored commitment, whether a candidate is pending, whether the floor moved. The caller rolls back what
# its outcome must not keep.
# From the account row, so that no floor row is written for an account that does not exist (the checks are sent
# before the lock's answer is read).
_STAMP = (
    "SELECT account_id, CAST(:signer AS text), CAST(:timestamp_ms AS bigint) FROM account_metadata "
    "WHERE account_id = :account_id AND CAST(:signer AS text) IS NOT NULL"
)
SUBMIT_CHECKS = text(
    f"""
    WITH advanced AS ({advance_floor(_STAMP)})
    SELECT (SELECT commitment FROM states WHERE account_id = :account_id),
           EXISTS (SELECT 1 FROM deltas WHERE account_id = :account_id AND status_kind = 'candidate'),
           EXISTS (SELECT 1 FROM advanced)
    """
)
SUPERSEDE = text(
    """
    DELETE FROM deltas
     WHERE account_id = :account_id AND nonce = :nonce
       AND (status_kind = 'retained'
            OR (status_kind = 'discarded' AND status->>'reason' = 'client_abandoned'))
    """
)
# The candidate row, and only when it went in: the account's pending flag and the delta proposal that carries
# exactly this delta finalized (docs/proposals.md). Tables apart, so the three clauses cannot meet; no row
# back means canonical history holds the nonce.
INSERT_CANDIDATE = text(
    f"""
    {NOW}, p AS (SELECT CAST(:payload AS jsonb) AS payload),
    inserted AS (
        INSERT INTO deltas (account_id, nonce, prev_commitment, new_commitment, delta_payload, payload_bytes,
                            ack_sig, status, status_kind, status_timestamp, metadata, submitted_at)
        SELECT :account_id, :nonce, :prev_commitment, :new_commitment, p.payload, octet_length(p.payload::text),
               :ack_sig,
               jsonb_build_object('status', 'candidate', 'timestamp', {RFC3339}, 'retry_count', 0,
                                  'divergence_count', 0, 'abandon_confirm_count', 0),
               'candidate', t.ts, CAST(:metadata AS jsonb), t.ts
          FROM t, p
        ON CONFLICT (account_id, nonce) DO NOTHING
        RETURNING {FULL_DELTA_COLUMNS}),
    pending AS (
        UPDATE account_metadata SET has_pending_candidate = true, updated_at = clock_timestamp()
         WHERE account_id = :account_id AND EXISTS (SELECT 1 FROM inserted)),
    finalized AS ({FINALIZE_PROPOSAL} AND EXISTS (SELECT 1 FROM inserted))
    SELECT * FROM inserted
    """
)

# SubmitCandidate runs on a direct connection (psycopg placeholders), waiting for answers three times: the lock
# with the checks, then the insert (or the paused account's row), then COMMIT.
SUBMIT_ROUND_TRIPS = 3
DIRECT_LOCK_ACCOUNT = direct_sql(LOCK_ACCOUNT)
DIRECT_SUBMIT_CHECKS = direct_sql(SUBMIT_CHECKS)
DIRECT_SUPERSEDE = direct_sql(SUPERSEDE)
DIRECT_INSERT_CANDIDATE = direct_sql(INSERT_CANDIDATE)
DIRECT_GET_ACCOUNT = direct_sql(GET_ACCOUNT)

# RecordAbandon (§5.3f)
ROW_AT_NONCE = text(
    f"""
    SELECT {FULL_DELTA_COLUMNS}, status->>'abandon_requested_at' FROM deltas
     WHERE account_id = :account_id AND nonce = :nonce FOR UPDATE
    """
)
RECORD_ABANDON = text(
    f"""
    {NOW}
    UPDATE deltas SET status = jsonb_set(status, '{{abandon_requested_at}}', to_jsonb({RFC3339}))
      FROM t
     WHERE account_id = :account_id AND nonce = :nonce AND status_kind = 'candidate'
    RETURNING {FULL_DELTA_COLUMNS}, status->>'abandon_requested_at'
    """
)

# Pause / Unpause
SET_PAUSED = text(
    f"""
    {NOW}
    UPDATE account_metadata SET paused_at = t.ts, paused_reason = :reason, updated_at = t.ts
      FROM t WHERE account_id = :account_id
    """
)
SET_ACTIVE = text(
    """
    UPDATE account_metadata SET paused_at = NULL, paused_reason = NULL, updated_at = clock_timestamp()
     WHERE account_id = :account_id
    """
)
AUDIT = text(
    """
    INSERT INTO admin_actions
        (account_id, action, operator_commitment, reason, created_at, before_state, after_state)
    VALUES (:account_id, :action, :operator, :reason, clock_timestamp(), :before, :after)
    """
)

# Promote (§5.3a)
FLIP_TO_CANONICAL = text(
    f"""
    {NOW}
    UPDATE deltas
       SET status = jsonb_build_object('status', 'canonical', 'timestamp', {RFC3339}),
           status_kind = 'canonical', status_timestamp = t.ts, new_commitment = :new_commitment
      FROM t
     WHERE account_id = :account_id AND nonce = :nonce AND status_kind = :source_kind
       AND (status_kind <> 'discarded' OR status->>'reason' = 'client_abandoned')
    RETURNING prev_commitment
    """
)
ADVANCE_STATE = text(
    """
    UPDATE states SET state_json = CAST(:state AS jsonb), commitment = :new_commitment,
                      updated_at = clock_timestamp()
     WHERE account_id = :account_id AND commitment = :prev_commitment
    """
)
SYNC_AUTH = text(
    """
    UPDATE account_metadata SET auth = CAST(:auth AS jsonb), updated_at = clock_timestamp()
     WHERE account_id = :account_id
    """
)
RELEASE = text(
    """
    UPDATE account_metadata SET released_at = clock_timestamp(), updated_at = clock_timestamp()
     WHERE account_id = :account_id
    """
)

# Discard (§5.3b)
DISCARD = text("DELETE FROM deltas WHERE account_id = :account_id AND nonce = :nonce AND status_kind = :kind")

# UpdateCandidateStatus (§5.3c)
CANDIDATE_INTENT = text(
    """
    SELECT status->>'abandon_requested_at' FROM deltas
     WHERE account_id = :account_id AND nonce = :nonce AND status_kind = 'candidate' FOR UPDATE
    """
)
SET_COUNTERS = text(
    """
    UPDATE deltas
       SET status = status || jsonb_build_object(
               'retry_count', CAST(:retry_count AS integer),
               'divergence_count', CAST(:divergence_count AS integer),
               'abandon_confirm_count', CAST(:abandon_confirm_count AS integer))
     WHERE account_id = :account_id AND nonce = :nonce AND status_kind = 'candidate'
    """
)
FLIP_STATUS = text(
    f"""
    {NOW}
    UPDATE deltas
       SET status = jsonb_build_object('status', CAST(:kind AS text), 'timestamp', {RFC3339},
                                       'reason', CAST(:reason AS text)),
           status_kind = :kind, status_timestamp = t.ts
      FROM t
     WHERE account_id = :account_id AND nonce = :nonce AND status_kind = 'candidate'
    """
)


# Canonicalization.ApplyWrites: one transaction per batch, a fixed number of statements whatever its size.
# The accounts are locked in account_id order (two batches sharing accounts take them in the same order, so
# they never deadlock), then the fence is checked, then one set-based statement per kind of write applies
# the same compare-and-set as the single-write statements above. At most one write per account, so the
# rows each statement touches are distinct and each write's outcome is its own.
LOCK_ACCOUNTS = text(
    """
    SELECT account_id FROM account_metadata WHERE account_id = ANY(CAST(:ids AS text[]))
     ORDER BY account_id FOR UPDATE
    """
)
# Statements see the snapshot taken when they start: the flag clears below test "another candidate than the
# row this statement changes", which is what the single-write NOT EXISTS sees after its change.
PROMOTE_MANY = text(
    f"""
    {NOW},
    w AS (SELECT * FROM unnest(CAST(:account_ids AS text[]), CAST(:nonces AS bigint[]),
                               CAST(:sources AS text[]), CAST(:commitments AS text[]),
                               CAST(:states AS text[]), CAST(:auths AS text[]), CAST(:releases AS boolean[]))
                   AS w(account_id, nonce, source_kind, new_commitment, state, auth, release)),
    src AS (SELECT w.*, d.prev_commitment FROM w JOIN deltas d ON d.account_id = w.account_id AND d.nonce = w.nonce
             WHERE d.status_kind = w.source_kind
               AND (d.status_kind <> 'discarded' OR d.status->>'reason' = 'client_abandoned')),
    advanced AS (
        UPDATE states s SET state_json = CAST(src.state AS jsonb), commitment = src.new_commitment,
                            updated_at = t.ts
          FROM src, t
         WHERE s.account_id = src.account_id AND s.commitment = src.prev_commitment
        RETURNING s.account_id),
    done AS (SELECT src.*, EXISTS (SELECT 1 FROM deltas o WHERE o.account_id = src.account_id
                                      AND o.status_kind = 'candidate' AND o.nonce <> src.nonce) AS more
               FROM src JOIN advanced a ON a.account_id = src.account_id),
    flipped AS (
        UPDATE deltas d
           SET status = jsonb_build_object('status', 'canonical', 'timestamp', {RFC3339}),
               status_kind = 'canonical', status_timestamp = t.ts, new_commitment = done.new_commitment
          FROM done, t
         WHERE d.account_id = done.account_id AND d.nonce = done.nonce),
    synced AS (
        UPDATE account_metadata m
           SET auth = COALESCE(CAST(done.auth AS jsonb), m.auth),
               released_at = CASE WHEN done.release THEN t.ts ELSE m.released_at END,
               has_pending_candidate = m.has_pending_candidate AND done.more,
               updated_at = CASE WHEN done.auth IS NOT NULL OR done.release
                                      OR (m.has_pending_candidate AND NOT done.more)
                                 THEN t.ts ELSE m.updated_at END
          FROM done, t
         WHERE m.account_id = done.account_id)
    SELECT w.account_id, src.account_id IS NOT NULL, a.account_id IS NOT NULL
      FROM w LEFT JOIN src ON src.account_id = w.account_id LEFT JOIN advanced a ON a.account_id = w.account_id
    """
)
DISCARD_MANY = text(
    f"""
    {NOW},
    w AS (SELECT * FROM unnest(CAST(:account_ids AS text[]), CAST(:nonces AS bigint[]), CAST(:kinds AS text[]))
                   AS w(account_id, nonce, kind)),
    deleted AS (DELETE FROM deltas d USING w
                 WHERE d.account_id = w.account_id AND d.nonce = w.nonce AND d.status_kind = w.kind
                RETURNING d.account_id, d.nonce),
    cleared AS (
        UPDATE account_metadata m SET has_pending_candidate = false, updated_at = t.ts
          FROM deleted, t
         WHERE m.account_id = deleted.account_id AND m.has_pending_candidate
           AND NOT EXISTS (SELECT 1 FROM deltas o WHERE o.account_id = m.account_id
                              AND o.status_kind = 'candidate' AND o.nonce <> deleted.nonce))
    SELECT w.account_id, deleted.account_id IS NOT NULL FROM w LEFT JOIN deleted ON deleted.account_id = w.account_id
    """
)
STATUS_MANY = text(
    f"""
    {NOW},
    w AS (SELECT * FROM unnest(CAST(:account_ids AS text[]), CAST(:nonces AS bigint[]), CAST(:kinds AS text[]),
                               CAST(:reasons AS text[]), CAST(:retry_counts AS integer[]),
                               CAST(:divergence_counts AS integer[]), CAST(:abandon_confirm_counts AS integer[]))
                   AS w(account_id, nonce, kind, reason, retry_count, divergence_count, abandon_confirm_count)),
    target AS (SELECT w.* FROM w JOIN deltas d ON d.account_id = w.account_id AND d.nonce = w.nonce
                WHERE d.status_kind = 'candidate'
                  AND NOT (w.kind = 'retained' AND d.status->>'abandon_requested_at' IS NOT NULL)),
    updated AS (
        UPDATE deltas d
           SET status = CASE WHEN target.kind = 'candidate'
                             THEN d.status || jsonb_build_object(
                                      'retry_count', target.retry_count,
                                      'divergence_count', target.divergence_count,
                                      'abandon_confirm_count', target.abandon_confirm_count)
                             ELSE jsonb_build_object('status', target.kind, 'timestamp', {RFC3339},
                                                     'reason', target.reason) END,
               status_kind = target.kind,
               status_timestamp = CASE WHEN target.kind = 'candidate' THEN d.status_timestamp ELSE t.ts END
          FROM target, t
         WHERE d.account_id = target.account_id AND d.nonce = target.nonce AND d.status_kind = 'candidate'
        RETURNING d.account_id, d.nonce, d.status_kind),
    cleared AS (
        UPDATE account_metadata m SET has_pending_candidate = false, updated_at = t.ts
          FROM updated, t
         WHERE updated.status_kind <> 'candidate' AND m.account_id = updated.account_id
           AND m.has_pending_candidate
           AND NOT EXISTS (SELECT 1 FROM deltas o WHERE o.account_id = m.account_id
                              AND o.status_kind = 'candidate' AND o.nonce <> updated.nonce))
    SELECT w.account_id, updated.account_id IS NOT NULL FROM w LEFT JOIN updated ON updated.account_id = w.account_id
    """
)


def _promote_params(writes: list[PromoteWrite]) -> dict[str, list[Any]]:
    return {
        "account_ids": [w.account_id for w in writes],
        "nonces": [w.promotion.nonce for w in writes],
        "sources": [w.source_kind.value for w in writes],
        "commitments": [w.promotion.new_commitment for w in writes],
        "states": [w.promotion.new_state_json for w in writes],
        "auths": [w.promotion.auth_json for w in writes],
        "releases": [w.promotion.release for w in writes],
    }


def _discard_params(writes: list[DiscardWrite]) -> dict[str, list[Any]]:
    return {
        "account_ids": [w.account_id for w in writes],
        "nonces": [w.nonce for w in writes],
        "kinds": [w.kind.value for w in writes],
    }


def _status_params(writes: list[StatusWrite]) -> dict[str, list[Any]]:
    return {
        "account_ids": [w.account_id for w in writes],
        "nonces": [w.update.nonce for w in writes],
        "kinds": [w.new_kind.value for w in writes],
        "reasons": [w.update.reason for w in writes],
        "retry_counts": [w.update.retry_count for w in writes],
        "divergence_counts": [w.update.divergence_count for w in writes],
        "abandon_confirm_counts": [w.update.abandon_confirm_count for w in writes],
    }


class _Rollback(Exception):
    """Raised inside a transaction to roll it back; the method decorated with `_answers` returns `result`."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


def _answers(method: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except _Rollback as rollback:
            return cast(R, rollback.result)

    return wrapper


class PostgresCustodyStore(PostgresCustodyReads):
    def __init__(self, engine: AsyncEngine, direct: DirectConnections) -> None:
        super().__init__(engine, direct)
        self._engine = engine

    @asynccontextmanager
    async def _locked(self, account_id: str) -> AsyncIterator[tuple[AsyncConnection, Any]]:
        """A transaction whose first statement locks the account row (None: no such account)."""
        async with store_errors(), self._engine.begin() as conn:
            row = (await conn.execute(LOCK_ACCOUNT, {"account_id": account_id})).first()
            yield conn, row

    @asynccontextmanager
    async def _fenced(self, fence: Lease, account_id: str) -> AsyncIterator[AsyncConnection]:
        """Lock, then the fence check in the same transaction; refusals raise _Rollback."""
        async with self._locked(account_id) as (conn, account):
            if account is None:
                raise _Rollback(WriteOutcome.NOT_CANDIDATE)
            if (await conn.execute(FENCE_CHECK, fence_params(fence))).first() is None:
                raise _Rollback(WriteOutcome.STALE_LEASE)
            if outside_shard(fence, account_id):
                raise _Rollback(WriteOutcome.WRONG_SHARD)
            yield conn

    # --- client writes ---
    @_answers
    async def configure(self, account: NewAccount, stamp: AuthStamp | None) -> ConfigureResult:
        params = {
            "account_id": account.account_id,
            "auth": account.auth_json,
            "network_config": account.network_config_json,
            "state": account.state_json,
            "commitment": account.commitment,
        }
        async with self._locked(account.account_id) as (conn, existing):
            created = existing is None and (await conn.execute(CREATE_ACCOUNT, params)).first() is not None
            if created:
                await conn.execute(CREATE_STATE, params)
            elif account.create_only:
                raise _Rollback(ConfigureResult(ConfigureOutcome.EXISTS))
            else:
                if existing is None:  # created concurrently: take its lock now
                    await conn.execute(LOCK_ACCOUNT, params)
                await conn.execute(UPDATE_AUTH, params)
            if stamp is not None:
                _, advanced = await _advance(conn, account.account_id, stamp)
                if not advanced:
                    raise _Rollback(ConfigureResult(ConfigureOutcome.REPLAY))
            stored = await self.read_account(conn, account.account_id)
        return ConfigureResult(ConfigureOutcome.CREATED if created else ConfigureOutcome.UPDATED, stored)

    @_answers
    async def submit_candidate(self, candidate: NewCandidate) -> SubmitResult:
        """Every client push: on a direct connection (docs/coordinator.md, "Direct connections"), one transaction
        of three round trips: the account lock with the checks, the insert, the commit."""
        return await self._direct.in_transaction(
            functools.partial(_submit, candidate), span="SubmitCandidate", round_trips=SUBMIT_ROUND_TRIPS
        )

    async def record_abandon(self, account_id: str, nonce: int) -> AbandonResult:
        scope = {"account_id": account_id, "nonce": nonce}
        async with self._locked(account_id) as (conn, account):
            if account is None:
                return AbandonResult(AbandonOutcome.ACCOUNT_NOT_FOUND)
            if account.released_at is not None or account.paused_at is not None:
                outcome = AbandonOutcome.RELEASED if account.released_at else AbandonOutcome.PAUSED
                return AbandonResult(outcome, account=await self.read_account(conn, account_id))
            row = (await conn.execute(ROW_AT_NONCE, scope)).first()
            if row is None or row[5] != DeltaKind.CANDIDATE.value:
                return AbandonResult(AbandonOutcome.NOT_CANDIDATE, delta=to_delta(row) if row else None)
            if row[-1] is not None:
                return AbandonResult(
                    AbandonOutcome.ALREADY_REQUESTED, datetime.fromisoformat(row[-1]), to_delta(row)
                )
            row = (await conn.execute(RECORD_ABANDON, scope)).one()
        return AbandonResult(AbandonOutcome.RECORDED, datetime.fromisoformat(row[-1]), to_delta(row))

    async def advance_auth_timestamp(
        self, account_id: str, signer_commitment: str, timestamp_ms: int
    ) -> AuthTimestampOutcome:
        async with store_errors(), self._one_shot.connect() as conn:
            found, advanced = await _advance(conn, account_id, AuthStamp(signer_commitment, timestamp_ms))
        if not found:
            return AuthTimestampOutcome.ACCOUNT_NOT_FOUND
        return AuthTimestampOutcome.ACCEPTED if advanced else AuthTimestampOutcome.REPLAY

    async def read_as_signer(
        self,
        account_id: str,
        include_state: bool,
        auth_method: str,
        candidates: tuple[str, ...],
        timestamp_ms: int,
    ) -> SignedRead | None:
        params = {
            "account_id": account_id,
            "method": auth_method,
            "candidates": list(candidates),
            "timestamp_ms": timestamp_ms,
        }
        rows = await self._direct.fetch_all(
            SIGNED_READ[include_state], params, span="SELECT account_metadata", named=True
        )
        if not rows:
            return None
        fields = rows[0]
        signer, advanced = fields.pop("signer"), fields.pop("advanced")
        account, state = account_and_state(fields)
        floor = None
        if signer is not None:
            floor = AuthTimestampOutcome.ACCEPTED if advanced else AuthTimestampOutcome.REPLAY
        return SignedRead(account, state, signer, floor)

    async def set_paused(
        self, account_id: str, paused: bool, operator_commitment: str, reason: str | None
    ) -> PauseResult:
        params = {"account_id": account_id, "reason": reason}
        async with self._locked(account_id) as (conn, account):
            if account is None:
                return PauseResult(None)
            before = "paused" if account.paused_at is not None else "active"
            after = "paused" if paused else "active"
            if before != after:
                await conn.execute(SET_PAUSED if paused else SET_ACTIVE, params)
            audit = {
                **params,
                "action": "accounts.pause" if paused else "accounts.unpause",
                "operator": operator_commitment,
                "before": before,
                "after": after,
            }
            await conn.execute(AUDIT, audit)
            return PauseResult(await self.read_account(conn, account_id), before, after)

    # --- fenced worker writes ---
    @_answers
    async def promote(self, fence: Lease, source_kind: DeltaKind, promotion: Promotion) -> WriteOutcome:
        params = {
            "account_id": promotion.account_id,
            "nonce": promotion.nonce,
            "source_kind": source_kind.value,
            "new_commitment": promotion.new_commitment,
            "state": promotion.new_state_json,
            "auth": promotion.auth_json,
        }
        async with self._fenced(fence, promotion.account_id) as conn:
            flipped = (await conn.execute(FLIP_TO_CANONICAL, params)).first()
            if flipped is None:
                raise _Rollback(WriteOutcome.NOT_CANDIDATE)
            base = {**params, "prev_commitment": flipped[0]}
            if (await conn.execute(ADVANCE_STATE, base)).rowcount != 1:
                raise _Rollback(WriteOutcome.STALE_BASE)
            if promotion.auth_json is not None:
                await conn.execute(SYNC_AUTH, params)
            if promotion.release:
                await conn.execute(RELEASE, params)
            await conn.execute(CLEAR_PENDING_FLAG, params)
        return WriteOutcome.APPLIED

    @_answers
    async def discard(self, fence: Lease, account_id: str, nonce: int, kind: DeltaKind) -> WriteOutcome:
        params = {"account_id": account_id, "nonce": nonce, "kind": kind.value}
        async with self._fenced(fence, account_id) as conn:
            if (await conn.execute(DISCARD, params)).rowcount != 1:
                raise _Rollback(WriteOutcome.NOT_CANDIDATE)
            await conn.execute(CLEAR_PENDING_FLAG, params)
        return WriteOutcome.APPLIED

    @_answers
    async def update_candidate_status(
        self, fence: Lease, new_kind: DeltaKind, update: StatusUpdate
    ) -> WriteOutcome:
        params = {
            "account_id": update.account_id,
            "nonce": update.nonce,
            "kind": new_kind.value,
            "reason": update.reason,
            "retry_count": update.retry_count,
            "divergence_count": update.divergence_count,
            "abandon_confirm_count": update.abandon_confirm_count,
        }
        async with self._fenced(fence, update.account_id) as conn:
            row = (await conn.execute(CANDIDATE_INTENT, params)).first()
            if row is None or (new_kind is DeltaKind.RETAINED and row[0] is not None):
                raise _Rollback(WriteOutcome.NOT_CANDIDATE)
            if new_kind is DeltaKind.CANDIDATE:
                await conn.execute(SET_COUNTERS, params)
            else:
                await conn.execute(FLIP_STATUS, params)
                await conn.execute(CLEAR_PENDING_FLAG, params)
        return WriteOutcome.APPLIED

    # --- batches (Canonicalization.ApplyWrites) ---
    async def apply_writes(self, fence: Lease, writes: list[FencedWrite]) -> list[WriteOutcome]:
        async with store_errors(), self._engine.begin() as conn:
            ids = [w.account_id for w in writes]
            locked = {row[0] for row in (await conn.execute(LOCK_ACCOUNTS, {"ids": ids})).all()}
            if (await conn.execute(FENCE_CHECK, fence_params(fence))).first() is None:
                return [WriteOutcome.STALE_LEASE] * len(writes)
            outcomes: dict[str, WriteOutcome] = {}
            promotions: list[PromoteWrite] = []
            discards: list[DiscardWrite] = []
            updates: list[StatusWrite] = []
            for write in writes:
                if outside_shard(fence, write.account_id):
                    outcomes[write.account_id] = WriteOutcome.WRONG_SHARD
                elif write.account_id not in locked:
                    outcomes[write.account_id] = WriteOutcome.NOT_CANDIDATE
                elif isinstance(write, PromoteWrite):
                    promotions.append(write)
                elif isinstance(write, DiscardWrite):
                    discards.append(write)
                else:
                    updates.append(write)
            if promotions:
                for account_id, found, advanced in await conn.execute(
                    PROMOTE_MANY, _promote_params(promotions)
                ):
                    outcomes[account_id] = _promoted(found, advanced)
            if discards:
                for account_id, deleted in await conn.execute(DISCARD_MANY, _discard_params(discards)):
                    outcomes[account_id] = WriteOutcome.APPLIED if deleted else WriteOutcome.NOT_CANDIDATE
            if updates:
                for account_id, updated in await conn.execute(STATUS_MANY, _status_params(updates)):
                    outcomes[account_id] = WriteOutcome.APPLIED if updated else WriteOutcome.NOT_CANDIDATE
        return [outcomes[w.account_id] for w in writes]


async def _submit(candidate: NewCandidate, conn: psycopg.AsyncConnection[Any]) -> SubmitResult:
    """SubmitCandidate's transaction. The lock and the checks are sent together: the checks run once the lock is
    held, in a snapshot of their own (READ COMMITTED), so they see every write committed before it. A refusal
    that must keep nothing raises _Rollback; the others return, and the transaction commits the replay floor
    the checks moved."""
    scope = {"account_id": candidate.account_id, "nonce": candidate.nonce}
    stamp = candidate.stamp
    checks = {
        "account_id": candidate.account_id,
        "signer": None if stamp is None else stamp.signer_commitment,
        "timestamp_ms": 0 if stamp is None else stamp.timestamp_ms,
    }
    locked = await conn.execute(DIRECT_LOCK_ACCOUNT, scope, prepare=True)
    checked = await conn.execute(DIRECT_SUBMIT_CHECKS, checks, prepare=True)
    account = await locked.fetchone()
    if account is None:
        raise _Rollback(SubmitResult(SubmitOutcome.ACCOUNT_NOT_FOUND))
    paused_at, released_at = account
    row = await checked.fetchone()
    assert row is not None  # a SELECT of three expressions always answers one row
    stored, has_candidate, advanced = row
    if stored is None:
        raise _Rollback(SubmitResult(SubmitOutcome.ACCOUNT_NOT_FOUND))
    # The replay check comes first, and an accepted stamp stays used up whatever follows (the refusals below
    # return, so the transaction commits the floor): docs/contracts/client-api.md §4.6.
    if stamp is not None and not advanced:
        raise _Rollback(SubmitResult(SubmitOutcome.REPLAY))
    if released_at is not None or paused_at is not None:
        outcome = SubmitOutcome.RELEASED if released_at else SubmitOutcome.PAUSED
        [stored_account] = await named_rows(conn, DIRECT_GET_ACCOUNT, scope)  # the row is locked: it exists
        return SubmitResult(outcome, account=Account(**stored_account))
    # A pending candidate is refused before the base check, the order of the client API (§2.1).
    if has_candidate:
        return SubmitResult(SubmitOutcome.CONFLICT)
    if stored != candidate.prev_commitment:
        return SubmitResult(SubmitOutcome.COMMITMENT_MISMATCH, expected_commitment=stored)
    await conn.execute(DIRECT_SUPERSEDE, scope, prepare=True)
    inserted = await (
        await conn.execute(
            DIRECT_INSERT_CANDIDATE,
            {
                **scope,
                "prev_commitment": candidate.prev_commitment,
                "new_commitment": candidate.new_commitment,
                "payload": candidate.delta_payload_json,
                "ack_sig": candidate.ack_sig,
                "metadata": candidate.metadata_json,
            },
            prepare=True,
        )
    ).fetchone()
    if inserted is None:  # canonical history holds this nonce: never overwritten
        raise _Rollback(SubmitResult(SubmitOutcome.CONFLICT))
    return SubmitResult(SubmitOutcome.SUBMITTED, delta=to_delta(inserted))


async def _advance(conn: AsyncConnection, account_id: str, stamp: AuthStamp) -> tuple[bool, bool]:
    """(the account exists, the signer's floor advanced to the stamp)."""
    params = {"account_id": account_id, "signer": stamp.signer_commitment, "timestamp_ms": stamp.timestamp_ms}
    found, advanced = (await conn.execute(ADVANCE_AUTH_TIMESTAMP, params)).one()
    return bool(found), bool(advanced)


def _promoted(found: bool, advanced: bool) -> WriteOutcome:
    if not found:
        return WriteOutcome.NOT_CANDIDATE
    return WriteOutcome.APPLIED if advanced else WriteOutcome.STALE_BASE
