"""Custody reads: unlocked snapshots, every list a keyset page served from an index (flat in table size).

List SQL is assembled from fixed fragments only (never from input); values are always bound.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from guardian_coordinator.domain.activity import Activity, ActivityQuery
from guardian_coordinator.domain.models import (
    Account,
    AccountKey,
    AccountState,
    AdminAction,
    DashboardInfo,
    Delta,
    DeltaKind,
    FeedKey,
    Page,
    ShardWorkItem,
    WorkMode,
    WorkQuery,
)
from guardian_coordinator.store.postgres.activity import read_activity
from guardian_coordinator.store.postgres.direct_connections import DirectConnections, direct_sql
from guardian_coordinator.store.postgres.engine import single_statements, store_errors

# Writes stamp rows with clock_timestamp() (statement time, in lock order); reads that filter on an age use
# now(), which is stable within the statement and so can bound an index range (these reads are single
# autocommit statements, so now() is the statement's start).
NOW = "WITH t AS (SELECT clock_timestamp() AS ts)"
# The status JSON's timestamp: RFC 3339, UTC, microseconds (the memory store writes the same).
RFC3339 = """to_char(t.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
DELTA_COLUMNS = (
    "account_id, nonce, prev_commitment, new_commitment, status::text, status_kind, status_timestamp, "
    "metadata::text"
)
FULL_DELTA_COLUMNS = f"{DELTA_COLUMNS}, delta_payload::text, ack_sig"
# Aliased as the fields of models.Account.
ACCOUNT_COLUMNS = """
    m.account_id, m.auth::text AS auth_json, m.network_config::text AS network_config_json,
    m.created_at, m.updated_at, m.has_pending_candidate, m.paused_at, m.paused_reason, m.released_at,
    s.commitment AS state_commitment, s.created_at AS state_created_at, s.updated_at AS state_updated_at
"""
# LIMIT 1 keeps the lookup a per-row probe of states_pkey (a subquery with LIMIT is never flattened into a
# join), so a page of accounts never scans the states table.
WITH_STATE = """
    LEFT JOIN LATERAL (SELECT commitment, created_at, updated_at FROM states
                        WHERE states.account_id = m.account_id LIMIT 1) s ON true
"""
GET_ACCOUNT = text(
    f"SELECT {ACCOUNT_COLUMNS} FROM account_metadata m {WITH_STATE} WHERE m.account_id = :account_id"
)
# WITH_STATE with the state's JSON too (`s.state_json`).
WITH_STATE_JSON = """
    LEFT JOIN LATERAL (SELECT commitment, created_at, updated_at, state_json::text AS state_json FROM states
                        WHERE states.account_id = m.account_id LIMIT 1) s ON true
"""
# The account and its state in one statement (one snapshot): the read behind a push's authorisation.
# Runs on the direct connections (psycopg placeholders).
GET_ACCOUNT_WITH_STATE = direct_sql(
    text(
        f"SELECT {ACCOUNT_COLUMNS}, s.state_json FROM account_metadata m {WITH_STATE_JSON} "
        "WHERE m.account_id = :account_id"
    )
)
GET_STATE = text(
    "SELECT account_id, state_json::text AS state_json, commitment, created_at, updated_at FROM states "
    "WHERE account_id = :account_id"
)
GET_DELTA = text(f"SELECT {FULL_DELTA_COLUMNS} FROM deltas WHERE account_id = :account_id AND nonce = :nonce")
KIND_FILTER = " AND status_kind = ANY(CAST(:kinds AS text[]))"
# Rows of the page come with their payload only while the payloads before them fit in the budget.
DELTAS_SINCE = f"""
    SELECT {DELTA_COLUMNS},
           CASE WHEN running - payload_bytes < :budget THEN delta_payload::text END, ack_sig, payload_bytes
      FROM (SELECT d.*, sum(payload_bytes) OVER (ORDER BY nonce) AS running
              FROM (SELECT * FROM deltas WHERE account_id = :account_id AND nonce >= :from_nonce {{kinds}}
                     ORDER BY nonce LIMIT :fetch) d) w
     ORDER BY nonce
"""
ACCOUNT_DELTAS = f"""
    SELECT {DELTA_COLUMNS} FROM deltas WHERE account_id = :account_id {{kinds}} {{after}}
     ORDER BY nonce DESC LIMIT :fetch
"""
# One branch per kind, each an index range scan of deltas_feed in the feed's order; the merge of at most
# four short branches is the page.
FEED_ORDER = "ORDER BY status_timestamp DESC, account_id ASC, nonce ASC"
FEED_BRANCH = (
    f"(SELECT {DELTA_COLUMNS} FROM deltas WHERE status_kind = :kind_{{i}} {{after}} "
    f"{FEED_ORDER} LIMIT :fetch)"
)
FEED_AFTER = (
    "AND status_timestamp <= :after_ts "
    "AND (status_timestamp < :after_ts OR (account_id, nonce) > (:after_account_id, :after_nonce))"
)
ACCOUNTS = f"""
    SELECT {ACCOUNT_COLUMNS} FROM account_metadata m {WITH_STATE}
     WHERE true {{paused}} {{prefix}} {{after}} ORDER BY m.updated_at DESC, m.account_id ASC LIMIT :fetch
"""
PAUSED_FILTERS = {None: "", True: "AND m.paused_at IS NOT NULL", False: "AND m.paused_at IS NULL"}
# The prefix is checked ("0x" and hex digits, so no LIKE wildcard) before it gets here.
PREFIX_FILTER = "AND m.account_id LIKE :prefix_pattern"
ACCOUNTS_AFTER = (
    "AND m.updated_at <= :after_ts AND (m.updated_at < :after_ts OR m.account_id > :after_account_id)"
)
PENDING_ACCOUNTS = (
    "SELECT account_id FROM account_metadata WHERE has_pending_candidate {after} "
    "ORDER BY account_id LIMIT :fetch"
)
AFTER_ACCOUNT = "AND account_id > :after_account_id"
# Containment on either Miden auth method; EVM auths have no cosigner_commitments and never match.
ACCOUNTS_BY_COSIGNER = (
    "SELECT account_id FROM account_metadata "
    "WHERE (auth @> jsonb_build_object('MidenFalconRpo', jsonb_build_object('cosigner_commitments', "
    "jsonb_build_array(CAST(:commitment AS text)))) "
    "OR auth @> jsonb_build_object('MidenEcdsa', jsonb_build_object('cosigner_commitments', "
    "jsonb_build_array(CAST(:commitment AS text))))) {after} "
    "ORDER BY account_id LIMIT :fetch"
)
CANDIDATES = text(
    f"SELECT {DELTA_COLUMNS} FROM deltas WHERE account_id = :account_id AND status_kind = 'candidate' "
    "ORDER BY nonce"
)
RECENT_CANDIDATES = f"""
    SELECT {DELTA_COLUMNS} FROM deltas
     WHERE status_kind = 'candidate'
       AND status_timestamp > now() - make_interval(secs => :window_s) {{after}}
     ORDER BY status_timestamp, account_id, nonce LIMIT :fetch
"""
RECENT_AFTER = "AND (status_timestamp, account_id, nonce) > (:after_ts, :after_account_id, :after_nonce)"
# docs/contracts/canonicalization.md §4.9: every retained row, and client-abandoned discards younger than the TTL.
RECOVERABLE = """
    (status_kind = 'retained'
     OR (status_kind = 'discarded' AND status->>'reason' = 'client_abandoned'
         AND status_timestamp >= now() - make_interval(secs => :ttl_s)))
"""
RECOVERABLE_ACCOUNTS = (
    f"SELECT DISTINCT account_id FROM deltas WHERE {RECOVERABLE} {{after}} ORDER BY account_id LIMIT :fetch"
)
RECOVERABLE_DELTAS = text(
    f"SELECT {DELTA_COLUMNS} FROM deltas WHERE account_id = :account_id AND {RECOVERABLE} ORDER BY nonce"
)
# ListShardWork: the page's account ids, one statement per mode, each keyset-ordered by account_id and
# filtered on the stored shard key (migration 0003). PENDING reads the pending index only.
SHARD_WORK_IDS = {
    WorkMode.PENDING: (
        "SELECT account_id FROM account_metadata WHERE has_pending_candidate AND shard_key % :count = :index "
        "{after} ORDER BY account_id LIMIT :fetch",
        "AND account_id > :after_account_id",
    ),
    WorkMode.RECENT: (
        "SELECT DISTINCT d.account_id FROM deltas d JOIN account_metadata m ON m.account_id = d.account_id "
        "WHERE d.status_kind = 'candidate' AND d.status_timestamp > now() - make_interval(secs => :window_s) "
        "AND m.shard_key % :count = :index {after} ORDER BY d.account_id LIMIT :fetch",
        "AND d.account_id > :after_account_id",
    ),
    WorkMode.RECOVERABLE: (
        "SELECT DISTINCT d.account_id FROM deltas d JOIN account_metadata m ON m.account_id = d.account_id "
        f"WHERE {RECOVERABLE} AND m.shard_key % :count = :index {{after}} ORDER BY d.account_id LIMIT :fetch",
        "AND d.account_id > :after_account_id",
    ),
}
# ... then those accounts with their state, in the same statement.
SHARD_WORK_ACCOUNTS = """
    WITH ids AS ({ids})
    SELECT m.account_id, m.paused_at IS NOT NULL,
           EXISTS (SELECT 1 FROM deltas c WHERE c.account_id = m.account_id AND c.status_kind = 'candidate'),
           s.state_json::text, s.commitment, s.created_at, s.updated_at
      FROM ids JOIN account_metadata m ON m.account_id = ids.account_id
      LEFT JOIN states s ON s.account_id = m.account_id
     ORDER BY m.account_id
"""
# ... and one statement for the rows of every account of the page, with payloads.
SHARD_WORK_ROWS = {
    WorkMode.PENDING: "status_kind = 'candidate'",
    WorkMode.RECENT: "status_kind = 'candidate'",
    WorkMode.RECOVERABLE: RECOVERABLE,
}
SHARD_WORK_ROWS_SQL = (
    f"SELECT {FULL_DELTA_COLUMNS} FROM deltas WHERE account_id = ANY(CAST(:ids AS text[])) AND {{rows}} "
    "ORDER BY account_id, nonce"
)
ADMIN_ACTIONS = """
    SELECT id, account_id, action, operator_commitment, reason, created_at, before_state, after_state
      FROM admin_actions WHERE account_id = :account_id {after} ORDER BY id DESC LIMIT :fetch
"""
DASHBOARD_INFO = text(
    """
    SELECT (SELECT coalesce(jsonb_object_agg(method, n), '{}')::text FROM (
                SELECT (SELECT min(k) FROM jsonb_object_keys(auth) AS k) AS method, count(*) AS n
                  FROM account_metadata GROUP BY 1) a),
           (SELECT coalesce(jsonb_object_agg(status_kind, n), '{}')::text FROM (
                SELECT status_kind, count(*) AS n FROM deltas GROUP BY status_kind) d),
           greatest((SELECT max(updated_at) FROM account_metadata),
                    (SELECT max(status_timestamp) FROM deltas WHERE status_kind = 'candidate'),
                    (SELECT max(status_timestamp) FROM deltas WHERE status_kind = 'canonical'),
                    (SELECT max(status_timestamp) FROM deltas WHERE status_kind = 'retained'),
                    (SELECT max(status_timestamp) FROM deltas WHERE status_kind = 'discarded'))
    """
)


def to_delta(row: Sequence[Any]) -> Delta:
    """Columns of DELTA_COLUMNS, then optionally the payload and the ack signature."""
    full = len(row) >= 10
    return Delta(
        account_id=row[0],
        nonce=row[1],
        prev_commitment=row[2],
        new_commitment=row[3],
        status_json=row[4],
        status_kind=DeltaKind(row[5]),
        status_timestamp=row[6],
        metadata_json=row[7],
        delta_payload_json=row[8] if full else None,
        ack_sig=row[9] if full else None,
    )


def to_account(row: Any) -> Account:
    return Account(**row._mapping)


def _kinds(kinds: frozenset[DeltaKind]) -> tuple[str, dict[str, Any]]:
    """The status filter fragment (none when every kind is wanted) and its parameter."""
    if kinds == frozenset(DeltaKind):
        return "", {}
    return KIND_FILTER, {"kinds": sorted(kind.value for kind in kinds)}


def account_and_state(fields: dict[str, Any]) -> tuple[Account, AccountState | None]:
    """An account row read with ACCOUNT_COLUMNS and `state_json` (None without a state, or not asked for)."""
    state_json = fields.pop("state_json")
    account = Account(**fields)
    if state_json is None:
        return account, None
    state = AccountState(
        account_id=account.account_id,
        state_json=state_json,
        commitment=fields["state_commitment"],
        created_at=fields["state_created_at"],
        updated_at=fields["state_updated_at"],
    )
    return account, state


class PostgresCustodyReads:
    def __init__(self, engine: AsyncEngine, direct: DirectConnections) -> None:
        self._one_shot = single_statements(engine)
        # The signed custody path (one or two statements per client request) runs on connections of its own.
        self._direct = direct
        # Reads of several statements that must agree with each other (a state and its candidates).
        self._snapshot = engine.execution_options(isolation_level="REPEATABLE READ")

    async def _all(self, sql: str | TextClause, params: dict[str, Any]) -> list[Any]:
        statement = text(sql) if isinstance(sql, str) else sql
        async with store_errors(), self._one_shot.connect() as conn:
            return list((await conn.execute(statement, params)).all())

    async def read_account(self, conn: AsyncConnection, account_id: str) -> Account | None:
        row = (await conn.execute(GET_ACCOUNT, {"account_id": account_id})).first()
        return None if row is None else to_account(row)

    async def get_account(self, account_id: str) -> Account | None:
        rows = await self._all(GET_ACCOUNT, {"account_id": account_id})
        return to_account(rows[0]) if rows else None

    async def get_state(self, account_id: str) -> AccountState | None:
        rows = await self._all(GET_STATE, {"account_id": account_id})
        return AccountState(**rows[0]._mapping) if rows else None

    async def get_account_with_state(self, account_id: str) -> tuple[Account, AccountState | None] | None:
        rows = await self._direct.fetch_all(
            GET_ACCOUNT_WITH_STATE,
            {"account_id": account_id},
            span="SELECT account_metadata",
            named=True,
        )
        return account_and_state(rows[0]) if rows else None

    async def get_delta(self, account_id: str, nonce: int) -> Delta | None:
        rows = await self._all(GET_DELTA, {"account_id": account_id, "nonce": nonce})
        return to_delta(rows[0]) if rows else None

    async def list_deltas_since(
        self, account_id: str, from_nonce: int, kinds: frozenset[DeltaKind], limit: int, payload_budget: int
    ) -> Page[Delta]:
        fragment, params = _kinds(kinds)
        rows = await self._all(
            DELTAS_SINCE.format(kinds=fragment),
            {
                **params,
                "account_id": account_id,
                "from_nonce": from_nonce,
                "fetch": limit + 1,
                "budget": payload_budget,
            },
        )
        return Page.within_budget([to_delta(r) for r in rows], [r[10] for r in rows], limit, payload_budget)

    async def list_account_deltas(
        self, account_id: str, kinds: frozenset[DeltaKind], before_nonce: int | None, limit: int
    ) -> Page[Delta]:
        fragment, params = _kinds(kinds)
        after = "" if before_nonce is None else "AND nonce < :before_nonce"
        sql = ACCOUNT_DELTAS.format(kinds=fragment, after=after)
        params |= {"account_id": account_id, "before_nonce": before_nonce, "fetch": limit + 1}
        return Page.of([to_delta(r) for r in await self._all(sql, params)], limit)

    async def list_deltas(
        self, kinds: frozenset[DeltaKind], after: FeedKey | None, limit: int
    ) -> Page[Delta]:
        return Page.of([to_delta(r) for r in await self._all(*feed_query(kinds, after, limit))], limit)

    async def list_accounts(
        self, paused: bool | None, after: AccountKey | None, limit: int, id_prefix: str = ""
    ) -> Page[Account]:
        rows = await self._all(*accounts_query(paused, after, limit, id_prefix))
        return Page.of([to_account(r) for r in rows], limit)

    async def _account_ids(
        self, sql: str, after_account_id: str | None, limit: int, **params: Any
    ) -> Page[str]:
        sql = sql.format(after="" if after_account_id is None else AFTER_ACCOUNT)
        rows = await self._all(sql, {**params, "after_account_id": after_account_id, "fetch": limit + 1})
        return Page.of([r[0] for r in rows], limit)

    async def list_pending_accounts(self, after_account_id: str | None, limit: int) -> Page[str]:
        return await self._account_ids(PENDING_ACCOUNTS, after_account_id, limit)

    async def list_accounts_by_cosigner(
        self, cosigner_commitment: str, after_account_id: str | None, limit: int
    ) -> Page[str]:
        return await self._account_ids(
            ACCOUNTS_BY_COSIGNER, after_account_id, limit, commitment=cosigner_commitment
        )

    async def list_candidates(self, account_id: str) -> list[Delta]:
        return [to_delta(r) for r in await self._all(CANDIDATES, {"account_id": account_id})]

    async def list_recent_candidates(self, window_ms: int, after: FeedKey | None, limit: int) -> Page[Delta]:
        sql = RECENT_CANDIDATES.format(after="" if after is None else RECENT_AFTER)
        params = {"window_s": window_ms / 1000.0, "fetch": limit + 1, **_feed_key(after)}
        return Page.of([to_delta(r) for r in await self._all(sql, params)], limit)

    async def list_recoverable_accounts(
        self, retained_ttl_seconds: int, after_account_id: str | None, limit: int
    ) -> Page[str]:
        return await self._account_ids(
            RECOVERABLE_ACCOUNTS, after_account_id, limit, ttl_s=retained_ttl_seconds
        )

    async def list_recoverable_deltas(self, account_id: str, retained_ttl_seconds: int) -> list[Delta]:
        rows = await self._all(RECOVERABLE_DELTAS, {"account_id": account_id, "ttl_s": retained_ttl_seconds})
        return [to_delta(r) for r in rows]

    async def list_admin_actions(
        self, account_id: str, before_id: int | None, limit: int
    ) -> Page[AdminAction]:
        sql = ADMIN_ACTIONS.format(after="" if before_id is None else "AND id < :before_id")
        rows = await self._all(sql, {"account_id": account_id, "before_id": before_id, "fetch": limit + 1})
        return Page.of([AdminAction(**r._mapping) for r in rows], limit)

    async def list_shard_work(self, query: WorkQuery, json_budget: int) -> Page[ShardWorkItem]:
        ids_sql, after = SHARD_WORK_IDS[query.mode]
        ids_sql = ids_sql.format(after="" if query.after_account_id is None else after)
        params = {
            "count": query.shard.count,
            "index": query.shard.index,
            "after_account_id": query.after_account_id,
            "fetch": query.limit + 1,
            "window_s": query.recent_window_ms / 1000.0,
            "ttl_s": query.retained_ttl_seconds,
        }
        async with store_errors(), self._snapshot.begin() as conn:
            accounts = (await conn.execute(text(SHARD_WORK_ACCOUNTS.format(ids=ids_sql)), params)).all()
            rows: dict[str, list[Delta]] = {row[0]: [] for row in accounts}
            if accounts:
                rows_sql = text(SHARD_WORK_ROWS_SQL.format(rows=SHARD_WORK_ROWS[query.mode]))
                wanted = {**params, "ids": [row[0] for row in accounts[: query.limit]]}
                for row in (await conn.execute(rows_sql, wanted)).all():
                    rows[row[0]].append(to_delta(row))
        items = [
            ShardWorkItem(
                account_id=account_id,
                state=None
                if commitment is None
                else AccountState(account_id, state, commitment, created, updated),
                rows=rows[account_id],
                has_candidate=has_candidate,
                paused=paused,
            )
            for account_id, paused, has_candidate, state, commitment, created, updated in accounts
        ]
        return Page.fitting(items, [item.json_bytes() for item in items], query.limit, json_budget)

    async def activity(self, query: ActivityQuery) -> Activity:
        return await read_activity(self._snapshot, query)

    async def dashboard_info(self) -> DashboardInfo:
        methods, kinds, latest = (await self._all(DASHBOARD_INFO, {}))[0]
        by_method: dict[str, int] = json.loads(methods)
        counts = dict.fromkeys((kind.value for kind in DeltaKind), 0) | json.loads(kinds)
        return DashboardInfo(sum(by_method.values()), by_method, counts, latest)


def feed_query(kinds: frozenset[DeltaKind], after: FeedKey | None, limit: int) -> tuple[str, dict[str, Any]]:
    """The cross-account feed page: one index range per kind, merged."""
    ordered = sorted(kinds)
    branch_after = "" if after is None else FEED_AFTER
    branches = [FEED_BRANCH.format(i=i, after=branch_after) for i in range(len(ordered))]
    sql = f"SELECT * FROM ({' UNION ALL '.join(branches)}) AS feed {FEED_ORDER} LIMIT :fetch"
    params: dict[str, Any] = {f"kind_{i}": kind.value for i, kind in enumerate(ordered)}
    return sql, {**params, "fetch": limit + 1, **_feed_key(after)}


def accounts_query(
    paused: bool | None, after: AccountKey | None, limit: int, id_prefix: str = ""
) -> tuple[str, dict[str, Any]]:
    sql = ACCOUNTS.format(
        paused=PAUSED_FILTERS[paused],
        prefix=PREFIX_FILTER if id_prefix else "",
        after="" if after is None else ACCOUNTS_AFTER,
    )
    params: dict[str, Any] = {"fetch": limit + 1}
    if id_prefix:
        params["prefix_pattern"] = id_prefix + "%"

    if after is not None:
        params |= {"after_ts": after.updated_at, "after_account_id": after.account_id}
    return sql, params


def _feed_key(key: FeedKey | None) -> dict[str, Any]:
    if key is None:
        return {}
    return {"after_ts": key.status_timestamp, "after_account_id": key.account_id, "after_nonce": key.nonce}
