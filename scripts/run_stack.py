"""`make run`: start the local stack in the foreground, prefix each service's output, stop all on Ctrl-C.

Uses DATABASE_URL when set (shared mode); otherwise the coordinator runs in single-process mode.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

BIN = Path(sys.executable).parent


def relay(name: str, stream: object) -> None:
    for line in stream:  # type: ignore[attr-defined]
        print(f"[{name}] {line}", end="", flush=True)


def launch(name: str, script: str, env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [str(BIN / script)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    threading.Thread(target=relay, args=(name, process.stdout), daemon=True).start()
    return process


def main() -> int:
    coordinator_addr = os.environ.get("GUARDIAN_COORDINATOR_ADDR", "127.0.0.1:50051")
    processes = {
        "coordinator": launch("coordinator", "guardian-coordinator", {"GUARDIAN_GRPC_ADDR": coordinator_addr}),
    }
    print(f"[stack] coordinator gRPC on {coordinator_addr}; press Ctrl-C to stop", flush=True)
    stopping = threading.Event()
    crashed: list[str] = []

    def stop(*_: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping.wait(0.5):
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"[stack] {name} exited with {process.returncode}; stopping the stack", flush=True)
                crashed.append(name)
                stopping.set()
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes.values():
        process.wait(30)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
