"""`make run` (scripts/run_stack.py) as a user runs it: custody and sessions persist across a restart on
the embedded PostgreSQL under the run directory; Ctrl-C at any moment leaves no process and no busy
port; a service or a setting that cannot work stops the start with one line and a non-zero exit."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from guardian_client import (
    Cosigner,
    LoginClient,
    OperatorKey,
    OperatorSession,
    auth_config,
    delta_body,
    new_account_id,
)
from guardian_devnet.control import DevnetControl
from guardian_testing.custody_api import Api, wait_canonical, write_falcon_ack_key
from guardian_testing.fleet import write_allowlist
from guardian_testing.identities import operators
from guardian_testing.processes import (
    ServiceProcess,
    alive,
    free_address,
    port_is_free,
    spawn,
    started_children,
)

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
RUN_STACK = REPO / "scripts" / "run_stack.py"
ADDRESS_SETTINGS = [
    "GUARDIAN_RUN_COORDINATOR_ADDR",
    "GUARDIAN_RUN_AUTH_ADDR",
    "GUARDIAN_RUN_GATEWAY_ADDR",
    "GUARDIAN_RUN_DEVNET_GRPC_ADDR",
    "GUARDIAN_RUN_DEVNET_HTTP_ADDR",
    "GUARDIAN_RUN_CANONICALIZER_ADDR",
    "GUARDIAN_RUN_EVM_ADDR",
]
READY = r"^\[stack\] gateway: http://"


def stack_env(run_dir: Path, *, falcon_ack_key: bool = True, **extra: str) -> dict[str, str]:
    """Free loopback ports, a private run directory, and a canonicalizer that promotes quickly. Unless
    `falcon_ack_key` is False, the Falcon ack key make run would generate is placed in the run directory
    beforehand (generating one takes seconds); make run then uses it as it would its own."""
    if falcon_ack_key:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_falcon_ack_key(run_dir)
    return {
        **{setting: free_address() for setting in ADDRESS_SETTINGS},
        "GUARDIAN_RUN_DIR": str(run_dir),
        "GUARDIAN_CANONICALIZATION_FAST_PROMOTION_INTERVAL_SECONDS": "0.3",
        **extra,
    }


def start_stack(env: dict[str, str], log_dir: Path) -> ServiceProcess:
    return spawn([sys.executable, str(RUN_STACK)], env, log_dir, "run-stack")


def stop_and_check(stack: ServiceProcess, env: dict[str, str], sig: signal.Signals = signal.SIGINT) -> int:
    """Stops the stack by `sig`; then no process it started is alive and every port is free."""
    stack.signal(sig)
    code = stack.wait_exit(90)
    stack.read_until(r"^\[stack\] stopped$", timeout=10)
    assert_nothing_left(stack, env)
    return code


def assert_nothing_left(stack: ServiceProcess, env: dict[str, str]) -> None:
    assert stack.popen.poll() is not None
    children = started_children(stack.lines)
    left = {name: pid for name, pid in children.items() if alive(pid)}
    assert not left, f"still running after the stack exited: {left}"
    busy = [setting for setting in ADDRESS_SETTINGS if not port_is_free(env[setting])]
    assert not busy, f"ports still in use: {busy}"
    postmaster = Path(env["GUARDIAN_RUN_DIR"]) / "postgres" / "postmaster.pid"
    assert not postmaster.exists(), "the embedded PostgreSQL did not shut down"
    assert not any("Traceback" in line for line in stack.lines), "\n".join(stack.lines)


async def log_in(gateway: str, key: OperatorKey) -> OperatorSession:
    async with LoginClient(gateway) as client:
        return await client.operator_login(key)


def key_file(path: Path, index: int) -> Path:
    path.write_text(operators()[index].secret_key.to_bytes().hex() + "\n")
    path.chmod(0o600)
    return path


def allow_operator(run_dir: Path, key: Path) -> subprocess.CompletedProcess[str]:
    """`make allow-operator KEY=…` for the run directory `run_dir`."""
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "allow_operator.py"), "--key", str(key)],
        env={**os.environ, "GUARDIAN_RUN_DIR": str(run_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_make_run_keeps_custody_and_sessions_across_a_restart(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    env = stack_env(run_dir, falcon_ack_key=False)  # make run generates it, once
    gateway = f"http://{env['GUARDIAN_RUN_GATEWAY_ADDR']}"
    devnet = DevnetControl(f"http://{env['GUARDIAN_RUN_DEVNET_HTTP_ADDR']}")
    signer, account_id = Cosigner.ecdsa(), new_account_id()

    stack = start_stack(env, tmp_path)
    try:
        stack.read_until(READY, timeout=180)
        assert stack.read_until(r"^\[coordinator\] coordination mode=shared backend=postgres")
        async with httpx.AsyncClient(timeout=30) as http:
            api = Api(http, [gateway])
            configured = await api.configure(signer, account_id, auth_config(signer), {"balance": 10})
            assert configured.status_code == 200, configured.text
            state = (await api.get_state(signer, account_id)).json()
            pushed = await api.push(signer, delta_body(account_id, 1, state["commitment"], {"balance": 11}))
            assert pushed.status_code == 200, pushed.text
            await devnet.land(account_id, pushed.json()["new_commitment"])
            canonical = await wait_canonical(api, signer, account_id, 1)
            state_before = (await api.get_state(signer, account_id)).json()
            assert state_before["state_json"] == {"balance": 11}
            session = await log_in(gateway, OperatorKey.from_file(run_dir / "dev-operator.key"))
            seen = await http.get(f"{gateway}/dashboard/session", headers={"cookie": session.cookie})
            assert seen.status_code == 200
            falcon_before = (await http.get(f"{gateway}/pubkey", params={"scheme": "falcon"})).json()
    finally:
        assert stop_and_check(stack, env) == 0
    allowlist = run_dir / "operators.json"
    # make run made the Falcon ack key file once, private to the user, for auth's Falcon acks.
    assert (run_dir / "ack-falcon.key").stat().st_mode & 0o077 == 0

    # Between runs the user allows a second operator; the next start must keep that (never overwrite).
    allowed = await asyncio.to_thread(allow_operator, run_dir, key_file(tmp_path / "k", 1))
    assert allowed.returncode == 0, allowed.stderr
    assert operators()[1].commitment in allowed.stdout
    allowlist_before = allowlist.read_bytes()

    stack = start_stack(env, tmp_path)
    try:
        stack.read_until(READY, timeout=180)
        assert not any("creating the PostgreSQL data directory" in line for line in stack.lines)
        assert not any("created a development operator key" in line for line in stack.lines)
        assert allowlist.read_bytes() == allowlist_before
        async with httpx.AsyncClient(timeout=30) as http:
            api = Api(http, [gateway])
            assert (await api.get_state(signer, account_id)).json() == state_before
            after = (await api.get_delta(signer, account_id, 1)).json()
            assert after == canonical
            seen = await http.get(f"{gateway}/dashboard/session", headers={"cookie": session.cookie})
            assert seen.status_code == 200, "the operator session survived the restart"
            assert seen.json()["operator_id"] == session.operator_id
            second = await log_in(gateway, OperatorKey(operators()[1].secret_key))
            assert second.operator_id == operators()[1].commitment
            falcon_after = (await http.get(f"{gateway}/pubkey", params={"scheme": "falcon"})).json()
            assert falcon_after == falcon_before, "the Falcon ack key survived the restart"
    finally:
        assert stop_and_check(stack, env) == 0


@pytest.fixture(scope="module")
def shared_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run directory for the interruption tests: the first initialises PostgreSQL, the rest reuse it."""
    return tmp_path_factory.mktemp("interrupted") / "run"


