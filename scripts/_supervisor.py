"""Process supervision shared by `make run` (scripts/run_stack.py) and `make fleet` (scripts/fleet.py).

Start services one step at a time, relay their output with a `[name]` prefix, and stop everything
(in reverse order) on Ctrl-C, on SIGTERM, or when one of them exits.

- The signal handlers are installed when the Supervisor is created, before the first child starts. They
  only record the request: the main thread checks it between steps and while it waits, so a stop never
  interrupts half a step, and whatever was started is stopped.
- Every child runs in its own session (process group): a terminal's Ctrl-C reaches this supervisor
  only, which then stops the children itself, each by its own stop signal, and waits for each (SIGKILL to
  its whole group after a grace period), so no process is left and every port is free on exit.
- A child that exits during start-up stops the start: the caller gets StartFailed with the child's own
  one-line cause (its `refusing to start: …` line, else its last line).
- Warnings printed during start-up are held back and summarised once, each distinct message once, when
  the start completes (five services warning about the same development setting make one line).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from guardian_common.coordination_line import LISTENING, listening_addresses

BIN = Path(sys.executable).parent
READY_TIMEOUT_SECONDS = 120.0
# Services drain for GUARDIAN_SHUTDOWN_GRACE_SECONDS (10 s by default) before they exit.
STOP_GRACE_SECONDS = 30.0
POLL_SECONDS = 0.2  # how often a wait re-checks for a stop request (a signal handler cannot notify)

REFUSAL = re.compile(r"refusing to start: (?P<cause>.*)$")
# The services' text log format: `<date> <time> WARNING <logger>: <message>`.
WARNING = re.compile(r"^\S+ \S+ WARNING \S+: (?P<message>.*?)(?: \(continuing: not the prod stage\))?$")


class StopRequested(Exception):
    """Ctrl-C or SIGTERM arrived: the caller unwinds, and stop_all() stops what was started."""


class StartFailed(Exception):
    """A start-up step failed. The message is one line: what failed and why (and the fix, when known)."""


@dataclass(eq=False)
class Child:
    name: str
    popen: subprocess.Popen[str]
    stop_signal: signal.Signals
    ready_pattern: re.Pattern[str]
    ready_line: str | None = None
    eof: bool = False
    refusal: str | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=20))

    @property
    def addresses(self) -> dict[str, str]:
        """Where the child listens, from its ready line (`grpc`/`http` → HOST:PORT)."""
        return listening_addresses(self.ready_line or "")

    def cause(self) -> str:
        if self.refusal:
            return self.refusal
        last = next((line.strip() for line in reversed(self.tail) if line.strip()), "")
        return last or "no output"


class Supervisor:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.children: list[Child] = []
        self._received: signal.Signals | None = None
        self._changed = threading.Condition()
        self._print_lock = threading.Lock()
        self._starting = True
        self._held: dict[str, list[str]] = {}  # warning message -> the services that printed it
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    # -- signals -------------------------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Runs in the main thread between bytecodes: no locks and no printing here (either could
        # deadlock with the interrupted code); the main thread notices within POLL_SECONDS.
        if self._received is None:
            self._received = signal.Signals(signum)

    @property
    def stop_requested(self) -> bool:
        return self._received is not None

    def check(self) -> None:
        """Between start-up steps: unwind if a stop was requested meanwhile."""
        if self._received is not None:
            raise StopRequested(self._received.name)

    # -- output --------------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self._print(f"[{self.prefix}] {text}")

    def _print(self, line: str) -> None:
        with self._print_lock:
            print(line, flush=True)

    def _relay(self, child: Child) -> None:
        assert child.popen.stdout is not None
        for raw in child.popen.stdout:
            line = raw.rstrip("\n")
            held = False
            with self._changed:
                child.tail.append(line)
                refusal = REFUSAL.search(line)
                if refusal:
                    child.refusal = refusal["cause"]
                if child.ready_line is None and child.ready_pattern.search(line):
                    child.ready_line = line
                warning = WARNING.match(line) if self._starting else None
                if warning:
                    self._held.setdefault(warning["message"], []).append(child.name)
                    held = True
                self._changed.notify_all()
            if not held:
                self._print(f"[{child.name}] {line}")
        with self._changed:
            child.eof = True
            self._changed.notify_all()

    def started(self) -> None:
        """The start is complete: print the held warnings once each, relay later ones as they come."""
        with self._changed:
            self._starting = False
            held, self._held = self._held, {}
        if held:
            self.say("start-up warnings (each once; the prod stage refuses most of these):")
            for message, names in held.items():
                self.say(f"  {message} [{', '.join(dict.fromkeys(names))}]")

    # -- starting ------------------------------------------------------------------------------------

    def spawn(
        self,
        name: str,
        argv: list[str],
        env: Mapping[str, str],
        *,
        ready: str | re.Pattern[str] = LISTENING,
        stop_signal: signal.Signals = signal.SIGTERM,
        user: str | None = None,
        group: int | None = None,
    ) -> Child:
        """Starts a child (it is stopped by stop_all from now on); does not wait for it."""
        self.check()
        popen = subprocess.Popen(
            argv,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops the children in order
            user=user,
            group=group,
        )
        child = Child(name, popen, stop_signal, re.compile(ready) if isinstance(ready, str) else ready)
        self.children.append(child)
        self.say(f"started {name} (pid {popen.pid})")
        threading.Thread(target=self._relay, args=(child,), name=f"relay-{name}", daemon=True).start()
        return child

    def wait_ready(self, child: Child, timeout: float = READY_TIMEOUT_SECONDS) -> Child:
        """Blocks until the child prints its ready line; StartFailed if it exits first or takes too long."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while child.ready_line is None and not child.eof:
                self.check()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StartFailed(f"{child.name} did not report ready within {timeout:g}s")
                self._changed.wait(min(remaining, POLL_SECONDS))
        if child.ready_line is None:
            code = child.popen.wait()
            raise StartFailed(f"{child.name} exited with code {code} during start-up: {child.cause()}")
        return child

    def start(
        self,
        name: str,
        argv: list[str],
        env: Mapping[str, str],
        *,
        ready: str | re.Pattern[str] = LISTENING,
        stop_signal: signal.Signals = signal.SIGTERM,
        user: str | None = None,
        group: int | None = None,
    ) -> Child:
        """spawn() and wait_ready()."""
        return self.wait_ready(
            self.spawn(name, argv, env, ready=ready, stop_signal=stop_signal, user=user, group=group)
        )

    # -- running and stopping -------------------------------------------------------------------------

    def run(self, start: Callable[[Supervisor], object], what: str) -> int:
        """The body of a supervising script: start, run until stopped, stop everything, exit code.

        0 after a stop signal; 1 when start-up failed or a child exited (its cause is the last line but
        one); 130 when the stop arrived during start-up."""
        try:
            start(self)
            exited = self.watch()
            if exited is None:
                self.say(f"received a stop signal; stopping the {what}")
                return 0
            self.say(
                f"{exited.name} exited with code {exited.popen.returncode}: {exited.cause()}; "
                f"stopping the {what}"
            )
            return 1
        except StartFailed as failed:
            self.say(f"start-up failed: {failed}")
            return 1
        except StopRequested as stop:
            self.say(f"received {stop} during start-up; stopping what was started")
            return 130
        finally:
            self.stop_all()
            self.say("stopped")

    def watch(self) -> Child | None:
        """After the start: blocks until a stop is requested (None) or a child exits (that child)."""
        with self._changed:
            while self._received is None:
                for child in self.children:
                    if child.eof or child.popen.poll() is not None:
                        child.popen.wait()
                        return child
                self._changed.wait(POLL_SECONDS)
        return None

    def stop_all(self) -> None:
        """Stops every child still running, last started first, and waits for each to exit."""
        with self._changed:
            self._starting = False
        for child in reversed(self.children):
            if child.popen.poll() is not None:
                continue
            self.say(f"stopping {child.name} (pid {child.popen.pid})")
            child.popen.send_signal(child.stop_signal)
            try:
                child.popen.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.say(
                    f"{child.name} did not stop within {STOP_GRACE_SECONDS:g}s; killing its process group"
                )
                os.killpg(child.popen.pid, signal.SIGKILL)  # still unreaped: the group cannot be reused yet
                child.popen.wait()


def check_addresses(addresses: Mapping[str, str]) -> None:
    """Fails fast, before anything starts, on a malformed or busy HOST:PORT (`setting` → address)."""
    for setting, address in addresses.items():
        host, _, port_text = address.rpartition(":")
        if not host or not port_text.isdigit() or int(port_text) > 65535:
            raise StartFailed(f"{setting}={address!r} is not HOST:PORT; write it as e.g. 127.0.0.1:8080")
        if int(port_text) == 0:
            continue
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            # As the services bind: connections of a previous run in TIME_WAIT do not make a port busy.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host.strip("[]"), int(port_text)))
            except OSError as exc:
                raise StartFailed(
                    f"{setting}={address} cannot be used ({exc.strerror}); stop what holds it (a previous "
                    f"run still going?) or set {setting} to a free HOST:PORT"
                ) from None
