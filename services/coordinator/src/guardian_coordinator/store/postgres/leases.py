"""worker_leases: one persistent row per lease; the fence token grows on every change of holder.

Lease decisions use clock_timestamp() (statement time), so a long transaction never sees a stale clock.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from guardian_coordinator.domain.models import Lease
from guardian_coordinator.store.postgres.engine import single_statements, store_errors

ACQUIRE = text(
    """
    INSERT INTO worker_leases AS held
        (lease_name, holder_id, acquired_at, renewed_at, expires_at, fence_token)
    VALUES (:name, :holder, clock_timestamp(), clock_timestamp(),
            clock_timestamp() + make_interval(secs => :ttl_s), 1)
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


class PostgresLeaseStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._one_shot = single_statements(engine)

    async def acquire(self, name: str, holder_id: str, ttl_ms: int) -> Lease | None:
        params = {"name": name, "holder": holder_id, "ttl_s": ttl_ms / 1000.0}
        async with store_errors(), self._one_shot.connect() as conn:
            row = (await conn.execute(ACQUIRE, params)).first()
        return None if row is None else Lease(row[0], row[1], row[2], row[3])

    async def renew(self, lease: Lease, ttl_ms: int) -> Lease | None:
        async with store_errors(), self._one_shot.connect() as conn:
            row = (await conn.execute(RENEW, {**fence_params(lease), "ttl_s": ttl_ms / 1000.0})).first()
        return None if row is None else Lease(row[0], row[1], row[2], row[3])

    async def verify(self, lease: Lease) -> bool:
        async with store_errors(), self._one_shot.connect() as conn:
            return (await conn.execute(VERIFY, fence_params(lease))).first() is not None

    async def release(self, lease: Lease) -> None:
        async with store_errors(), self._one_shot.connect() as conn:
            await conn.execute(RELEASE, fence_params(lease))
