"""Schema migrations at startup, serialised across replicas by a Postgres session advisory lock."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

from guardian_common.errors import ConfigurationError
from guardian_coordinator.store.postgres.engine import sqlalchemy_url

log = logging.getLogger(__name__)

# ASCII "GUARDIAN" as a signed 64-bit integer: the same key on every replica and every version.
MIGRATION_LOCK_KEY = int.from_bytes(b"GUARDIAN", "big", signed=True)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class MigrationLockTimeout(ConfigurationError):
    pass


@dataclass(frozen=True)
class MigrationResult:
    applied: list[str]
    head: str


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None
    return head


def _lock_timeout_message(timeout_s: float) -> str:
    return (
        f"timed out after {timeout_s:g}s waiting for the migration advisory lock "
        f"(pg_advisory_lock key {MIGRATION_LOCK_KEY}); another replica may be stuck mid-migration. "
        "Find the holder with: SELECT a.pid, a.application_name, a.client_addr, a.state, a.query_start "
        "FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND "
        f"((l.classid::bigint << 32) | l.objid::bigint) = {MIGRATION_LOCK_KEY}; "
        "then restart that replica. Do not unlock it by hand while it is migrating."
    )


def run_migrations(
    database_url: str, *, poll_interval_s: float = 0.5, timeout_s: float = 60.0, connect_timeout_s: int = 5
) -> MigrationResult:
    """Takes the lock by polling pg_try_advisory_lock, runs what is pending, unlocks.

    Replicas that start together queue on the lock; the late ones find nothing pending.
    """
    engine = create_engine(
        sqlalchemy_url(database_url), poolclass=NullPool, connect_args={"connect_timeout": connect_timeout_s}
    )
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            deadline = time.monotonic() + timeout_s
            while not conn.exec_driver_sql("SELECT pg_try_advisory_lock(%s)", (MIGRATION_LOCK_KEY,)).scalar():
                if time.monotonic() >= deadline:
                    raise MigrationLockTimeout(_lock_timeout_message(timeout_s))
                time.sleep(poll_interval_s)
            try:
                before = MigrationContext.configure(conn).get_current_revision()
                command.upgrade(alembic_config(conn), "head")
                after = MigrationContext.configure(conn).get_current_revision()
            finally:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    finally:
        engine.dispose()
    applied = _revisions_between(before, after)
    if applied:
        log.info("migrations applied: %s", ", ".join(applied))
    return MigrationResult(applied=applied, head=after or "")


def all_revisions() -> list[str]:
    return [rev.revision for rev in _scripts().walk_revisions()]


def _revisions_between(before: str | None, after: str | None) -> list[str]:
    if after is None or before == after:
        return []
    return [rev.revision for rev in reversed(list(_scripts().iterate_revisions(after, before)))]


__all__ = ["MIGRATION_LOCK_KEY", "MigrationLockTimeout", "MigrationResult", "head_revision", "run_migrations"]
