"""Canonicalizer membership (canonicalizer_members) and shard leases (worker_leases rows).

Every expiry is on the database clock (clock_timestamp(): statement time). A heartbeat is one short
transaction; its housekeeping skips member rows another heartbeat holds, so heartbeats never wait on each
other.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from guardian_common.shards import SHARD_LEASE_PREFIX, parse_shard_lease_name
from guardian_coordinator.domain.canonicalization import by_shard_index
from guardian_coordinator.domain.fleet import PassReport, passes_to_json
from guardian_coordinator.domain.models import (
    AcquireShardsResult,
    HeartbeatResult,
    Lease,
    Member,
    ShardHolder,
    ShardRef,
)
from guardian_coordinator.store.postgres.engine import store_errors
from guardian_coordinator.store.postgres.leases import acquire_shard_leases, to_lease

# Leases first: a heartbeat exists to keep them.
RENEW_MANY = text(
    """
    UPDATE worker_leases w
       SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + make_interval(secs => :ttl_s)
      FROM unnest(CAST(:names AS text[]), CAST(:tokens AS bigint[])) AS r(name, token)
     WHERE w.lease_name = r.name AND w.holder_id = :holder AND w.fence_token = r.token
       AND clock_timestamp() < w.expires_at
    RETURNING w.lease_name, w.holder_id, w.fence_token, w.expires_at
    """
)
# A member that had expired rejoins: its joined_at starts again. The reported passes replace the previous
# ones, each dated on the database clock (its reported age subtracted), as microseconds since the epoch.
UPSERT_MEMBER = text(
    """
    WITH passes AS (
        SELECT COALESCE(jsonb_agg(jsonb_build_object(
                   'kind', p.kind, 'outcome', p.outcome,
                   'finished_at_us', floor(extract(epoch FROM clock_timestamp()) * 1000000)::bigint
                                     - p.age_ms * 1000,
                   'promoted', p.promoted, 'discarded', p.discarded, 'waiting', p.waiting, 'failed', p.failed)
                   ORDER BY p.kind), '[]'::jsonb) AS last_passes
          FROM jsonb_to_recordset(CAST(:passes AS jsonb))
               AS p(kind text, outcome text, age_ms bigint, promoted bigint, discarded bigint, waiting bigint,
                    failed bigint))
    INSERT INTO canonicalizer_members AS m
        (replica_id, shard_count, joined_at, heartbeat_at, expires_at, last_passes)
    SELECT :replica, :count, clock_timestamp(), clock_timestamp(),
           clock_timestamp() + make_interval(secs => :ttl_s), passes.last_passes
      FROM passes
    ON CONFLICT (replica_id) DO UPDATE SET
        shard_count = EXCLUDED.shard_count,
        joined_at = CASE WHEN m.expires_at > EXCLUDED.heartbeat_at THEN m.joined_at ELSE EXCLUDED.joined_at END,
        heartbeat_at = EXCLUDED.heartbeat_at,
        expires_at = EXCLUDED.expires_at,
        last_passes = EXCLUDED.last_passes
    """
)
# Housekeeping: SKIP LOCKED, so two heartbeats deleting each other's expired rows never deadlock (a member
# rejoining holds its own row until it commits).
DELETE_EXPIRED_MEMBERS = text(
    """
    DELETE FROM canonicalizer_members
     WHERE replica_id IN (SELECT replica_id FROM canonicalizer_members
                           WHERE expires_at <= clock_timestamp() FOR UPDATE SKIP LOCKED)
       AND expires_at <= clock_timestamp()
    """
)
LIVE_MEMBERS = text(
    """
    SELECT replica_id, shard_count, expires_at FROM canonicalizer_members
     WHERE clock_timestamp() < expires_at ORDER BY replica_id
    """
)
# The LIKE narrows the scan; the strict name parse in Python decides.
SHARD_ROWS = text(
    f"""
    SELECT lease_name, holder_id, fence_token, expires_at, clock_timestamp() < expires_at
      FROM worker_leases WHERE lease_name LIKE '{SHARD_LEASE_PREFIX}%-of-' || :count
    """
)
RELEASE_MANY = text(
    """
    UPDATE worker_leases w SET expires_at = clock_timestamp()
      FROM unnest(CAST(:names AS text[]), CAST(:tokens AS bigint[])) AS r(name, token)
     WHERE w.lease_name = r.name AND w.holder_id = :holder AND w.fence_token = r.token
       AND clock_timestamp() < w.expires_at
    """
)
LEAVE = text("DELETE FROM canonicalizer_members WHERE replica_id = :replica")


def _fences(holder_id: str, leases: list[Lease]) -> dict[str, object]:
    return {
        "holder": holder_id,
        "names": [lease.name for lease in leases],
        "tokens": [lease.fence_token for lease in leases],
    }


class PostgresShardStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def heartbeat(
        self,
        replica_id: str,
        shard_count: int,
        member_ttl_ms: int,
        lease_ttl_ms: int,
        renew: list[Lease],
        passes: Sequence[PassReport] = (),
    ) -> HeartbeatResult:
        async with store_errors(), self._engine.begin() as conn:
            renewed = []
            if renew:
                params = {**_fences(replica_id, renew), "ttl_s": lease_ttl_ms / 1000.0}
                renewed = [to_lease(row) for row in (await conn.execute(RENEW_MANY, params)).all()]
            member = {
                "replica": replica_id,
                "count": shard_count,
                "ttl_s": member_ttl_ms / 1000.0,
                "passes": passes_to_json(passes),
            }
            await conn.execute(UPSERT_MEMBER, member)
            await conn.execute(DELETE_EXPIRED_MEMBERS)
            members = [Member(*row) for row in (await conn.execute(LIVE_MEMBERS)).all()]
            rows = (await conn.execute(SHARD_ROWS, {"count": str(shard_count)})).all()
        holders = []
        for name, holder_id, token, expires_at, live in rows:
            shard = parse_shard_lease_name(name)
            if shard is not None and shard[1] == shard_count:
                holders.append(ShardHolder(ShardRef(*shard), holder_id, token, expires_at, live))
        holders.sort(key=lambda holder: holder.shard.index)
        return HeartbeatResult(members, sorted(renewed, key=by_shard_index), holders)

    async def acquire_shards(
        self, replica_id: str, shard_count: int, indexes: list[int], lease_ttl_ms: int
    ) -> AcquireShardsResult:
        return await acquire_shard_leases(self._engine, replica_id, shard_count, indexes, lease_ttl_ms)

    async def release_shards(self, replica_id: str, leases: list[Lease], leave: bool) -> int:
        async with store_errors(), self._engine.begin() as conn:
            released = (
                (await conn.execute(RELEASE_MANY, _fences(replica_id, leases))).rowcount if leases else 0
            )
            if leave:
                await conn.execute(LEAVE, {"replica": replica_id})
        return int(released)
