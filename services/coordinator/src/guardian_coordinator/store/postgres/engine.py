"""The coordinator's connection pool and the translation of every database failure into StoreUnavailable."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import TextClause
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from guardian_common.errors import ConfigurationError
from guardian_coordinator.domain.errors import StoreUnavailable


@dataclass(frozen=True)
class PoolSettings:
    max_size: int = 16
    acquire_timeout_seconds: float = 5.0
    connect_timeout_seconds: int = 5
    statement_timeout_ms: int = 5000
    # Session lookups share statements (coalesced_reads.py): at most this many run at once, and under load
    # a new one starts at most once per interval.
    session_lookups_in_flight: int = 2
    session_lookup_interval_ms: float = 2.0
    # The signed custody path (ReadAsSigner, a push's account read, SubmitCandidate) runs on direct connections
    # (direct_connections.py): at most this many, outside the pool.
    direct_connections: int = 8


def sqlalchemy_url(database_url: str) -> str:
    """`postgresql://…` (libpq form, as operators write it) → the psycopg 3 SQLAlchemy URL."""
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ValueError("DATABASE_URL must start with postgresql://")
    return urlunsplit(("postgresql+psycopg", *parts[1:]))


def libpq_url(database_url: str) -> str:
    """The URL as libpq and psycopg take it (`postgresql+psycopg://` is SQLAlchemy's spelling)."""
    parts = urlsplit(sqlalchemy_url(database_url))
    return urlunsplit(("postgresql", *parts[1:]))


def redacted(database_url: str) -> str:
    """The URL without its password, safe to log (an unparseable URL is not echoed at all)."""
    try:
        parts = urlsplit(database_url)
        password = parts.password
    except ValueError:
        return "<unparseable URL>"
    if not password:
        return database_url
    netloc = parts.netloc.replace(f":{password}@", ":***@")
    return urlunsplit((parts.scheme, netloc, *parts[2:]))


URL_FORM = "postgresql://USER:PASSWORD@HOST:5432/DB"


def check_database_url(database_url: str) -> None:
    """Refuses a DATABASE_URL that cannot be a PostgreSQL URL, before anything tries to connect."""
    try:
        parts = urlsplit(database_url)
        parts.port  # noqa: B018 - parsing the port is the check: a non-numeric one raises here
    except ValueError as exc:
        raise ConfigurationError(f"DATABASE_URL is malformed ({exc}); write it as {URL_FORM}") from None
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ConfigurationError(
            f"DATABASE_URL must start with postgresql:// (it starts with {parts.scheme or 'no scheme'}:); "
            f"write it as {URL_FORM}"
        )


def unusable_database(database_url: str, exc: BaseException) -> ConfigurationError:
    """One line for a database the coordinator cannot use at start-up: the cause, the setting, the fix."""
    # SQLAlchemy wraps the driver's error (`orig`) in a multi-line text; the driver's first line is the cause.
    text = str(getattr(exc, "orig", None) or exc).strip()
    reason = text.splitlines()[0].removeprefix("connection failed: ") if text else type(exc).__name__
    # The server's own refusal says it all: `connection to server at … failed: FATAL:  <why>` → `<why>`.
    reason = re.sub(r"^connection to server .*? failed: FATAL:\s+", "", reason)
    where = f"DATABASE_URL={redacted(database_url)}"
    if "does not exist" in reason and "database" in reason:
        fix = "create the database first (CREATE DATABASE, or `createdb`) or point DATABASE_URL at one that exists"
    elif "role" in reason or "password" in reason or "authentication" in reason:
        fix = "check the user name and password in DATABASE_URL"
    elif "invalid" in reason or "URI" in reason:
        fix = f"DATABASE_URL is malformed; write it as {URL_FORM}"
    elif "Connection refused" in reason or "resolve host" in reason or "timeout" in reason.lower():
        fix = "check that PostgreSQL is running and that DATABASE_URL names its host and port"
    else:
        fix = "check DATABASE_URL and that the server accepts this user"
    return ConfigurationError(f"{where}: {reason}; {fix}")


def create_engine(database_url: str, pool: PoolSettings) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(database_url),
        pool_size=pool.max_size,
        max_overflow=0,
        pool_timeout=pool.acquire_timeout_seconds,
        pool_recycle=1800,
        connect_args={
            "connect_timeout": pool.connect_timeout_seconds,
            "options": f"-c statement_timeout={pool.statement_timeout_ms}",
            "application_name": "guardian-coordinator",
        },
    )


def single_statements(engine: AsyncEngine) -> AsyncEngine:
    """The same pool in autocommit: a lone statement is atomic by itself and skips BEGIN/COMMIT trips."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


@asynccontextmanager
async def store_errors() -> AsyncIterator[None]:
    """Any database failure becomes StoreUnavailable: never OK, NOT_FOUND or a silent `False`."""
    try:
        yield
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        raise StoreUnavailable(f"database unavailable: {type(exc).__name__}") from exc


async def sweep_in_batches(engine: AsyncEngine, statement: TextClause, batch: int) -> int:
    """Deletes in short transactions so a large backlog never holds locks for long."""
    deleted = 0
    while True:
        async with store_errors(), engine.begin() as conn:
            count = (await conn.execute(statement, {"batch": batch})).rowcount
        deleted += count
        if count < batch:
            return deleted
