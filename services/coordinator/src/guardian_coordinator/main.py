"""`guardian-coordinator`: migrate (Postgres), serve gRPC, sweep, drain on SIGTERM.

The backend is GUARDIAN_COORDINATOR_BACKEND: postgres (default, DATABASE_URL required, shared mode) or
memory (single-process mode, refused in prod). The coordination line follows the backend."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from importlib.metadata import version

import psycopg
import uvloop
from sqlalchemy.exc import SQLAlchemyError

from guardian_common.coordination_line import announce, say
from guardian_common.grpc_server import GrpcServer, wait_for_stop_signal
from guardian_common.stage import resolve_max_replicas, resolve_stage
from guardian_common.startup import enforce, run_service
from guardian_common.telemetry import setup_telemetry
from guardian_coordinator.api.servicers import SERVICE_NAMES, register
from guardian_coordinator.config import Backend, CoordinatorSettings
from guardian_coordinator.domain.coordination import Coordination
from guardian_coordinator.domain.stores import CoordinatorStore
from guardian_coordinator.guards import MEMORY_NOTICE, fatal_problems, startup_problems
from guardian_coordinator.store.memory import MemoryStore
from guardian_coordinator.store.postgres.engine import check_database_url, redacted, unusable_database
from guardian_coordinator.store.postgres.migrate import run_migrations
from guardian_coordinator.store.postgres.store import PostgresStore
from guardian_coordinator.sweeper import run_sweeper
from guardian_coordinator.telemetry import observe_engine

log = logging.getLogger("guardian.coordinator")


async def build_store(settings: CoordinatorSettings) -> CoordinatorStore:
    if settings.coordinator_backend is Backend.MEMORY:
        log.warning(MEMORY_NOTICE)
        return MemoryStore()
    database_url = settings.database_url
    assert database_url, "fatal_problems() refuses the postgres backend without DATABASE_URL"
    check_database_url(database_url)
    log.info("database %s", redacted(database_url))
    try:
        result = await asyncio.to_thread(
            run_migrations,
            database_url,
            poll_interval_s=settings.migration_lock_poll_ms / 1000,
            timeout_s=settings.migration_lock_timeout_seconds,
            connect_timeout_s=settings.db_connect_timeout_seconds,
        )
    except (SQLAlchemyError, psycopg.Error, OSError) as exc:
        # A missing database, an unreachable server, wrong credentials: one line, never a traceback.
        raise unusable_database(database_url, exc) from None
    say(f"migrations applied={len(result.applied)} head={result.head}")
    store = PostgresStore(database_url, settings.pool())
    observe_engine(store.engine)
    return store


async def serve(settings: CoordinatorSettings) -> int:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    setup_telemetry("coordinator")
    stage = resolve_stage()
    max_replicas = resolve_max_replicas()
    enforce(stage, startup_problems(settings, stage, max_replicas), log, fatal=fatal_problems(settings))

    store = await build_store(settings)
    coordination = Coordination(store)
    mode = "shared" if store.backend == "postgres" else "single-process"
    # Ready while the database answers (docs/runbooks/container-fleet.md "Liveness and readiness").
    server = GrpcServer(
        address=settings.grpc_addr,
        service_names=SERVICE_NAMES,
        internal_token=settings.internal_token,
        readiness=store.schema_revision,
    )
    register(
        server.server,
        coordination,
        mode=mode,
        stage=stage.value,
        max_replicas=max_replicas.value,
        version=version("guardian-coordinator"),
        max_pending_proposals=settings.max_pending_proposals_per_account,
    )
    port = await server.start()
    announce(
        "coordinator",
        f"grpc={settings.grpc_addr.rsplit(':', 1)[0]}:{port}",
        mode=mode,
        backend=store.backend,
        stage=stage.value,
        max_replicas=max_replicas.value,
        cursor_secret="n/a",
    )
    sweeper = asyncio.create_task(run_sweeper(coordination, settings.sweep_interval_seconds))
    received = await wait_for_stop_signal()
    log.info("received %s: draining for up to %ss", received.name, settings.shutdown_grace_seconds)
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper
    await server.drain(settings.shutdown_grace_seconds)
    await store.close()
    log.info("stopped")
    return 0


def main() -> None:
    # libuv's event loop, as the gateway: asyncio.run (in run_service) takes its loop from the policy.
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    run_service("coordinator", CoordinatorSettings, serve)


if __name__ == "__main__":
    main()
