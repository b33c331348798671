"""pytest fixtures shared by the whole workspace (loaded from the root conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from guardian_testing.database import TestDatabaseServer, test_database_server
from guardian_testing.fault_proxy import FaultProxy
from guardian_testing.processes import ServiceProcess, start

StartService = Callable[..., ServiceProcess]


@pytest.fixture(scope="session")
def db_server() -> Iterator[TestDatabaseServer]:
    with test_database_server() as server:
        yield server


@pytest.fixture(scope="session")
def run_database_url(db_server: TestDatabaseServer) -> str:
    """One database for the whole run, shared by tests that use their own keys."""
    return db_server.create_database()


@pytest.fixture
def fresh_database_url(db_server: TestDatabaseServer) -> str:
    """An empty database for this test alone."""
    return db_server.create_database()


@pytest.fixture(scope="session")
def service_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service-logs")


def _service_starter(log_dir: Path) -> tuple[StartService, list[ServiceProcess]]:
    started: list[ServiceProcess] = []

    def start_service(script: str, name: str | None = None, **env: str) -> ServiceProcess:
        env.setdefault("GUARDIAN_GRPC_ADDR", "127.0.0.1:0")
        env.setdefault("GUARDIAN_HTTP_ADDR", "127.0.0.1:0")
        process = start(script, env, log_dir, name)
        started.append(process)
        return process

    return start_service, started


@pytest.fixture
def start_service(service_log_dir: Path) -> Iterator[StartService]:
    """Starts real service processes (`start_service("guardian-coordinator", DATABASE_URL=...)`)."""
    starter, started = _service_starter(service_log_dir)
    yield starter
    for process in started:
        process.stop()


@pytest.fixture(scope="module")
def start_module_service(service_log_dir: Path) -> Iterator[StartService]:
    starter, started = _service_starter(service_log_dir)
    yield starter
    for process in started:
        process.stop()


@pytest.fixture
def fault_proxy_for() -> Iterator[Callable[[str], FaultProxy]]:
    proxies: list[FaultProxy] = []

    def make(upstream_url: str) -> FaultProxy:
        proxy = FaultProxy(upstream_url).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()
