"""pytest fixtures shared by the whole workspace (loaded from the root conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from guardian_testing.database import DatabaseServer, test_database_server
from guardian_testing.evm_node import EvmFixture, EvmNode, deploy_fixture
from guardian_testing.fault_proxy import FaultProxy
from guardian_testing.processes import ServiceProcess, spawn, wait_listening

StartService = Callable[..., ServiceProcess]
StartReplicas = Callable[..., list[ServiceProcess]]


@pytest.fixture(scope="session")
def db_server() -> Iterator[DatabaseServer]:
    with test_database_server() as server:
        yield server


@pytest.fixture(scope="session")
def run_database_url(db_server: DatabaseServer) -> str:
    """One database for the whole run, shared by tests that use their own keys."""
    return db_server.create_database()


@pytest.fixture
def fresh_database_url(db_server: DatabaseServer) -> str:
    """An empty database for this test alone."""
    return db_server.create_database()


@pytest.fixture(scope="session")
def service_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service-logs")


class ServiceStarter:
    """Starts service processes on free loopback ports and stops them all at teardown."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self.started: list[ServiceProcess] = []

    def replicas(self, script: str, count: int, name: str | None = None, **env: str) -> list[ServiceProcess]:
        """Spawns `count` copies at once, then waits for each to listen (they boot in parallel)."""
        env.setdefault("GUARDIAN_GRPC_ADDR", "127.0.0.1:0")
        env.setdefault("GUARDIAN_HTTP_ADDR", "127.0.0.1:0")
        spawned = [spawn(script, env, self._log_dir, f"{name or script}-{i}") for i in range(count)]
        self.started.extend(spawned)
        return [wait_listening(process) for process in spawned]

    def one(self, script: str, name: str | None = None, **env: str) -> ServiceProcess:
        return self.replicas(script, 1, name, **env)[0]

    def stop_all(self) -> None:
        for process in self.started:
            process.stop()


def _service_starter(log_dir: Path) -> tuple[StartService, ServiceStarter]:
    starter = ServiceStarter(log_dir)
    return starter.one, starter


@pytest.fixture
def start_service(service_log_dir: Path) -> Iterator[StartService]:
    """Starts real service processes (`start_service("guardian-coordinator", DATABASE_URL=...)`)."""
    starter, services = _service_starter(service_log_dir)
    yield starter
    services.stop_all()


@pytest.fixture
def start_replicas(service_log_dir: Path) -> Iterator[StartReplicas]:
    """`start_replicas("guardian-coordinator", 3, DATABASE_URL=...)` boots copies in parallel."""
    services = ServiceStarter(service_log_dir)
    yield services.replicas
    services.stop_all()


@pytest.fixture(scope="module")
def module_services(service_log_dir: Path) -> Iterator[ServiceStarter]:
    """A starter whose processes live for the whole test module."""
    services = ServiceStarter(service_log_dir)
    yield services
    services.stop_all()


@pytest.fixture(scope="module")
def start_module_service(service_log_dir: Path) -> Iterator[StartService]:
    starter, services = _service_starter(service_log_dir)
    yield starter
    services.stop_all()


def _fault_proxies() -> Iterator[Callable[[str], FaultProxy]]:
    proxies: list[FaultProxy] = []

    def make(upstream_url: str) -> FaultProxy:
        proxy = FaultProxy(upstream_url).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()


@pytest.fixture(scope="module")
def module_fault_proxy_for() -> Iterator[Callable[[str], FaultProxy]]:
    yield from _fault_proxies()


@pytest.fixture
def fault_proxy_for() -> Iterator[Callable[[str], FaultProxy]]:
    """`fault_proxy_for(database_url)` → a started proxy; `.url()` goes through it, `.cut()`/`.restore()`."""
    yield from _fault_proxies()


@pytest.fixture(scope="session")
def evm_node(service_log_dir: Path) -> Iterator[EvmNode]:
    """One anvil node for the session (tools/evm-node). Tests must not stop it: use start_evm_node for that."""
    node = EvmNode.start(log_dir=service_log_dir)
    yield node
    node.stop()


@pytest.fixture(scope="session")
def evm_fixture(evm_node: EvmNode) -> EvmFixture:
    """EntryPoint, multisig validator and Counter deployed once on `evm_node`; tests deploy their own accounts."""
    return deploy_fixture(evm_node)


@pytest.fixture
def start_evm_node(service_log_dir: Path) -> Iterator[Callable[..., EvmNode]]:
    """`start_evm_node(chain_id=…)` → a private node the test may stop, kill or restart; stopped at teardown."""
    nodes: list[EvmNode] = []

    def start(port: int | None = None, chain_id: int = 31337) -> EvmNode:
        node = EvmNode.start(port=port, chain_id=chain_id, log_dir=service_log_dir)
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        node.stop()


@pytest.fixture(scope="module")
def scraper() -> Iterator[httpx.Client]:
    """An HTTP client for reading services' Prometheus endpoints (guardian_testing.metrics.scrape)."""
    with httpx.Client(timeout=10) as client:
        yield client
