"""Six coordinators started at once on an empty database: the schema is migrated exactly once."""

from __future__ import annotations

import re
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_common.coordination_line import LISTENING
from guardian_coordinator.store.postgres.migrate import all_revisions, head_revision
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.processes import ServiceProcess, spawn

pytestmark = pytest.mark.slow


async def test_six_replicas_starting_together_migrate_once(
    fresh_database_url: str, service_log_dir: Path
) -> None:
    processes: list[ServiceProcess] = [
        spawn(
            "guardian-coordinator",
            {"DATABASE_URL": fresh_database_url, "GUARDIAN_GRPC_ADDR": "127.0.0.1:0"},
            service_log_dir,
            f"coordinator-{i}",
        )
        for i in range(6)
    ]
    try:
        applied = []
        for process in processes:
            applied.append(int(re.search(r"applied=(\d+)", process.read_until(r"^migrations applied="))[1]))  # type: ignore[index]
            address = LISTENING.search(process.read_until(LISTENING.pattern))["address"]  # type: ignore[index]
            async with grpc.aio.insecure_channel(address) as channel:
                health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
                assert health.status == health_pb2.HealthCheckResponse.SERVING
            async with CoordinatorClient(address) as client:
                described = await client.coordination.Describe(pb.DescribeRequest())
                assert described.schema_revision == head_revision()
        revisions = len(list(all_revisions()))
        assert sorted(applied) == [0, 0, 0, 0, 0, revisions], "exactly one replica ran every migration"
    finally:
        for process in processes:
            process.stop()