@pytest.mark.parametrize(
    "moment",
    [
        r"creating the PostgreSQL data directory",
        r"started postgres",
        r"started coordinator",
        r"started gateway",
        r"started canonicalizer",
    ],
)
def test_ctrl_c_at_any_moment_of_start_up_leaves_nothing_behind(
    shared_run_dir: Path, tmp_path: Path, moment: str
) -> None:
    allowlist = tmp_path / "operators.json"
    write_allowlist(allowlist, [(operators()[0], ["dashboard:read"])])
    env = stack_env(shared_run_dir, GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE=str(allowlist))
    if moment.startswith("creating") and (shared_run_dir / "postgres" / "PG_VERSION").exists():
        pytest.fail("the data directory must be new for this moment (it comes first)")
    stack = start_stack(env, tmp_path)
    stack.read_until(rf"^\[stack\] {moment}", timeout=120)
    code = stop_and_check(stack, env, signal.SIGINT)
    assert code in (0, 130), "\n".join(stack.lines)
    if code == 130:
        assert stack.read_until(r"^\[stack\] received SIGINT during start-up")


def test_sigterm_after_start_stops_everything(tmp_path: Path) -> None:
    allowlist = tmp_path / "operators.json"
    write_allowlist(allowlist, [(operators()[0], ["dashboard:read"])])
    env = stack_env(
        tmp_path / "run",
        GUARDIAN_COORDINATOR_BACKEND="memory",
        GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE=str(allowlist),
    )
    stack = start_stack(env, tmp_path)
    stack.read_until(READY, timeout=120)
    assert stop_and_check(stack, env, signal.SIGTERM) == 0
    assert set(started_children(stack.lines)) == {
        "coordinator",
        "auth",
        "evm",
        "gateway",
        "devnet",
        "canonicalizer",
    }


