"""`make run`'s stack script on the memory backend (`GUARDIAN_COORDINATOR_BACKEND=memory make run`), with
`guardian-operator login` and `make allow-operator` against it, as a user would use them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from guardian_testing.custody_api import write_falcon_ack_key
from guardian_testing.fleet import write_allowlist
from guardian_testing.identities import operators
from guardian_testing.processes import BIN_DIR, free_address, spawn

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def cli_login(gateway: str, key: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "guardian-operator"), "login", "--url", f"http://{gateway}", "--key", str(key)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_stack_serves_logins_from_the_operator_cli_and_stops_cleanly(tmp_path: Path) -> None:
    operator = operators()[0]
    allowlist = tmp_path / "operators.json"
    write_allowlist(allowlist, [(operator, ["dashboard:read"])])
    configured = allowlist.read_text()
    key_file = tmp_path / "operator.key"
    key_file.write_text(operator.secret_key.to_bytes().hex() + "\n")
    key_file.chmod(0o600)
    # The Falcon ack key make run would generate (seconds of work), placed beforehand in its run directory.
    (tmp_path / "run").mkdir()
    write_falcon_ack_key(tmp_path / "run")
    gateway = free_address()
    stack = spawn(
        [sys.executable, str(REPO / "scripts" / "run_stack.py")],
        {
            "GUARDIAN_RUN_COORDINATOR_ADDR": free_address(),
            "GUARDIAN_RUN_AUTH_ADDR": free_address(),
            "GUARDIAN_RUN_GATEWAY_ADDR": gateway,
            "GUARDIAN_RUN_DEVNET_GRPC_ADDR": free_address(),
            "GUARDIAN_RUN_DEVNET_HTTP_ADDR": free_address(),
            "GUARDIAN_RUN_CANONICALIZER_ADDR": free_address(),
            "GUARDIAN_RUN_EVM_ADDR": free_address(),
            "GUARDIAN_RUN_DIR": str(tmp_path / "run"),
            "GUARDIAN_COORDINATOR_BACKEND": "memory",
            "GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE": str(allowlist),
        },
        tmp_path,
        "run-stack",
    )
    try:
        stack.read_until(rf"\[stack\] gateway: http://{gateway}")
        assert stack.read_until(r"\[coordinator\] coordination mode=single-process backend=memory")
        assert stack.read_until(r"\[gateway\] coordination mode=single-process backend=memory")
        assert stack.read_until(r"\[canonicalizer\] coordination mode=single-process backend=memory")
        assert not (tmp_path / "run" / "postgres").exists(), "the memory backend needs no database"
        assert allowlist.read_text() == configured, "a configured allowlist is never rewritten"

        # Each start-up warning is printed once, by the stack, naming the services that gave it.
        output = "\n".join(stack.lines)
        assert output.count("nothing survives a restart") == 1
        [in_memory] = [line for line in stack.lines if "the coordinator runs in single-process mode" in line]
        assert in_memory.startswith("[stack] ") and in_memory.endswith("[auth, gateway, canonicalizer]")
        assert " WARNING " not in output

        login = cli_login(gateway, key_file)
        assert login.returncode == 0, login.stderr
        cookie, operator_line, _ = login.stdout.splitlines()
        assert cookie.startswith("guardian_operator_session=") and len(cookie.split("=", 1)[1]) == 64
        assert operator_line == f"operator_id: {operator.commitment}"
        session = httpx.get(f"http://{gateway}/dashboard/session", headers={"cookie": cookie})
        assert session.status_code == 200
        assert session.json() == {"operator_id": operator.commitment, "permissions": ["dashboard:read"]}

        unknown = cli_login(gateway, tmp_path / "missing.key")
        assert unknown.returncode == 1 and "cannot read key file" in unknown.stderr

        # A second operator: refused, then allowed with `make allow-operator`'s script, then logs in
        # without a restart (auth re-reads the allowlist when it changes).
        other = operators()[1]
        other_key = tmp_path / "other.key"
        other_key.write_text(other.secret_key.to_bytes().hex() + "\n")
        other_key.chmod(0o600)
        refused = cli_login(gateway, other_key)
        assert refused.returncode == 1 and "401 authentication_failed" in refused.stderr, refused.stderr
        allowed = subprocess.run(
            [
                sys.executable,
                str(REPO / "scripts" / "allow_operator.py"),
                "--key",
                str(other_key),
                "--permissions",
                "dashboard:read,accounts:pause",
                "--allowlist",
                str(allowlist),
            ],
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert allowed.returncode == 0, allowed.stderr
        login = cli_login(gateway, other_key)
        assert login.returncode == 0, login.stderr
        cookie = login.stdout.splitlines()[0]
        session = httpx.get(f"http://{gateway}/dashboard/session", headers={"cookie": cookie})
        assert session.json() == {
            "operator_id": other.commitment,
            "permissions": ["accounts:pause", "dashboard:read"],
        }
    finally:
        stack.signal(signal.SIGINT)
        assert stack.wait_exit(60) == 0
