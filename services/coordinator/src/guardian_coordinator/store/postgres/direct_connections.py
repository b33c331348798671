"""A few long-lived autocommit psycopg connections for the hottest statements, outside the SQLAlchemy pool.

Every authenticated request of the fleet costs one session lookup, and every signed custody request one signed
read. Through the SQLAlchemy pool a single statement pays for checkout, autocommit switching, reset on checkin
and result wrapping: about twice the driver's own work (measured in docs/coordinator.md, "Direct
connections"). These fixed statements run on connections of their own instead. Each `DirectConnections` holds
at most `max_connections` of them; a call that finds them all busy waits up to the pool's acquire timeout,
then answers StoreUnavailable like an exhausted pool.

Failures: every call is bounded on the client side too (connect timeout + a statement timeout per round trip +
a margin), so a connection that goes silent cannot hold callers or connection slots until TCP gives up. A
reused connection that turns out to be dead (the database restarted, a proxy closed it while idle) is replaced
and the statement sent once more on a fresh one (a transaction is run again only if its COMMIT was never sent:
`in_transaction`). For a read the retry starts later, so it can only see newer state. For the signed read,
whose statement also raises a replay floor, the retry can only be stricter: had the first attempt reached the
server, the floor already holds the timestamp and the retry answers a replay (a refusal, never a request let
through twice).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any, TypeVar

import psycopg
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue
from psycopg.rows import dict_row
from sqlalchemy import TextClause
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect

from guardian_coordinator.domain.errors import StoreUnavailable
from guardian_coordinator.store.postgres.engine import PoolSettings, libpq_url

# Added to connect + statement timeout for the client-side bound of one call.
CALL_MARGIN_S = 1.0
T = TypeVar("T")
_DIALECT = psycopg_dialect.dialect()  # type: ignore[no-untyped-call]
TRACER = trace.get_tracer("guardian.coordinator.direct_connections")


def direct_sql(statement: TextClause) -> str:
    """A `text()` statement in psycopg's own placeholders (`:name` → `%(name)s`, a literal `%` doubled), so one
    statement text serves both the pool and the direct connections."""
    return str(statement.compile(dialect=_DIALECT))


async def named_rows(
    conn: psycopg.AsyncConnection[Any], statement: str, params: Mapping[str, Any] | Sequence[Any]
) -> list[dict[str, Any]]:
    """One prepared statement's rows as dicts by column name."""
    cursor = conn.cursor(row_factory=dict_row)
    await cursor.execute(statement, params, prepare=True)
    return await cursor.fetchall()


