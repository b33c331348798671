"""A few long-lived autocommit psycopg connections for the hottest read, outside the SQLAlchemy pool.

Every authenticated request of the fleet costs one session lookup. Through the SQLAlchemy pool a single
statement pays for checkout, autocommit switching, reset on checkin and result wrapping: about twice the
driver's own work. Session lookups are one fixed, read-only statement, so they run on their own
connections instead; `CoalescedReads` bounds how many run at once, and so how many connections exist.

Failures: every call is bounded on the client side too (connect timeout + statement timeout + a margin),
so a connection that goes silent cannot hold lookups forever. A reused connection that turns out to be
dead (the database restarted, a proxy closed it while idle) is replaced and the read sent once more on a
fresh one: the statement only reads, and the retry starts later, so it can only see newer state.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any

import psycopg

from guardian_coordinator.domain.errors import StoreUnavailable
from guardian_coordinator.store.postgres.engine import PoolSettings, libpq_url

# Added to connect + statement timeout for the client-side bound of one call.
CALL_MARGIN_S = 1.0


class LookupConnections:
    def __init__(self, database_url: str, pool: PoolSettings) -> None:
        self._database_url = database_url
        self._pool = pool
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._closed = False
        self._abandoned: set[asyncio.Future[list[tuple[Any, ...]]]] = set()
        # CoalescedReads keeps at most this many statements running, so at most this many connections exist.
        self.max_in_flight = pool.session_lookups_in_flight
        self.min_interval_s = pool.session_lookup_interval_ms / 1000
        self._call_bound_s = pool.connect_timeout_seconds + pool.statement_timeout_ms / 1000 + CALL_MARGIN_S

    async def fetch_all(
        self, statement: str, params: Mapping[str, Any] | Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        """Runs one prepared read; any failure is StoreUnavailable, never an empty answer."""
        if self._closed:
            raise StoreUnavailable("database unavailable: the coordinator is stopping")
        call = asyncio.ensure_future(self._fetch_all(statement, params))
        try:
            done, _ = await asyncio.wait({call}, timeout=self._call_bound_s)
        except asyncio.CancelledError:
            call.cancel()
            raise
        if not done:
            # Cancelled in the background: psycopg then tries to cancel the query on the server for a few
            # seconds before closing the connection, and the lookups waiting here should not wait for that.
            call.cancel()
            self._abandoned.add(call)
            call.add_done_callback(self._forget)
            raise StoreUnavailable(f"database unavailable: no answer within {self._call_bound_s:g} s")
        return call.result()

    def _forget(self, call: asyncio.Future[list[tuple[Any, ...]]]) -> None:
        self._abandoned.discard(call)
        if not call.cancelled():
            call.exception()  # retrieved: it was already answered as unavailable

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await _discard(conn)

    async def _fetch_all(
        self, statement: str, params: Mapping[str, Any] | Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        try:
            return await self._run(statement, params, allow_reuse=True)
        except _DeadReusedConnection:
            return await self._run(statement, params, allow_reuse=False)

    async def _run(
        self, statement: str, params: Mapping[str, Any] | Sequence[Any], *, allow_reuse: bool
    ) -> list[tuple[Any, ...]]:
        async with self._connection(allow_reuse=allow_reuse) as conn:
            cursor = await conn.execute(statement, params, prepare=True)
            return await cursor.fetchall()

    @asynccontextmanager
    async def _connection(self, *, allow_reuse: bool) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        reused = allow_reuse and bool(self._idle)
        try:
            conn = self._idle.pop() if reused else await self._connect()
        except (psycopg.Error, OSError, TimeoutError) as exc:
            raise StoreUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        try:
            yield conn
        except (psycopg.Error, OSError) as exc:
            await _discard(conn)
            if reused and conn.broken:
                raise _DeadReusedConnection from exc
            raise StoreUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        except BaseException:
            # Cancelled or timed out mid-statement: the protocol state is unknown, so it is not reused.
            await _discard(conn)
            raise
        if self._closed:
            await _discard(conn)
        else:
            self._idle.append(conn)

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(
            libpq_url(self._database_url),
            autocommit=True,
            connect_timeout=self._pool.connect_timeout_seconds,
            options=f"-c statement_timeout={self._pool.statement_timeout_ms}",
            application_name="guardian-coordinator",
        )


class _DeadReusedConnection(Exception):
    """An idle connection was found dead on first use: worth one retry on a fresh connection."""


async def _discard(conn: psycopg.AsyncConnection[Any]) -> None:
    with suppress(psycopg.Error, OSError):
        await conn.close()
