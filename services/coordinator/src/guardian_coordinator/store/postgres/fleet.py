"""The fleet snapshot on Postgres: canonicalizer_members and worker_leases read in one REPEATABLE READ
transaction, so members and leases are seen at the same moment, judged by the database clock."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from guardian_coordinator.domain.fleet import FleetLease, FleetMember, FleetSnapshot, passes_from_json
from guardian_coordinator.store.postgres.engine import store_errors

NOW = text("SELECT clock_timestamp()")
MEMBERS = text(
    """
    SELECT replica_id, shard_count, joined_at, heartbeat_at, expires_at, expires_at > :now, last_passes::text
      FROM canonicalizer_members
    """
)
LEASES = text(
    """
    SELECT lease_name, holder_id, fence_token, acquired_at, renewed_at, expires_at, expires_at > :now
      FROM worker_leases
    """
)


class PostgresFleetStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def fleet_snapshot(self) -> FleetSnapshot:
        async with store_errors(), self._engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                now = (await conn.execute(NOW)).scalar_one()
                members = [
                    FleetMember(replica, count, joined, beat, expires, live, passes_from_json(passes))
                    for replica, count, joined, beat, expires, live, passes in (
                        await conn.execute(MEMBERS, {"now": now})
                    ).all()
                ]
                leases = [FleetLease(*row) for row in (await conn.execute(LEASES, {"now": now})).all()]
        return FleetSnapshot(now, members, leases)
