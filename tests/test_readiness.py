"""Liveness and readiness over gRPC health (docs/runbooks/container-fleet.md "Liveness and readiness"): the
overall service ("") stays SERVING while the process serves; "readiness" and the service names follow the
dependencies: PostgreSQL for the coordinator, the coordinator for auth and the canonicalizer. Real processes,
a real database behind the tests' fault proxy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from guardian_testing.fault_proxy import FaultProxy
from guardian_testing.fixtures import StartService

pytestmark = pytest.mark.slow
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def health(target: str, service: str) -> int:
    async with grpc.aio.insecure_channel(target) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=5
        )
    return int(reply.status)


async def wait_status(target: str, service: str, wanted: int, within: float = 30) -> None:
    """Polls until `service` reports `wanted` (the probe runs every 2 s)."""
    deadline = time.monotonic() + within
    while (status := await health(target, service)) != wanted:
        assert time.monotonic() < deadline, f"{target} {service or '(overall)'}: {status}, wanted {wanted}"
        await asyncio.sleep(0.2)


async def test_readiness_follows_the_database_and_the_coordinator_while_liveness_holds(
    start_service: StartService, fresh_database_url: str, fault_proxy_for: Callable[[str], FaultProxy]
) -> None:
    proxy = fault_proxy_for(fresh_database_url)
    coordinator = start_service(
        "guardian-coordinator",
        DATABASE_URL=proxy.url(),
        GUARDIAN_DB_CONNECT_TIMEOUT_SECONDS="1",
        GUARDIAN_DB_POOL_ACQUIRE_TIMEOUT_SECONDS="1",
    )
    auth = start_service("guardian-auth", GUARDIAN_COORDINATOR_TARGET=coordinator.grpc_target)
    for target in (coordinator.grpc_target, auth.grpc_target):
        assert await health(target, "") == SERVING
        await wait_status(target, "readiness", SERVING)

    # The database is cut off: the coordinator is alive but not ready; auth still reaches the coordinator.
    proxy.cut()
    await wait_status(coordinator.grpc_target, "readiness", NOT_SERVING)
    await wait_status(coordinator.grpc_target, "guardian.coordinator.v1.Custody", NOT_SERVING)
    assert await health(coordinator.grpc_target, "") == SERVING
    assert await health(auth.grpc_target, "readiness") == SERVING
    proxy.restore()
    await wait_status(coordinator.grpc_target, "readiness", SERVING)

    # The coordinator is gone: auth is alive but not ready, and ready again once a coordinator answers.
    coordinator.stop()
    await wait_status(auth.grpc_target, "readiness", NOT_SERVING)
    assert await health(auth.grpc_target, "") == SERVING
