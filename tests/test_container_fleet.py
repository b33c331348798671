"""The fleet on containers (deploy/compose/fleet.yml, scripts/fleet_compose.py), as `make fleet-up` runs it:
the five service images are built, PostgreSQL, 2 coordinators, 2 auth, 2 gateways behind a round-robin load
balancer, the devnet and 3 canonicalizers come up in health-gated order, and through the load balancer an
operator and a wallet log in (internal gRPC on mutual TLS), a delta is pushed, landed on the devnet and seen canonical, and a logout is
refused on every gateway afterwards.

Needs a Docker engine (DOCKER_HOST or the default socket): skipped with the reason when none answers.
`.ci/run` starts one. Base images: GUARDIAN_TEST_FLEET_LOCAL_BASE=1 (what `.ci/run` sets after building them
with deploy/local-base/build.sh) uses the Debian-built ones, else the public images. All traffic is on
127.0.0.1: the containers use host networking."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from guardian_client import (
    ApiError,
    Cosigner,
    LoginClient,
    OperatorKey,
    WalletKey,
    auth_config,
    delta_body,
    new_account_id,
)
from guardian_devnet.control import DevnetControl
from guardian_testing.custody_api import Api, wait_canonical
from guardian_testing.identities import wallets
from guardian_testing.processes import port_is_free

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "fleet_compose.py"
# Far from the other tests' ports and from `make fleet-up`'s default 17000.
PORT_BASE = 27000
OFFSETS = (432, 51, 52, 61, 62, 71, 72, 73, 80, 81, 82, 91, 92)


def docker_engine_problem() -> str | None:
    if shutil.which("docker") is None:
        return "no docker client on PATH"
    probe = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        return f"no Docker engine answers ({probe.stderr.strip().splitlines()[-1] if probe.stderr else 'docker info failed'})"
    return None


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp_path = tmp_path_factory.mktemp("container-fleet")
    problem = docker_engine_problem()
    if problem:
        pytest.skip(f"container fleet test needs a Docker engine: {problem} (.ci/run starts one)")
    busy = [PORT_BASE + offset for offset in OFFSETS if not port_is_free(f"127.0.0.1:{PORT_BASE + offset}")]
    assert not busy, f"the container fleet's ports are taken: {busy}"
    env = {
        **os.environ,
        "GUARDIAN_RUN_DIR": str(tmp_path / "run"),
        "FLEET_PORT_BASE": str(PORT_BASE),
        "FLEET_PROJECT": f"guardian-test-{os.getpid()}",
        "FLEET_FAST_PROMOTION_INTERVAL_SECONDS": "0.3",
        # One client address (the load balancer's) carries the whole chaos workload.
        "FLEET_RATE_BURST_PER_SEC": "2000",
        "FLEET_RATE_PER_MIN": "200000",
    }
    local = ["--local-base"] if os.environ.get("GUARDIAN_TEST_FLEET_LOCAL_BASE") == "1" else []
    script = [sys.executable, str(SCRIPT)]
    try:
        up = subprocess.run(
            [*script, "up", "--build", "--tls", *local], env=env, capture_output=True, text=True, timeout=900
        )
        assert up.returncode == 0, up.stdout[-4000:] + up.stderr[-4000:]
        urls = dict(
            re.findall(
                r"^\[fleet-compose\] (load balancer|gateway \d|devnet control API): (\S+)$", up.stdout, re.M
            )
        )
        urls["key"] = str(tmp_path / "run" / "compose-fleet" / "dev-operator.key")
        urls["project"] = env["FLEET_PROJECT"]
        urls["env"] = json.dumps(
            {k: env[k] for k in ("GUARDIAN_RUN_DIR", "FLEET_PORT_BASE", "FLEET_PROJECT")}
        )
        yield urls
    finally:
        logs = subprocess.run(
            [
                "docker",
                "ps",
                "-a",
                "--filter",
                f"label=com.docker.compose.project={env['FLEET_PROJECT']}",
                "-q",
            ],
            capture_output=True,
            text=True,
        )
        down = subprocess.run(
            [*script, "down", "--volumes"], env=env, capture_output=True, text=True, timeout=300
        )
        assert down.returncode == 0, down.stdout + down.stderr
        assert logs.returncode == 0


def coordination_lines(project: str) -> dict[str, str]:
    """Each container's `coordination mode=…` start-up line."""
    names = subprocess.run(
        ["docker", "ps", "--filter", f"label=com.docker.compose.project={project}", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    lines = {}
    for name in names:
        log = subprocess.run(["docker", "logs", name], capture_output=True, text=True, check=True)
        found = [
            line for line in (log.stdout + log.stderr).splitlines() if line.startswith("coordination mode=")
        ]
        lines[name] = found[0] if found else ""
    return lines


async def test_the_container_fleet_logs_in_pushes_canonicalizes_and_logs_out(fleet: dict[str, str]) -> None:
    balancer = fleet["load balancer"]
    gateways = [fleet["gateway 1"], fleet["gateway 2"]]
    devnet = DevnetControl(fleet["devnet control API"])

    services = {
        name: line
        for name, line in coordination_lines(fleet["project"]).items()
        if "postgres" not in name and "balancer" not in name and "devnet" not in name
    }
    assert len(services) == 9, services
    assert all("mode=shared backend=postgres" in line for line in services.values()), services

    # Operator: challenge and verify through the balancer (round-robin: usually two different gateways).
    async with LoginClient(balancer) as client:
        operator = await client.operator_login(OperatorKey.from_file(Path(fleet["key"])))
        wallet_identity = wallets()[0]
        wallet = await client.wallet_login(WalletKey(wallet_identity.private_key))
        for gateway in gateways:
            async with LoginClient(gateway) as direct:
                assert (await direct.operator_session(operator)).operator_id
                assert await direct.wallet_session(wallet) == wallet_identity.address

    # A delta pushed through the balancer, landed on the devnet, canonical as read through the balancer.
    signer, account_id = Cosigner.ecdsa(), new_account_id()
    async with httpx.AsyncClient(timeout=30) as http:
        api = Api(http, [balancer])
        configured = await api.configure(signer, account_id, auth_config(signer), {"balance": 1}, gateway=0)
        assert configured.status_code == 200, configured.text
        state = (await api.get_state(signer, account_id, gateway=0)).json()
        pushed = await api.push(
            signer, delta_body(account_id, 1, state["commitment"], {"balance": 2}), gateway=0
        )
        assert pushed.status_code == 200, pushed.text
        await devnet.land(account_id, pushed.json()["new_commitment"])
        await wait_canonical(api, signer, account_id, 1, gateway=0)
        assert (await api.get_state(signer, account_id, gateway=0)).json()["state_json"] == {"balance": 2}

    # Logged out through the balancer: both cookies are refused by every gateway.
    async with LoginClient(balancer) as client:
        await client.logout(operator)
        await client.logout(wallet)
    for gateway in gateways:
        async with LoginClient(gateway) as direct:
            with pytest.raises(ApiError) as refused:
                await direct.operator_session(operator)
            assert refused.value.status == 401
            with pytest.raises(ApiError) as refused:
                await direct.wallet_session(wallet)
            assert refused.value.status == 401


def run_chaos(fleet: dict[str, str], *args: str) -> str:
    env = {**os.environ, **json.loads(fleet["env"])}
    run = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "chaos.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert "violations: 0" in run.stdout, run.stdout[-6000:]
    return run.stdout


def test_a_short_fault_campaign_keeps_every_invariant(fleet: dict[str, str]) -> None:
    """`make chaos`'s short profile: kills, pauses and a PostgreSQL restart under the mixed workload."""
    report = run_chaos(fleet, "--duration", "30", "--fault-interval", "3", "--seed", "7")
    assert re.search(r"^  (kill|pause|restart) ", report, re.M), report


def test_a_rolling_restart_fails_no_request_and_hands_canonicalization_over(fleet: dict[str, str]) -> None:
    report = run_chaos(fleet, "--rolling", "--seed", "7")
    handovers = [
        float(x) for x in re.findall(r"shards held again after canonicalizer-\d stopped\s+([\d.]+) s", report)
    ]
    assert len(handovers) == 3, report
    # Within one check interval (GUARDIAN_CANONICALIZATION_CHECK_INTERVAL_SECONDS, 10 s by default).
    assert all(took <= 10 for took in handovers), report
