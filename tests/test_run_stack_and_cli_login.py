"""`make run`'s stack script and `guardian-operator login` against it, as a user would use them."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from guardian_testing.fleet import write_allowlist
from guardian_testing.identities import operators
from guardian_testing.processes import BIN_DIR, spawn

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_run_stack_serves_logins_from_the_operator_cli_and_stops_cleanly(tmp_path: Path) -> None:
    operator = operators()[0]
    allowlist = tmp_path / "operators.json"
    write_allowlist(allowlist, [(operator, ["dashboard:read"])])
    configured = allowlist.read_text()
    key_file = tmp_path / "operator.key"
    key_file.write_text(operator.secret_key.to_bytes().hex() + "\n")
    key_file.chmod(0o600)
    gateway = f"127.0.0.1:{free_port()}"
    stack = spawn(
        [sys.executable, str(REPO / "scripts" / "run_stack.py")],
        {
            "GUARDIAN_RUN_COORDINATOR_ADDR": f"127.0.0.1:{free_port()}",
            "GUARDIAN_RUN_AUTH_ADDR": f"127.0.0.1:{free_port()}",
            "GUARDIAN_RUN_GATEWAY_ADDR": gateway,
            "GUARDIAN_RUN_DEVNET_GRPC_ADDR": f"127.0.0.1:{free_port()}",
            "GUARDIAN_RUN_DEVNET_HTTP_ADDR": f"127.0.0.1:{free_port()}",
            "GUARDIAN_RUN_CANONICALIZER_ADDR": f"127.0.0.1:{free_port()}",
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

        login = subprocess.run(
            [
                str(BIN_DIR / "guardian-operator"),
                "login",
                "--url",
                f"http://{gateway}",
                "--key",
                str(key_file),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert login.returncode == 0, login.stderr
        cookie, operator_line, _ = login.stdout.splitlines()
        assert cookie.startswith("guardian_operator_session=") and len(cookie.split("=", 1)[1]) == 64
        assert operator_line == f"operator_id: {operator.commitment}"
        session = httpx.get(f"http://{gateway}/dashboard/session", headers={"cookie": cookie})
        assert session.status_code == 200
        assert session.json() == {"operator_id": operator.commitment, "permissions": ["dashboard:read"]}

        unknown = subprocess.run(
            [
                str(BIN_DIR / "guardian-operator"),
                "login",
                "--url",
                f"http://{gateway}",
                "--key",
                str(tmp_path / "missing.key"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert unknown.returncode == 1 and "cannot read key file" in unknown.stderr
    finally:
        stack.signal(signal.SIGINT)
        assert stack.wait_exit(60) == 0
    assert allowlist.read_text() == configured, "a configured allowlist is never rewritten"