def test_a_service_that_refuses_to_start_stops_the_stack_with_its_cause(tmp_path: Path) -> None:
    allowlist = tmp_path / "operators.json"
    write_allowlist(allowlist, [(operators()[0], ["dashboard:read"])])
    env = stack_env(
        tmp_path / "run",
        GUARDIAN_COORDINATOR_BACKEND="memory",
        GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE=str(allowlist),
        GUARDIAN_DASHBOARD_CURSOR_SECRET="not-hex",
    )
    stack = start_stack(env, tmp_path)
    assert stack.wait_exit(120) == 1
    last = stack.read_until(r"^\[stack\] start-up failed: ", timeout=10)
    assert last.startswith("[stack] start-up failed: gateway exited with code 2 during start-up: ")
    assert "GUARDIAN_DASHBOARD_CURSOR_SECRET is malformed" in last
    assert set(started_children(stack.lines)) == {"coordinator", "auth", "evm", "gateway"}
    assert_nothing_left(stack, env)


def test_a_missing_database_is_one_line_and_nothing_else_starts(
    tmp_path: Path, run_database_url: str
) -> None:
    parts = urlsplit(run_database_url)
    missing = urlunsplit((*parts[:2], "/guardian_missing_database", *parts[3:]))
    env = stack_env(
        tmp_path / "run", DATABASE_URL=missing, GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE=str(tmp_path / "none.json")
    )
    stack = start_stack(env, tmp_path)
    assert stack.wait_exit(120) == 1
    stack.read_until(r"^\[stack\] stopped$", timeout=10)
    [failure] = [line for line in stack.lines if line.startswith("[stack] start-up failed")]
    assert re.search(
        r"coordinator exited with code 2 during start-up: DATABASE_URL=\S+: database "
        r'"guardian_missing_database" does not exist; create the database first',
        failure,
    )
    assert set(started_children(stack.lines)) == {"coordinator"}
    assert_nothing_left(stack, env)


def test_a_busy_port_fails_before_anything_starts(tmp_path: Path) -> None:
    env = stack_env(tmp_path / "run", GUARDIAN_COORDINATOR_BACKEND="memory")
    host, _, port = env["GUARDIAN_RUN_GATEWAY_ADDR"].rpartition(":")
    with socket.socket() as holder:
        holder.bind((host, int(port)))
        holder.listen()
        stack = start_stack(env, tmp_path)
        assert stack.wait_exit(60) == 1
    failure = stack.read_until(r"^\[stack\] start-up failed", timeout=10)
    assert f"GUARDIAN_RUN_GATEWAY_ADDR={env['GUARDIAN_RUN_GATEWAY_ADDR']} cannot be used" in failure
    assert started_children(stack.lines) == {}
    assert not any("Traceback" in line for line in stack.lines)