class DirectConnections:
    def __init__(self, database_url: str, pool: PoolSettings, *, max_connections: int) -> None:
        self._database_url = database_url
        self._pool = pool
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._closed = False
        self._abandoned: set[asyncio.Future[Any]] = set()
        self.max_connections = max_connections
        self._slots = asyncio.Semaphore(max_connections)
        self._call_bound_s = pool.connect_timeout_seconds + pool.statement_timeout_ms / 1000 + CALL_MARGIN_S

    async def fetch_all(
        self,
        statement: str,
        params: Mapping[str, Any] | Sequence[Any],
        *,
        span: str,
        named: bool = False,
        attributes: Mapping[str, AttributeValue] | None = None,
    ) -> list[Any]:
        """Runs one prepared statement in autocommit; rows as tuples, or dicts by column name when `named`. Any
        failure is StoreUnavailable, never an empty answer.

        Not on the SQLAlchemy engine, so not traced by its instrumentation: the call is one client span named
        `span`, in the trace of the request that makes it."""
        with TRACER.start_as_current_span(
            span,
            kind=SpanKind.CLIENT,
            attributes={
                "db.system": "postgresql",
                "db.operation": span.split(" ", 1)[0],
                **(attributes or {}),
            },
        ):
            run = functools.partial(self._run, statement, params, named)
            return await self._bounded(self._once_more_if_dead(run), self._call_bound_s)

    async def in_transaction(
        self, body: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]], *, span: str, round_trips: int
    ) -> T:
        """`await body(conn)` in one transaction on a direct connection, in pipeline mode: statements the body
        sends without reading their results go out together with BEGIN, and COMMIT with the last of them, so a
        transaction of several statements costs few round trips. Committed when the body returns; rolled back
        when it raises its own exception, which then goes on.

        Any database failure is StoreUnavailable. The one retry: a reused connection found dead before COMMIT was
        sent (the database restarted while it sat idle) runs the body again on a fresh connection. Nothing of
        the first attempt can have committed, so the body sees the database as if it were the first attempt.

        `round_trips`: how many times the body waits for answers, COMMIT included. The server's statement timeout
        bounds each statement; the whole call is also bounded here (connect timeout + `round_trips` statement
        timeouts + 1 s), so a connection that goes silent answers StoreUnavailable instead of holding the caller
        and a connection slot until TCP gives up. Past that bound the outcome is unknown (COMMIT may have
        reached the server), so it is StoreUnavailable and never retried."""
        bound_s = (
            self._pool.connect_timeout_seconds
            + round_trips * self._pool.statement_timeout_ms / 1000
            + CALL_MARGIN_S
        )
        with TRACER.start_as_current_span(
            span, kind=SpanKind.CLIENT, attributes={"db.system": "postgresql", "db.operation": "TRANSACTION"}
        ):
            run = functools.partial(self._transaction, body)
            return await self._bounded(self._once_more_if_dead(run), bound_s)

    async def _bounded(self, work: Coroutine[Any, Any, T], bound_s: float) -> T:
        """`work` in a connection slot, answered within `bound_s` (StoreUnavailable past it)."""
        if self._closed:
            work.close()
            raise StoreUnavailable("database unavailable: the coordinator is stopping")
        try:
            await self._take_slot()
        except BaseException:
            work.close()
            raise
        call = asyncio.ensure_future(work)
        # The slot comes back when the call has really ended (a done callback also runs for a call cancelled
        # before it started), so an abandoned call keeps its connection counted until psycopg has closed it.
        call.add_done_callback(lambda _: self._slots.release())
        try:
            done, _ = await asyncio.wait({call}, timeout=bound_s)
        except asyncio.CancelledError:
            call.cancel()
            raise
        if not done:
            # Cancelled in the background: psycopg then tries to cancel the query on the server for a few
            # seconds before closing the connection, and the callers waiting here should not wait for that.
            call.cancel()
            self._abandoned.add(call)
            call.add_done_callback(self._forget)
            raise StoreUnavailable(f"database unavailable: no answer within {bound_s:g} s")
        return call.result()

    async def _transaction(
        self, body: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]], *, allow_reuse: bool
    ) -> T:
        conn, reused = await self._check_out(allow_reuse)
        commit_sent = False
        refusal: Exception | None = None
        try:
            async with conn.pipeline():
                await conn.execute("BEGIN")
                try:
                    result = await body(conn)
                except (psycopg.Error, OSError):
                    raise
                except Exception as exc:  # the body's own refusal: nothing it wrote is kept
                    refusal = exc
                else:
                    commit_sent = True
                    await conn.execute("COMMIT")
            if refusal is not None:
                # Outside pipeline mode: on a rollback psycopg forgets the statements it prepared on the
                # connection, and inside a pipeline that bookkeeping lost a statement prepared in the same batch
                # ("prepared statement does not exist" on the next call: the abandon test caught it).
                await conn.execute("ROLLBACK")
        except (psycopg.Error, OSError) as exc:
            await _discard(conn)
            if reused and conn.broken and not commit_sent:
                raise _DeadReusedConnection from exc
            raise StoreUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        except BaseException:
            await _discard(conn)  # cancelled mid-statement: the protocol state is unknown
            raise
        await self._check_in(conn)
        if refusal is not None:
            raise refusal
        return result

    def _forget(self, call: asyncio.Future[Any]) -> None:
        self._abandoned.discard(call)
        if not call.cancelled():
            call.exception()  # retrieved: it was already answered as unavailable

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await _discard(conn)

    async def _take_slot(self) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # a free slot is taken at once, without suspending: no timer needed
            return
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the caller's own cancellation when
        # the slot frees in the same loop turn, and a cancelled push would then go on and write.
        try:
            async with asyncio.timeout(self._pool.acquire_timeout_seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise StoreUnavailable(
                f"database unavailable: all {self.max_connections} direct connections busy for "
                f"{self._pool.acquire_timeout_seconds:g} s"
            ) from None

    @staticmethod
    async def _once_more_if_dead(attempt: Callable[..., Awaitable[T]]) -> T:
        """`attempt(allow_reuse=True)`, and once more on a fresh connection when the idle one it took was dead."""
        try:
            return await attempt(allow_reuse=True)
        except _DeadReusedConnection:
            return await attempt(allow_reuse=False)

    async def _run(
        self, statement: str, params: Mapping[str, Any] | Sequence[Any], named: bool, *, allow_reuse: bool
    ) -> list[Any]:
        async with self._connection(allow_reuse=allow_reuse) as conn:
            if named:
                return await named_rows(conn, statement, params)
            return await (await conn.execute(statement, params, prepare=True)).fetchall()

    async def _check_out(self, allow_reuse: bool) -> tuple[psycopg.AsyncConnection[Any], bool]:
        """A connection and whether it was reused (an idle one may have died since its last use)."""
        reused = allow_reuse and bool(self._idle)
        try:
            return (self._idle.pop() if reused else await self._connect()), reused
        except (psycopg.Error, OSError, TimeoutError) as exc:
            raise StoreUnavailable(f"database unavailable: {type(exc).__name__}") from exc

    async def _check_in(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if self._closed:
            await _discard(conn)
        else:
            self._idle.append(conn)

    @asynccontextmanager
    async def _connection(self, *, allow_reuse: bool) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        conn, reused = await self._check_out(allow_reuse)
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
        await self._check_in(conn)

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
