"""Startup and shutdown of a real coordinator process: guards, the coordination line, the internal
token, the migration lock timeout and the SIGTERM drain."""

from __future__ import annotations

import signal
from pathlib import Path

import grpc
import psycopg
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_coordinator.store.postgres.migrate import MIGRATION_LOCK_KEY
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.fixtures import StartService
from guardian_testing.processes import spawn


def run_to_exit(log_dir: Path, **env: str) -> tuple[int, str]:
    process = spawn("guardian-coordinator", {"GUARDIAN_GRPC_ADDR": "127.0.0.1:0", **env}, log_dir)
    code = process.wait_exit(60)
    return code, process.log()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GUARDIAN_ENV": "prod", "GUARDIAN_INTERNAL_TOKEN": "t"}, "DATABASE_URL is not set"),
        (
            {"GUARDIAN_ENV": " PROD ", "DATABASE_URL": "postgresql://x@127.0.0.1:1/x"},
            "GUARDIAN_INTERNAL_TOKEN is not set",
        ),
        (
            {
                "GUARDIAN_ENV": "prod",
                "GUARDIAN_INTERNAL_TOKEN": "t",
                "DATABASE_URL": "postgresql://x@127.0.0.1:1/x",
                "GUARDIAN_MAX_REPLICAS": "zero",
            },
            "GUARDIAN_MAX_REPLICAS='zero' is not a positive integer",
        ),
        ({"GUARDIAN_DB_POOL_MAX_SIZE": "0"}, "GUARDIAN_DB_POOL_MAX_SIZE='0'"),
        ({"GUARDIAN_SWEEP_INTERVAL_SECONDS": "often"}, "GUARDIAN_SWEEP_INTERVAL_SECONDS='often'"),
    ],
)
def test_misconfiguration_refuses_to_start_with_an_actionable_message(
    service_log_dir: Path, env: dict[str, str], expected: str
) -> None:
    code, log = run_to_exit(service_log_dir, **env)
    assert code != 0
    assert expected in log
    assert "refusing to start" in log


def test_prod_refusal_explains_the_consequence_and_the_fix(service_log_dir: Path) -> None:
    _, log = run_to_exit(service_log_dir, GUARDIAN_ENV="prod")
    assert "multi-replica fleet" in log and "Set DATABASE_URL=postgresql://" in log
    assert "Set the same random secret" in log


def test_non_prod_warns_and_starts_in_single_process_mode(start_service: StartService) -> None:
    process = start_service("guardian-coordinator", GUARDIAN_MAX_REPLICAS="-3")
    line = process.read_until(r"^coordination ")
    assert (
        line
        == "coordination mode=single-process backend=memory stage=non-prod max_replicas=1 cursor_secret=n/a"
    )
    assert sum(1 for line in process.lines if line.startswith("coordination ")) == 1
    assert "GUARDIAN_MAX_REPLICAS='-3' is not a positive integer" in process.log()


def test_shared_mode_line_in_prod(start_service: StartService, run_database_url: str) -> None:
    process = start_service(
        "guardian-coordinator",
        DATABASE_URL=run_database_url,
        GUARDIAN_ENV="prod",
        GUARDIAN_INTERNAL_TOKEN="secret-token",
        GUARDIAN_MAX_REPLICAS="6",
    )
    assert process.read_until(r"^coordination ") == (
        "coordination mode=shared backend=postgres stage=prod max_replicas=6 cursor_secret=n/a"
    )


async def test_every_rpc_but_health_needs_the_internal_token(start_service: StartService) -> None:
    process = start_service("guardian-coordinator", GUARDIAN_INTERNAL_TOKEN="s3cret")
    for token in (None, "wrong", "s3cre"):
        async with CoordinatorClient(process.grpc_target, token) as client:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await client.coordination.Describe(pb.DescribeRequest())
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    async with CoordinatorClient(process.grpc_target, "s3cret") as client:
        assert (await client.coordination.Describe(pb.DescribeRequest())).backend == "memory"
    async with grpc.aio.insecure_channel(process.grpc_target) as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert health.status == health_pb2.HealthCheckResponse.SERVING


def test_migration_lock_timeout_exits_and_names_the_lock(
    service_log_dir: Path, fresh_database_url: str
) -> None:
    with psycopg.connect(fresh_database_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        code, log = run_to_exit(
            service_log_dir,
            DATABASE_URL=fresh_database_url,
            GUARDIAN_MIGRATION_LOCK_TIMEOUT_SECONDS="1",
            GUARDIAN_MIGRATION_LOCK_POLL_MS="100",
        )
    assert code != 0
    assert "timed out after 1s waiting for the migration advisory lock" in log
    assert str(MIGRATION_LOCK_KEY) in log and "pg_locks" in log


async def test_sigterm_drains_and_exits_zero(start_service: StartService) -> None:
    process = start_service("guardian-coordinator", GUARDIAN_SHUTDOWN_GRACE_SECONDS="1")
    async with CoordinatorClient(process.grpc_target) as client:
        await client.coordination.Describe(pb.DescribeRequest())
    process.signal(signal.SIGTERM)
    assert process.wait_exit(30) == 0
    assert "received SIGTERM" in process.log()
