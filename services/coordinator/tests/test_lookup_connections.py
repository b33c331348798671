"""LookupConnections on a real PostgreSQL: a failure is an UNAVAILABLE answer, never a wrong one; a dead idle
connection is replaced without failing the lookup; a silent connection cannot hold lookups forever."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import psycopg
import pytest

from guardian_coordinator.domain.errors import StoreUnavailable
from guardian_coordinator.store.postgres.engine import PoolSettings
from guardian_coordinator.store.postgres.lookup_connections import LookupConnections
from guardian_testing.fault_proxy import FaultProxy

WHO_AM_I = "SELECT pg_backend_pid(), %s::int"


OpenLookups = Callable[..., LookupConnections]


@pytest.fixture
async def open_lookups() -> AsyncIterator[OpenLookups]:
    """`open_lookups(url, settings)`: LookupConnections closed at the end of the test."""
    opened: list[LookupConnections] = []

    def open_one(database_url: str, settings: PoolSettings | None = None) -> LookupConnections:
        opened.append(LookupConnections(database_url, settings or PoolSettings()))
        return opened[-1]

    yield open_one
    for lookups in opened:
        await lookups.close()


async def backend_pid(lookups: LookupConnections, marker: int) -> int:
    [(pid, echoed)] = await lookups.fetch_all(WHO_AM_I, (marker,))
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
            await lookups.fetch_all(WHO_AM_I, (marker,))
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
        await lookups.fetch_all(WHO_AM_I, (2,))
    proxy.restore()
    await backend_pid(lookups, 3)


async def test_an_unreachable_database_is_unavailable(unused_tcp_port: int) -> None:
    lookups = LookupConnections(f"postgresql://nobody@127.0.0.1:{unused_tcp_port}/none", PoolSettings())
    with pytest.raises(StoreUnavailable, match="database unavailable"):
        await lookups.fetch_all(WHO_AM_I, (1,))


async def test_the_statement_timeout_applies(run_database_url: str, open_lookups: OpenLookups) -> None:
    lookups = open_lookups(run_database_url, PoolSettings(statement_timeout_ms=50))
    with pytest.raises(StoreUnavailable, match="database unavailable"):
        await lookups.fetch_all("SELECT pg_sleep(%s)", (5,))


async def test_after_close_lookups_are_refused(run_database_url: str) -> None:
    lookups = LookupConnections(run_database_url, PoolSettings())
    await backend_pid(lookups, 1)
    await lookups.close()
    with pytest.raises(StoreUnavailable, match="stopping"):
        await lookups.fetch_all(WHO_AM_I, (2,))
