"""`make run`: the local stack in the foreground (coordinator, auth, gateway, devnet, canonicalizer);
Ctrl-C stops it all.

With DATABASE_URL set the coordinator runs in shared mode, otherwise in single-process mode. In the
non-prod stage, without GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE, a development operator key and an
allowlist holding it are created under .run/ (and reused next time).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from guardian_common.stage import Stage, resolve_stage

BIN = Path(sys.executable).parent
RUN_DIR = Path(__file__).resolve().parents[1] / ".run"


def relay(name: str, stream: object, ready: threading.Event, marker: str) -> None:
    for line in stream:  # type: ignore[attr-defined]
        print(f"[{name}] {line}", end="", flush=True)
        if marker in line:
            ready.set()
    ready.set()


def launch(name: str, script: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Starts a service and returns once it says where it listens (or exits)."""
    process = subprocess.Popen(
        [str(BIN / script)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # Ctrl-C reaches this script only; it stops the services in order
    )
    ready = threading.Event()
    threading.Thread(target=relay, args=(name, process.stdout, ready, " listening "), daemon=True).start()
    ready.wait(120)
    return process


def development_allowlist() -> Path:
    RUN_DIR.mkdir(exist_ok=True)
    key, allowlist = RUN_DIR / "dev-operator.key", RUN_DIR / "operators.json"
    if not key.exists():
        print(
            "[stack] creating a development operator key (Falcon key generation takes a few seconds)",
            flush=True,
        )
        subprocess.run(
            [str(BIN / "guardian-operator"), "keygen", "--out", str(key)], check=True, capture_output=True
        )
    shown = subprocess.run(
        [str(BIN / "guardian-operator"), "pubkey", "--key", str(key)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    public_key = next(line.split()[-1] for line in shown.splitlines() if "public" in line.lower())
    allowlist.write_text(
        json.dumps([{"public_key": public_key, "permissions": ["dashboard:read", "accounts:pause"]}])
    )
    print(f"[stack] development operator key: {key}", flush=True)
    print(f"[stack] allowlist: {allowlist}", flush=True)
    return allowlist


def main() -> int:
    coordinator_addr = os.environ.get("GUARDIAN_RUN_COORDINATOR_ADDR", "127.0.0.1:50051")
    auth_addr = os.environ.get("GUARDIAN_RUN_AUTH_ADDR", "127.0.0.1:50061")
    gateway_addr = os.environ.get("GUARDIAN_RUN_GATEWAY_ADDR", "127.0.0.1:8080")
    devnet_grpc = os.environ.get("GUARDIAN_RUN_DEVNET_GRPC_ADDR", "127.0.0.1:57291")
    devnet_http = os.environ.get("GUARDIAN_RUN_DEVNET_HTTP_ADDR", "127.0.0.1:57292")
    canonicalizer_addr = os.environ.get("GUARDIAN_RUN_CANONICALIZER_ADDR", "127.0.0.1:50071")
    auth_env = {"GUARDIAN_GRPC_ADDR": auth_addr, "GUARDIAN_COORDINATOR_TARGET": coordinator_addr}
    if not os.environ.get("GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE") and resolve_stage() is not Stage.PROD:
        auth_env["GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE"] = str(development_allowlist())

    processes: dict[str, subprocess.Popen[str]] = {}
    processes["coordinator"] = launch(
        "coordinator", "guardian-coordinator", {"GUARDIAN_GRPC_ADDR": coordinator_addr}
    )
    processes["auth"] = launch("auth", "guardian-auth", auth_env)
    processes["gateway"] = launch(
        "gateway",
        "guardian-gateway",
        {
            "GUARDIAN_HTTP_ADDR": gateway_addr,
            "GUARDIAN_AUTH_TARGET": auth_addr,
            "GUARDIAN_COORDINATOR_TARGET": coordinator_addr,
        },
    )
    processes["devnet"] = launch(
        "devnet", "guardian-devnet", {"GUARDIAN_GRPC_ADDR": devnet_grpc, "GUARDIAN_HTTP_ADDR": devnet_http}
    )
    processes["canonicalizer"] = launch(
        "canonicalizer",
        "guardian-canonicalizer",
        {
            "GUARDIAN_GRPC_ADDR": canonicalizer_addr,
            "GUARDIAN_COORDINATOR_TARGET": coordinator_addr,
            "GUARDIAN_MIDEN_RPC_ENDPOINT": f"http://{devnet_grpc}",
        },
    )
    print(f"[stack] devnet control API: http://{devnet_http}", flush=True)
    print(f"[stack] gateway: http://{gateway_addr}   (Ctrl-C stops the stack)", flush=True)
    print(
        f"[stack] log in: .venv/bin/guardian-operator login --url http://{gateway_addr} --key {RUN_DIR / 'dev-operator.key'}",
        flush=True,
    )

    stopping = threading.Event()
    crashed: list[str] = []
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    while not stopping.wait(0.5):
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"[stack] {name} exited with {process.returncode}; stopping the stack", flush=True)
                crashed.append(name)
                stopping.set()
    for process in reversed(list(processes.values())):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
