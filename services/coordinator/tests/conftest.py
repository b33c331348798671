"""Fixtures shared by the coordinator's contract tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.fixtures import StartService


@pytest.fixture(scope="module", params=["memory", "postgres"])
async def client(
    request: pytest.FixtureRequest, start_module_service: StartService, run_database_url: str
) -> AsyncIterator[CoordinatorClient]:
    """A client of a real coordinator process on each backend, shared by the tests of one module."""
    # No background sweep after the one at start: the tests' own Sweep calls must find what expired.
    env = {"GUARDIAN_SWEEP_INTERVAL_SECONDS": "86400"}
    if request.param == "postgres":
        env["DATABASE_URL"] = run_database_url
    module = request.node.path.stem.removeprefix("test_")
    process = start_module_service("guardian-coordinator", name=f"{module}-{request.param}", **env)
    async with CoordinatorClient(process.grpc_target) as c:
        yield c
