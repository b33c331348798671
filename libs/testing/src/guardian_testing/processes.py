"""Real service processes for tests: start a console script, wait for its startup lines, stop it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from guardian_common.coordination_line import LISTENING, listening_addresses

BIN_DIR = Path(sys.executable).parent


class StartupFailed(RuntimeError):
    pass


@dataclass
class ServiceProcess:
    """A started service. A reader thread collects its stdout lines into `lines`."""

    name: str
    popen: subprocess.Popen[str]
    log_path: Path
    lines: list[str] = field(default_factory=list)
    addresses: dict[str, str] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _eof: bool = False

    def __post_init__(self) -> None:
        threading.Thread(target=self._collect, name=f"{self.name}-stdout", daemon=True).start()

    def _collect(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    @property
    def grpc_target(self) -> str:
        return self.addresses["grpc"]

    def read_until(self, pattern: str, timeout: float = 60.0) -> str:
        """Blocks until a stdout line matches `pattern`; fails if the process exits or time runs out."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    if regex.search(line):
                        return line
                seen = len(self.lines)
                remaining = deadline - time.monotonic()
                if self._eof or remaining <= 0:
                    break
                self._changed.wait(remaining)
        stdout = "\n".join(self.lines[-40:])
        raise StartupFailed(
            f"{self.name}: no line matching {pattern!r} (exit code {self.popen.poll()}); "
            f"stdout (last lines):\n{stdout}\nlog:\n{self.log()}"
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def wait_exit(self, timeout: float = 30.0) -> int:
        return self.popen.wait(timeout)

    def signal(self, sig: signal.Signals) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)

    def stop(self, timeout: float = 15.0) -> int:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                return self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
        return self.popen.wait(timeout)


def defaults_for_tests(program: str, env: Mapping[str, str]) -> dict[str, str]:
    """What a test-started process gets unless the test says otherwise.

    A coordinator without DATABASE_URL runs on the memory backend: the product's default (postgres)
    refuses to start without a database, while most tests want a throwaway coordinator. A test that
    means the postgres backend passes DATABASE_URL (or GUARDIAN_COORDINATOR_BACKEND) itself."""
    if program == "guardian-coordinator" and "DATABASE_URL" not in env:
        return {"GUARDIAN_COORDINATOR_BACKEND": "memory"}
    return {}


def spawn(
    script: str | list[str], env: Mapping[str, str], log_dir: Path, name: str | None = None
) -> ServiceProcess:
    """Starts `script` (a console script of this virtualenv, or a full argv) with a clean copy of the
    environment plus `defaults_for_tests` plus `env`."""
    argv = [str(BIN_DIR / script)] if isinstance(script, str) else script
    name = name or Path(argv[0]).name
    log_path = log_dir / f"{name}-{time.monotonic_ns()}.log"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GUARDIAN_", "DATABASE_URL"))}
    full_env.update(defaults_for_tests(Path(argv[0]).name, env))
    full_env.update(env)
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    popen = subprocess.Popen(
        argv,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=log_path.open("w"),
        text=True,
    )
    return ServiceProcess(name=name, popen=popen, log_path=log_path)


def wait_listening(process: ServiceProcess) -> ServiceProcess:
    """Waits until the service says where it listens and records the addresses."""
    process.addresses.update(listening_addresses(process.read_until(LISTENING.pattern)))
    return process


def start(
    script: str | list[str], env: Mapping[str, str], log_dir: Path, name: str | None = None
) -> ServiceProcess:
    return wait_listening(spawn(script, env, log_dir, name))


def free_address() -> str:
    """A loopback HOST:PORT nothing listens on right now (for processes that need a fixed address)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def port_is_free(address: str) -> bool:
    """Whether a server could bind `address` now (as servers do, with SO_REUSEADDR: a closed connection
    lingering in TIME_WAIT does not count as use)."""
    host, _, port = address.rpartition(":")
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError:
            return False
    return True


# `[stack] started coordinator (pid 1234)`: how scripts/_supervisor.py reports each child it starts.
STARTED = re.compile(r"^\[\w+\] started (?P<name>\S+) \(pid (?P<pid>\d+)\)$")


def started_children(lines: list[str]) -> dict[str, int]:
    """Every child a supervising script (make run, make fleet) reported starting: name → pid."""
    return {m["name"]: int(m["pid"]) for m in map(STARTED.match, lines) if m}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
