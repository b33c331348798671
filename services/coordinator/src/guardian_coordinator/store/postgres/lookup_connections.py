"""A few long-lived autocommit psycopg connections for the hottest read, outside the SQLAlchemy pool.

Every authenticated request of the fleet costs one session lookup. Through the SQLAlchemy pool a single
statement pays for checkout, autocommit switching, reset on checkin and result wrapping: about three times
the driver's own work. Session lookups are one fixed, read-only statement, so they run on their own
connections instead; `CoalescedReads` bounds how many run at once, and so how many connections exist.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any

import psycopg

from guardian_coordinator.domain.errors import StoreUnavailable
from guardian_coordinator.store.postgres.engine import PoolSettings, libpq_url


class LookupConnections:
    def __init__(self, database_url: str, pool: PoolSettings) -> None:
        self._database_url = database_url
        self._pool = pool
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        # CoalescedReads keeps at most this many statements running, so at most this many connections exist.
        self.max_in_flight = pool.session_lookups_in_flight
        self.min_interval_s = pool.session_lookup_interval_ms / 1000

    async def fetch_all(
        self, statement: str, params: Mapping[str, Any] | Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        """Runs one prepared read; a broken connection is dropped, so the next call reconnects."""
        async with self._connection() as conn:
            cursor = await conn.execute(statement, params, prepare=True)
            return await cursor.fetchall()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        try:
            conn = self._idle.pop() if self._idle else await self._connect()
        except (psycopg.Error, OSError, TimeoutError) as exc:
            raise StoreUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        try:
            yield conn
        except (psycopg.Error, OSError, TimeoutError) as exc:
            await _discard(conn)
            raise StoreUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        except BaseException:
            # Cancelled mid-statement: the connection's protocol state is unknown, so it is not reused.
            await _discard(conn)
            raise
        self._idle.append(conn)

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(
            libpq_url(self._database_url),
            autocommit=True,
            connect_timeout=self._pool.connect_timeout_seconds,
            options=f"-c statement_timeout={self._pool.statement_timeout_ms}",
            application_name="guardian-coordinator",
        )


async def _discard(conn: psycopg.AsyncConnection[Any]) -> None:
    with suppress(psycopg.Error, OSError):
        await conn.close()
