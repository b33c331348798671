"""DirectConnections on a real PostgreSQL: a failure is an UNAVAILABLE answer, never a wrong one; a dead idle
connection is replaced without failing the lookup; a silent connection cannot hold lookups forever; no more
connections than the bound exist, and a caller that cannot get one in time is answered UNAVAILABLE."""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from guardian_coordinator.domain.errors import StoreUnavailable
from guardian_coordinator.store.postgres.direct_connections import DirectConnections, direct_sql
from guardian_coordinator.store.postgres.engine import PoolSettings
from guardian_testing.fault_proxy import FaultProxy

WHO_AM_I = "SELECT pg_backend_pid(), %s::int"
SPAN = "SELECT pg_backend_pid"


OpenLookups = Callable[..., DirectConnections]


@pytest.fixture
async def open_lookups() -> AsyncIterator[OpenLookups]:
    """`open_lookups(url, settings, max_connections)`: DirectConnections closed at the end of the test."""
    opened: list[DirectConnections] = []

    def open_one(
        database_url: str, settings: PoolSettings | None = None, max_connections: int = 2
    ) -> DirectConnections:
        opened.append(
            DirectConnections(database_url, settings or PoolSettings(), max_connections=max_connections)
        )
        return opened[-1]

    yield open_one
    for lookups in opened:
        await lookups.close()


async def backend_pid(lookups: DirectConnections, marker: int) -> int:
    [(pid, echoed)] = await lookups.fetch_all(WHO_AM_I, (marker,), span=SPAN)
    assert echoed == marker
    return int(pid)


async def test_an_idle_connection_is_reused_and_a_dead_one_replaced_without_failing_the_lookup(
    run_database_url: str, open_lookups: OpenLookups
) -> None:
    lookups = open_lookups(run_database_url)
    pid = await backend_pid(lookups, 1)
    assert await backend_pid(lookups, 2) == pid, "an idle connection is reused"

    async with await psycopg.AsyncConnection.connect(run_database_url, autocommit=True) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    replaced = await backend_pid(lookups, 3)
    assert replaced != pid
    assert await backend_pid(lookups, 4) == replaced


async def test_a_cut_database_is_unavailable_and_lookups_recover_by_themselves(
    run_database_url: str, fault_proxy_for: Callable[[str], FaultProxy], open_lookups: OpenLookups
) -> None:
    proxy = fault_proxy_for(run_database_url)
    lookups = open_lookups(proxy.url(), PoolSettings(connect_timeout_seconds=2))
    await backend_pid(lookups, 1)
    proxy.cut()
    for marker in range(3):
        with pytest.raises(StoreUnavailable, match="database unavailable"):
            await lookups.fetch_all(WHO_AM_I, (marker,), span=SPAN)
    proxy.restore()
    await backend_pid(lookups, 5)


async def test_a_silent_connection_is_unavailable_within_the_bound_not_forever(
    run_database_url: str, fault_proxy_for: Callable[[str], FaultProxy], open_lookups: OpenLookups
) -> None:
    proxy = fault_proxy_for(run_database_url)
    lookups = open_lookups(proxy.url(), PoolSettings(connect_timeout_seconds=1, statement_timeout_ms=200))
    await backend_pid(lookups, 1)
    proxy.stall()  # bytes stop flowing, nothing is closed: the server's statement_timeout cannot help
    with pytest.raises(StoreUnavailable, match="no answer within"):
        await lookups.fetch_all(WHO_AM_I, (2,), span=SPAN)
    proxy.restore()
    await backend_pid(lookups, 3)


async def test_an_unreachable_database_is_unavailable(unused_tcp_port: int) -> None:
    lookups = DirectConnections(
        f"postgresql://nobody@127.0.0.1:{unused_tcp_port}/none", PoolSettings(), max_connections=1
    )
    with pytest.raises(StoreUnavailable, match="database unavailable"):
        await lookups.fetch_all(WHO_AM_I, (1,), span=SPAN)


