"""The Postgres-backed coordinator store: one pool, the stores on it."""

from __future__ import annotations

from sqlalchemy import text

from guardian_coordinator.store.postgres.challenges import PostgresChallengeStore
from guardian_coordinator.store.postgres.custody import PostgresCustodyStore
from guardian_coordinator.store.postgres.direct_connections import DirectConnections
from guardian_coordinator.store.postgres.engine import PoolSettings, create_engine, store_errors
from guardian_coordinator.store.postgres.evm import PostgresEvmStore
from guardian_coordinator.store.postgres.fleet import PostgresFleetStore
from guardian_coordinator.store.postgres.leases import PostgresLeaseStore
from guardian_coordinator.store.postgres.proposals import PostgresProposalStore
from guardian_coordinator.store.postgres.sessions import PostgresSessionStore
from guardian_coordinator.store.postgres.shards import PostgresShardStore

SWEEP_BATCH = 1000


class PostgresStore:
    backend = "postgres"
    supports_fencing = True

    def __init__(self, database_url: str, pool: PoolSettings) -> None:
        self.engine = create_engine(database_url, pool)
        self._session_lookups = DirectConnections(
            database_url, pool, max_connections=pool.session_lookups_in_flight
        )
        self._custody_connections = DirectConnections(
            database_url, pool, max_connections=pool.direct_connections
        )
        self.sessions = PostgresSessionStore(
            self.engine,
            self._session_lookups,
            lookup_interval_s=pool.session_lookup_interval_ms / 1000,
            sweep_batch=SWEEP_BATCH,
        )
        self.challenges = PostgresChallengeStore(self.engine, SWEEP_BATCH)
        self.leases = PostgresLeaseStore(self.engine)
        self.custody = PostgresCustodyStore(self.engine, self._custody_connections)
        self.shards = PostgresShardStore(self.engine)
        self.evm = PostgresEvmStore(self.engine)
        self.fleet = PostgresFleetStore(self.engine)
        self.proposals = PostgresProposalStore(self.engine)

    async def schema_revision(self) -> str:
        async with store_errors(), self.engine.connect() as conn:
            return str((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one())

    async def close(self) -> None:
        await self._session_lookups.close()
        await self._custody_connections.close()
        await self.engine.dispose()
