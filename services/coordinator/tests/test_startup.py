"""Startup and shutdown of a real coordinator process: guards, the backend setting, one-line refusals for
unusable databases and addresses, the coordination line, the internal token, the migration lock timeout
and the SIGTERM drain.

Processes started here without DATABASE_URL get GUARDIAN_COORDINATOR_BACKEND=memory from the test
launcher (guardian_testing.processes); a test about the postgres default sets it explicitly."""

from __future__ import annotations

import re
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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
    env.setdefault("GUARDIAN_GRPC_ADDR", "127.0.0.1:0")
    process = spawn("guardian-coordinator", env, log_dir)
    code = process.wait_exit(60)
    return code, process.log()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {
                "GUARDIAN_ENV": "prod",
                "GUARDIAN_INTERNAL_TOKEN": "0123456789abcdef0123456789abcdef",
                "GUARDIAN_COORDINATOR_BACKEND": "postgres",
            },
            "DATABASE_URL is not set",
        ),
        (
            {
                "GUARDIAN_ENV": "prod",
                "GUARDIAN_INTERNAL_TOKEN": "0123456789abcdef0123456789abcdef",
                "GUARDIAN_COORDINATOR_BACKEND": "memory",
            },
            "GUARDIAN_COORDINATOR_BACKEND=memory keeps accounts",
        ),
        ({"GUARDIAN_COORDINATOR_BACKEND": "disk"}, "GUARDIAN_COORDINATOR_BACKEND='disk'"),
        (
            {"GUARDIAN_ENV": " PROD ", "DATABASE_URL": "postgresql://x@127.0.0.1:1/x"},
            "GUARDIAN_INTERNAL_TOKEN is not set",
        ),
        (
            {
                "GUARDIAN_ENV": "prod",
                "GUARDIAN_INTERNAL_TOKEN": "0123456789abcdef0123456789abcdef",
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
    assert "a restart loses custody" in log and "set DATABASE_URL=postgresql://" in log
    assert "Set the same random secret" in log
    assert "Traceback" not in log


def refusals(log: str) -> list[str]:
    return [line for line in log.splitlines() if "refusing to start" in line]


def test_postgres_backend_without_database_url_refuses_with_one_line(service_log_dir: Path) -> None:
    code, log = run_to_exit(service_log_dir, GUARDIAN_COORDINATOR_BACKEND="postgres")
    assert code == 2
    [line] = refusals(log)
    assert "DATABASE_URL is not set" in line and "GUARDIAN_COORDINATOR_BACKEND=memory" in line
    assert "Traceback" not in log


def missing_database(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((*parts[:2], "/guardian_never_created", *parts[3:]))


@pytest.mark.parametrize(
    ("make_url", "expected"),
    [
        (missing_database, 'database "guardian_never_created" does not exist; create the database first'),
        (
            lambda _: "postgresql://postgres@127.0.0.1:1/x",
            "Connection refused; check that PostgreSQL is running",
        ),
        (lambda _: "postgresql://postgres@127.0.0.1:port/x", "DATABASE_URL is malformed"),
        (lambda _: "mysql://root@127.0.0.1/x", "DATABASE_URL must start with postgresql://"),
    ],
    ids=["missing-database", "unreachable-server", "malformed-port", "wrong-scheme"],
)
def test_an_unusable_database_gives_one_line_naming_the_setting_and_the_fix(
    service_log_dir: Path, run_database_url: str, make_url: Callable[[str], str], expected: str
) -> None:
    code, log = run_to_exit(service_log_dir, DATABASE_URL=make_url(run_database_url))
    assert code == 2
    [line] = refusals(log)
    assert "DATABASE_URL" in line and expected in line
    assert "Traceback" not in log


def test_a_busy_port_gives_one_line_naming_the_setting(service_log_dir: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        address = f"127.0.0.1:{holder.getsockname()[1]}"
        code, log = run_to_exit(service_log_dir, GUARDIAN_GRPC_ADDR=address)
    assert code == 2
    [line] = refusals(log)
    assert f"cannot listen on GUARDIAN_GRPC_ADDR='{address}'" in line
    assert "Traceback" not in log


def test_non_prod_warns_and_starts_in_single_process_mode(start_service: StartService) -> None:
    process = start_service("guardian-coordinator", GUARDIAN_MAX_REPLICAS="-3")
    line = process.read_until(r"^coordination ")
    assert (
        line
        == "coordination mode=single-process backend=memory stage=non-prod max_replicas=1 cursor_secret=n/a"
    )
    assert sum(1 for line in process.lines if line.startswith("coordination ")) == 1
    log = process.log()
    assert "GUARDIAN_MAX_REPLICAS='-3' is not a positive integer" in log
    assert log.count("nothing survives a restart") == 1, "the memory backend announces itself once"


def test_shared_mode_line_in_prod(start_service: StartService, run_database_url: str) -> None:
    process = start_service(
        "guardian-coordinator",
        DATABASE_URL=run_database_url,
        GUARDIAN_ENV="prod",
        GUARDIAN_INTERNAL_TOKEN="0123456789abcdef0123456789abcdef",
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


def test_the_docs_name_the_migration_lock_key_the_code_takes() -> None:
    """Operators copy the key from the troubleshooting queries into psql: a wrong one finds no holder."""
    root = Path(__file__).resolve().parents[3]
    for doc in ("docs/coordinator.md", "docs/runbooks/horizontal-scaling.md"):
        text = (root / doc).read_text(encoding="utf-8")
        keys = set(re.findall(r"\b\d{18,19}\b", text))
        assert keys == {str(MIGRATION_LOCK_KEY)}, doc