async def test_the_statement_timeout_applies(run_database_url: str, open_lookups: OpenLookups) -> None:
    lookups = open_lookups(run_database_url, PoolSettings(statement_timeout_ms=50))
    with pytest.raises(StoreUnavailable, match="database unavailable"):
        await lookups.fetch_all("SELECT pg_sleep(%s)", (5,), span=SPAN)


async def test_after_close_lookups_are_refused(run_database_url: str) -> None:
    lookups = DirectConnections(run_database_url, PoolSettings(), max_connections=1)
    await backend_pid(lookups, 1)
    await lookups.close()
    with pytest.raises(StoreUnavailable, match="stopping"):
        await lookups.fetch_all(WHO_AM_I, (2,), span=SPAN)


async def test_no_more_connections_than_the_bound_and_a_caller_that_cannot_get_one_is_unavailable(
    run_database_url: str, open_lookups: OpenLookups
) -> None:
    lookups = open_lookups(run_database_url, PoolSettings(acquire_timeout_seconds=0.5), max_connections=2)
    sleep = "SELECT pg_backend_pid() FROM pg_sleep(%s)"
    held = [asyncio.ensure_future(lookups.fetch_all(sleep, (1.5,), span=SPAN)) for _ in range(2)]
    await asyncio.sleep(0)  # one loop turn: both calls take their connection slot before anything awaits
    # The third caller finds both connections busy past the acquire timeout: refused, not queued for ever.
    with pytest.raises(StoreUnavailable, match="all 2 direct connections busy"):
        await lookups.fetch_all(WHO_AM_I, (3,), span=SPAN)
    first, second = [rows[0][0] for rows in await asyncio.gather(*held)]
    assert first != second
    # Ten at once run two at a time, all on those two connections.
    pids = set(await asyncio.gather(*(backend_pid(lookups, n) for n in range(10))))
    assert pids <= {first, second}


async def test_named_rows_and_statements_written_for_sqlalchemy(
    run_database_url: str, open_lookups: OpenLookups
) -> None:
    lookups = open_lookups(run_database_url)
    statement = direct_sql(text("SELECT CAST(:word AS text) AS word, '100%' AS literal, 2::int AS cast"))
    assert await lookups.fetch_all(statement, {"word": "a:b"}, span=SPAN, named=True) == [
        {"word": "a:b", "literal": "100%", "cast": 2}
    ]


class Refused(Exception):
    """A refusal raised by a transaction's body."""


async def test_a_transaction_commits_when_its_body_returns_and_keeps_nothing_when_it_raises(
    run_database_url: str, open_lookups: OpenLookups
) -> None:
    lookups = open_lookups(run_database_url, max_connections=1)
    table = f"direct_tx_{secrets.token_hex(4)}"
    async with await psycopg.AsyncConnection.connect(run_database_url, autocommit=True) as admin:
        await admin.execute(f"CREATE TABLE {table} (n int PRIMARY KEY)")

        async def insert(n: int, refuse: bool, conn: psycopg.AsyncConnection[Any]) -> int:
            # Prepared, as the store's statements are, and sent with BEGIN without reading its answer.
            await conn.execute(f"INSERT INTO {table} VALUES (%s)", (n,), prepare=True)
            [(pid,)] = await (await conn.execute("SELECT pg_backend_pid()", prepare=True)).fetchall()
            if refuse:
                raise Refused(pid)
            return int(pid)

        pid = await lookups.in_transaction(functools.partial(insert, 1, False), span=SPAN, round_trips=2)
        # Refusals and commits in turn on the one connection: a rollback must not lose the prepared statements
        # that the next call uses (psycopg forgets them on a rollback).
        for n in range(2, 8):
            if n % 2:
                assert (
                    await lookups.in_transaction(
                        functools.partial(insert, n, False), span=SPAN, round_trips=2
                    )
                    == pid
                )
            else:
                with pytest.raises(Refused):
                    await lookups.in_transaction(functools.partial(insert, n, True), span=SPAN, round_trips=2)
            assert await backend_pid(lookups, n) == pid
        # A database error in the body (a duplicate key) is UNAVAILABLE, and nothing of it is kept either.
        with pytest.raises(StoreUnavailable, match="UniqueViolation"):
            await lookups.in_transaction(functools.partial(insert, 1, False), span=SPAN, round_trips=2)
        assert (
            await lookups.in_transaction(functools.partial(insert, 9, False), span=SPAN, round_trips=2) != pid
        ), "the connection that failed was closed, not reused"
        rows = await (await admin.execute(f"SELECT n FROM {table} ORDER BY n")).fetchall()
        assert rows == [(1,), (3,), (5,), (7,), (9,)]


