"""Start-up problems outside the coordinator end in one line naming the setting, never a traceback: a broken
operator allowlist (auth refuses before it waits for the coordinator) and a busy devnet port."""

from __future__ import annotations

import socket
from pathlib import Path

from guardian_testing.processes import spawn


def refusal(log: str) -> list[str]:
    return [line for line in log.splitlines() if "refusing to start" in line]


def test_auth_with_a_broken_allowlist_refuses_at_once(service_log_dir: Path, tmp_path: Path) -> None:
    allowlist = tmp_path / "operators.json"
    allowlist.write_text('[{"public_key": "0x12"')  # truncated JSON
    env = {
        "GUARDIAN_GRPC_ADDR": "127.0.0.1:0",
        "GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE": str(allowlist),
        # Nothing listens there: the refusal must not wait for the coordinator.
        "GUARDIAN_COORDINATOR_TARGET": "127.0.0.1:9",
        "GUARDIAN_STARTUP_WAIT_SECONDS": "600",
    }
    process = spawn("guardian-auth", env, service_log_dir)
    code, log = process.wait_exit(60), process.log()
    assert code == 2, log
    lines = refusal(log)
    assert len(lines) == 1 and "GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE=" in lines[0], log
    assert "Traceback" not in log


def test_devnet_on_a_busy_port_refuses_with_one_line(service_log_dir: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        address = f"127.0.0.1:{holder.getsockname()[1]}"
        env = {"GUARDIAN_GRPC_ADDR": address, "GUARDIAN_HTTP_ADDR": "127.0.0.1:0"}
        process = spawn("guardian-devnet", env, service_log_dir)
        code, log = process.wait_exit(60), process.log()
    assert code == 2, log
    lines = refusal(log)
    assert len(lines) == 1 and f"GUARDIAN_GRPC_ADDR='{address}'" in lines[0], log
    assert "Traceback" not in log
