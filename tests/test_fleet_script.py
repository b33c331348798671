"""`make fleet` (scripts/fleet.py) as the README tells a user to run it: it creates its database on
DATABASE_URL's server and its files, starts two of every service (one devnet), and the fleet serves
logins and custody through either gateway; Ctrl-C leaves no process and no busy port."""

from __future__ import annotations

import re
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest
from psycopg import sql

from guardian_client import (
    Cosigner,
    CustodyClient,
    LoginClient,
    OperatorKey,
    auth_config,
    delta_body,
    new_account_id,
)
from guardian_devnet.control import DevnetControl
from guardian_testing.custody_api import Api, wait_canonical, write_falcon_ack_key
from guardian_testing.database import DatabaseServer
from guardian_testing.identities import operators
from guardian_testing.processes import alive, port_is_free, spawn, started_children

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
FLEET = REPO / "scripts" / "fleet.py"
SERVICES = {"coordinator", "auth", "gateway", "canonicalizer"}


@pytest.fixture
def database_to_create(db_server: DatabaseServer) -> Iterator[str]:
    """A URL on the test server naming a database that does not exist yet (the fleet creates it)."""
    name = f"guardian_fleet_{time.monotonic_ns()}"
    parts = urlsplit(db_server.admin_url)
    yield urlunsplit((*parts[:2], f"/{name}", *parts[3:]))
    with psycopg.connect(db_server.admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


async def test_make_fleet_runs_two_of_everything_and_stops_cleanly(
    tmp_path: Path, database_to_create: str
) -> None:
    run_dir = tmp_path / "run"
    # The development operator key the fleet would generate, placed beforehand to skip the seconds that
    # Falcon key generation takes; the fleet builds its allowlist from it as from a generated one.
    key_path = run_dir / "fleet" / "dev-operator.key"
    key_path.parent.mkdir(parents=True)
    operator = operators()[0]
    key_path.write_text(operator.secret_key.to_bytes().hex() + "\n")
    key_path.chmod(0o600)
    write_falcon_ack_key(run_dir / "fleet")  # likewise the Falcon ack key the fleet's auth replicas share

    fleet = spawn(
        [sys.executable, str(FLEET), "--size", "2"],
        {
            "DATABASE_URL": database_to_create,
            "GUARDIAN_RUN_DIR": str(run_dir),
            "GUARDIAN_CANONICALIZATION_FAST_PROMOTION_INTERVAL_SECONDS": "0.3",
        },
        tmp_path,
        "fleet",
    )
    gateways: list[str] = []
    try:
        fleet.read_until(r"^\[fleet\] 2 of every service running", timeout=240)
        assert fleet.read_until(r"^\[fleet\] created the fleet's database 'guardian_fleet_\d+'")
        started = started_children(fleet.lines)
        assert set(started) == {f"{s}-{i}" for s in SERVICES for i in (1, 2)} | {"devnet"}
        gateways = [
            m["url"]
            for m in map(re.compile(r"^\[fleet\] gateway \d: (?P<url>http://\S+)$").match, fleet.lines)
            if m
        ]
        assert len(gateways) == 2
        devnet_line = fleet.read_until(r"^\[fleet\] devnet control API: ")
        devnet = DevnetControl(devnet_line.rsplit(" ", 1)[-1])
        for file in ("operators.json", "internal-token", "cursor-secret", "ack-ecdsa.key", "ack-falcon.key"):
            assert (run_dir / "fleet" / file).exists(), file

        # Logins through either gateway; a session made on one is valid on the other.
        key = OperatorKey.from_file(key_path)
        for here, there in ((0, 1), (1, 0)):
            async with LoginClient(gateways[here]) as client:
                session = await client.operator_login(key)
            async with LoginClient(gateways[there]) as client:
                assert (await client.operator_session(session)).operator_id == operator.commitment

        # A delta pushed through gateway 1, landed on the devnet, canonical as seen through gateway 2.
        signer, account_id = Cosigner.ecdsa(), new_account_id()
        async with httpx.AsyncClient(timeout=30) as http:
            api = Api(http, gateways)
            configured = await api.configure(
                signer, account_id, auth_config(signer), {"balance": 1}, gateway=0
            )
            assert configured.status_code == 200, configured.text
            state = (await api.get_state(signer, account_id, gateway=1)).json()
            pushed = await api.push(
                signer, delta_body(account_id, 1, state["commitment"], {"balance": 2}), gateway=0
            )
            assert pushed.status_code == 200, pushed.text
            await devnet.land(account_id, pushed.json()["new_commitment"])
            await wait_canonical(api, signer, account_id, 1, gateway=1)
            assert (await api.get_state(signer, account_id, gateway=1)).json()["state_json"] == {"balance": 2}

        # A Falcon account: its ack, made by either auth replica, verifies against the shared Falcon key
        # (the client takes the gateways in turn and checks every push's ack against GET /pubkey).
        falcon, falcon_account = Cosigner.falcon(operators()[1].secret_key), new_account_id()
        async with CustodyClient(gateways) as client:
            await client.configure(falcon, falcon_account, {"n": 1})
            base = (await client.get_state(falcon, falcon_account)).commitment
            assert (await client.push_delta(falcon, falcon_account, 1, base, {"n": 2})).ack_scheme == "falcon"
    finally:
        fleet.signal(signal.SIGINT)
        code = fleet.wait_exit(120)
    assert code == 0, "\n".join(fleet.lines[-30:])
    fleet.read_until(r"^\[fleet\] stopped$", timeout=10)
    left = {name: pid for name, pid in started_children(fleet.lines).items() if alive(pid)}
    assert not left, f"still running after the fleet stopped: {left}"
    busy = [url for url in gateways if not port_is_free(url.removeprefix("http://"))]
    assert not busy, busy
    assert not any("Traceback" in line for line in fleet.lines)