async def test_a_transaction_on_a_dead_idle_connection_runs_again_on_a_fresh_one(
    run_database_url: str, open_lookups: OpenLookups
) -> None:
    lookups = open_lookups(run_database_url, max_connections=1)
    table = f"direct_tx_{secrets.token_hex(4)}"
    runs: list[int] = []

    async def insert(conn: psycopg.AsyncConnection[Any]) -> int:
        runs.append(1)
        await conn.execute(f"INSERT INTO {table} VALUES (1)")
        [(pid,)] = await (await conn.execute("SELECT pg_backend_pid()")).fetchall()
        return int(pid)

    async with await psycopg.AsyncConnection.connect(run_database_url, autocommit=True) as admin:
        await admin.execute(f"CREATE TABLE {table} (n int PRIMARY KEY)")
        idle = await backend_pid(lookups, 1)
        await admin.execute("SELECT pg_terminate_backend(%s)", (idle,))
        fresh = await lookups.in_transaction(insert, span=SPAN, round_trips=2)
        # Without an error, on a new connection. Whether the first attempt reached the body depends on when the
        # client notices the dead socket (at BEGIN's send or at the body's first read), hence one or two runs.
        assert fresh != idle and len(runs) in (1, 2)
        assert await (await admin.execute(f"SELECT count(*) FROM {table}")).fetchall() == [(1,)]


async def test_a_silent_connection_cannot_hold_a_transaction_or_its_slot(
    run_database_url: str, fault_proxy_for: Callable[[str], FaultProxy], open_lookups: OpenLookups
) -> None:
    proxy = fault_proxy_for(run_database_url)
    settings = PoolSettings(connect_timeout_seconds=1, statement_timeout_ms=200)
    lookups = open_lookups(proxy.url(), settings, max_connections=1)

    async def one(conn: psycopg.AsyncConnection[Any]) -> int:
        [(n,)] = await (await conn.execute("SELECT 1")).fetchall()
        return int(n)

    assert await lookups.in_transaction(one, span=SPAN, round_trips=2) == 1
    proxy.stall()  # bytes stop flowing, nothing is closed: the server's statement_timeout cannot help
    # Bounded at connect timeout + 2 statement timeouts + 1 s = 2.4 s, not by TCP.
    with pytest.raises(StoreUnavailable, match=r"no answer within 2\.4 s"):
        await lookups.in_transaction(one, span=SPAN, round_trips=2)
    proxy.restore()
    assert await lookups.in_transaction(one, span=SPAN, round_trips=2) == 1


async def test_a_caller_cancelled_while_waiting_for_a_connection_never_runs_its_transaction(
    run_database_url: str, open_lookups: OpenLookups
) -> None:
    lookups = open_lookups(run_database_url, max_connections=1)
    release, holding = asyncio.Event(), asyncio.Event()
    ran: list[str] = []

    async def holder(conn: psycopg.AsyncConnection[Any]) -> None:
        ran.append("holder")
        holding.set()
        await release.wait()

    async def waiter(conn: psycopg.AsyncConnection[Any]) -> None:
        ran.append("waiter")

    held = asyncio.ensure_future(lookups.in_transaction(holder, span=SPAN, round_trips=1))
    await holding.wait()  # the holder's body runs, on the one connection
    waiting = asyncio.ensure_future(lookups.in_transaction(waiter, span=SPAN, round_trips=1))
    await asyncio.sleep(0)  # one loop turn: it now waits for the slot
    waiting.cancel()
    release.set()
    await held
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert ran == ["holder"], "the cancelled caller's body never ran"
    assert await backend_pid(lookups, 1) > 0, "and its slot is free"
