"""worker_leases: one persistent row per lease; the fence token grows on every change of holder.

Lease decisions use clock_timestamp() (statement time), so a long transaction never sees a stale clock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from guardian_common.shards import SHARD_LEASE_PREFIX, parse_shard_lease_name, shard_lease_name
from guardian_coordinator.domain.canonicalization import by_shard_index
from guardian_coordinator.domain.models import AcquireShardsResult, Lease
from guardian_coordinator.store.postgres.engine import single_statements, store_errors

# The acquisition rule: take the row if it is free, expired or already ours; the token grows by one on a
# change of holder. Shared by Leases.Acquire and Canonicalization.AcquireShards.
ACQUIRE_RULE = """
    ON CONFLICT (lease_name) DO UPDATE SET
        holder_id = EXCLUDED.holder_id,
        acquired_at = CASE WHEN held.holder_id = EXCLUDED.holder_id
                           THEN held.acquired_at ELSE EXCLUDED.acquired_at END,
        renewed_at = EXCLUDED.renewed_at,
        expires_at = EXCLUDED.expires_at,
        fence_token = CASE WHEN held.holder_id = EXCLUDED.holder_id
                           THEN held.fence_token ELSE held.fence_token + 1 END
     WHERE held.expires_at <= clock_timestamp() OR held.holder_id = EXCLUDED.holder_id
    RETURNING lease_name, holder_id, fence_token, expires_at
"""
ACQUIRE = text(
    f"""
    INSERT INTO worker_leases AS held
        (lease_name, holder_id, acquired_at, renewed_at, expires_at, fence_token)
    VALUES (:name, :holder, clock_timestamp(), clock_timestamp(),
            clock_timestamp() + make_interval(secs => :ttl_s), 1)
    {ACQUIRE_RULE}
    """
)
# Shard leases: every grant runs under one transaction-level advisory lock, so that the one-count rule
# (no grant while a live shard lease of another count exists) cannot race between two acquisitions.
SHARD_ACQUISITION_LOCK_KEY = int.from_bytes(b"GSHARDS!", "big", signed=True)
LOCK_SHARD_ACQUISITIONS = text("SELECT pg_advisory_xact_lock(:key)")
LIVE_SHARD_LEASES = text(
    f"""
    SELECT lease_name FROM worker_leases
     WHERE lease_name LIKE '{SHARD_LEASE_PREFIX}%' AND clock_timestamp() < expires_at
    """
)
ACQUIRE_MANY = text(
    f"""
    INSERT INTO worker_leases AS held
        (lease_name, holder_id, acquired_at, renewed_at, expires_at, fence_token)
    SELECT name, :holder, clock_timestamp(), clock_timestamp(),
           clock_timestamp() + make_interval(secs => :ttl_s), 1
      FROM unnest(CAST(:names AS text[])) AS name
    {ACQUIRE_RULE}
    """
)
RENEW = text(
    """
    UPDATE worker_leases
       SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + make_interval(secs => :ttl_s)
     WHERE lease_name = :name AND holder_id = :holder AND fence_token = :token
       AND clock_timestamp() < expires_at
    RETURNING lease_name, holder_id, fence_token, expires_at
    """
)
VERIFY = text(
    """
    SELECT 1 FROM worker_leases
     WHERE lease_name = :name AND holder_id = :holder AND fence_token = :token
       AND clock_timestamp() < expires_at
    """
)
RELEASE = text(
    """
    UPDATE worker_leases SET expires_at = clock_timestamp()
     WHERE lease_name = :name AND holder_id = :holder AND fence_token = :token
       AND clock_timestamp() < expires_at
    """
)


def fence_params(lease: Lease) -> dict[str, object]:
    return {"name": lease.name, "holder": lease.holder_id, "token": lease.fence_token}


def to_lease(row: Any) -> Lease:
    return Lease(row[0], row[1], row[2], row[3])


async def acquire_shard_leases(
    engine: AsyncEngine, holder_id: str, count: int, indexes: list[int], ttl_ms: int
) -> AcquireShardsResult:
    """The one path that grants shard leases: under the advisory lock, nothing while a live shard lease of
    another count exists, else each shard by the acquisition rule."""
    names = [shard_lease_name(index, count) for index in indexes]
    async with store_errors(), engine.begin() as conn:
        await conn.execute(LOCK_SHARD_ACQUISITIONS, {"key": SHARD_ACQUISITION_LOCK_KEY})
        live = (parse_shard_lease_name(row[0]) for row in (await conn.execute(LIVE_SHARD_LEASES)).all())
        others = {shard[1] for shard in live if shard is not None and shard[1] != count}
        if others:
            return AcquireShardsResult([], min(others))
        params = {"names": names, "holder": holder_id, "ttl_s": ttl_ms / 1000.0}
        rows = (await conn.execute(ACQUIRE_MANY, params)).all()
    return AcquireShardsResult(sorted(map(to_lease, rows), key=by_shard_index))


class PostgresLeaseStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._one_shot = single_statements(engine)

    async def acquire(self, name: str, holder_id: str, ttl_ms: int) -> Lease | None:
        shard = parse_shard_lease_name(name)
        if shard is not None:  # the one-count rule holds on every path that grants a shard lease
            granted = await acquire_shard_leases(self._engine, holder_id, shard[1], [shard[0]], ttl_ms)
            return granted.acquired[0] if granted.acquired else None
        params = {"name": name, "holder": holder_id, "ttl_s": ttl_ms / 1000.0}
        async with store_errors(), self._one_shot.connect() as conn:
            row = (await conn.execute(ACQUIRE, params)).first()
        return None if row is None else to_lease(row)

    async def renew(self, lease: Lease, ttl_ms: int) -> Lease | None:
        async with store_errors(), self._one_shot.connect() as conn:
            row = (await conn.execute(RENEW, {**fence_params(lease), "ttl_s": ttl_ms / 1000.0})).first()
        return None if row is None else to_lease(row)

    async def verify(self, lease: Lease) -> bool:
        async with store_errors(), self._one_shot.connect() as conn:
            return (await conn.execute(VERIFY, fence_params(lease))).first() is not None

    async def release(self, lease: Lease) -> None:
        async with store_errors(), self._one_shot.connect() as conn:
            await conn.execute(RELEASE, fence_params(lease))
