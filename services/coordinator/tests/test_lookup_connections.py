"""LookupConnections on a real PostgreSQL: a dead connection is an UNAVAILABLE answer, never a wrong one,
and the next lookup reconnects by itself."""

from __future__ import annotations

import psycopg
import pytest

from guardian_coordinator.domain.errors import StoreUnavailable
from guardian_coordinator.store.postgres.engine import PoolSettings
from guardian_coordinator.store.postgres.lookup_connections import LookupConnections

WHO_AM_I = "SELECT pg_backend_pid(), %s::int"


async def test_a_killed_connection_fails_that_lookup_and_the_next_one_reconnects(
    run_database_url: str,
) -> None:
    lookups = LookupConnections(run_database_url, PoolSettings())
    try:
        [(pid, echoed)] = await lookups.fetch_all(WHO_AM_I, (7,))
        assert echoed == 7
        [(same_pid, _)] = await lookups.fetch_all(WHO_AM_I, (8,))
        assert same_pid == pid, "an idle connection is reused"

        async with await psycopg.AsyncConnection.connect(run_database_url, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

        with pytest.raises(StoreUnavailable, match="database unavailable"):
            await lookups.fetch_all(WHO_AM_I, (9,))
        [(new_pid, echoed)] = await lookups.fetch_all(WHO_AM_I, (10,))
        assert new_pid != pid and echoed == 10
    finally:
        await lookups.close()


async def test_an_unreachable_database_is_unavailable(unused_tcp_port: int) -> None:
    lookups = LookupConnections(f"postgresql://nobody@127.0.0.1:{unused_tcp_port}/none", PoolSettings())
    with pytest.raises(StoreUnavailable, match="database unavailable"):
        await lookups.fetch_all(WHO_AM_I, (1,))


async def test_the_statement_timeout_applies(run_database_url: str) -> None:
    lookups = LookupConnections(run_database_url, PoolSettings(statement_timeout_ms=50))
    try:
        with pytest.raises(StoreUnavailable, match="database unavailable"):
            await lookups.fetch_all("SELECT pg_sleep(%s)", (5,))
    finally:
        await lookups.close()
