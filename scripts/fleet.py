"""`make fleet`: N of every service on one machine, as a deployment runs them; Ctrl-C stops it all.

    make fleet                       # N = 2 (or FLEET_SIZE)
    .venv/bin/python scripts/fleet.py --size 3

Starts N coordinators (sharing one PostgreSQL database), N auth replicas, one devnet (the chain is one
thing), N gateways (gateway i asks auth replica i) and N canonicalizers (one leads, the others stand by),
each on its own free loopback port, and prints the gateway URLs.

The database: DATABASE_URL when set (the database it names is created on that server if it does not
exist), else an embedded PostgreSQL whose data stays under the fleet's run directory (GUARDIAN_RUN_DIR/fleet,
default .run/fleet/). Outside the prod stage the fleet's files are created there once and reused: the
internal token, the cursor secret and ack key every replica shares, a development operator key and the
operator allowlist (never overwritten: `make allow-operator KEY=FILE ALLOWLIST=.run/fleet/operators.json`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # `scripts._supervisor` & co. are shared with scripts/run_stack.py

from guardian_common.stage import Stage, resolve_stage  # noqa: E402
from scripts import _devfiles as files  # noqa: E402
from scripts._postgres import EmbeddedPostgres, database_name, ensure_database  # noqa: E402
from scripts._supervisor import BIN, Child, Supervisor  # noqa: E402

DEFAULT_SIZE = 2
MAX_SIZE = 16
DATABASE = "guardian"
ANY_PORT = "127.0.0.1:0"  # the OS picks a free loopback port; each service says which


def replicas(sup: Supervisor, name: str, script: str, count: int, env: dict[str, str]) -> list[Child]:
    """Spawns `count` copies at once (they boot in parallel), then waits for each to listen."""
    spawned = [sup.spawn(f"{name}-{i + 1}", [str(BIN / script)], env) for i in range(count)]
    return [sup.wait_ready(child) for child in spawned]


def database_url(sup: Supervisor, run_dir: Path) -> str:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        url = configured
    else:
        postgres = EmbeddedPostgres(run_dir / "postgres")
        postgres.start(sup)
        url = postgres.url(DATABASE)
    if ensure_database(url):
        sup.say(f"created the fleet's database {database_name(url)!r}")
    return url


def start(sup: Supervisor, size: int, run_dir: Path) -> list[str]:
    """Starts the fleet; returns the gateway URLs."""
    run_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("GUARDIAN_MAX_REPLICAS", str(size))  # fleet-wide limits are divided by this
    dev_key: Path | None = None
    if resolve_stage() is not Stage.PROD:
        env.update(files.development_secrets(run_dir, os.environ))
        if not os.environ.get("GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE"):
            sup.check()
            dev_key, allowlist, _ = files.development_allowlist(run_dir)
            env["GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE"] = str(allowlist)
            sup.say(f"operator allowlist: {allowlist} (yours to edit; it is never overwritten)")
    env.update(GUARDIAN_GRPC_ADDR=ANY_PORT, GUARDIAN_HTTP_ADDR=ANY_PORT)

    url = database_url(sup, run_dir)
    coordinators = replicas(
        sup,
        "coordinator",
        "guardian-coordinator",
        size,
        {**env, "DATABASE_URL": url, "GUARDIAN_COORDINATOR_BACKEND": "postgres"},
    )
    # gRPC's client-side list of replicas: calls spread over every coordinator.
    target = "ipv4:" + ",".join(child.addresses["grpc"] for child in coordinators)
    auth = replicas(sup, "auth", "guardian-auth", size, {**env, "GUARDIAN_COORDINATOR_TARGET": target})
    devnet = sup.start("devnet", [str(BIN / "guardian-devnet")], env)
    spawned = [
        sup.spawn(
            f"gateway-{i + 1}",
            [str(BIN / "guardian-gateway")],
            {
                **env,
                "GUARDIAN_COORDINATOR_TARGET": target,
                "GUARDIAN_AUTH_TARGET": auth[i].addresses["grpc"],
            },
        )
        for i in range(size)
    ]
    gateways = [sup.wait_ready(child) for child in spawned]
    replicas(
        sup,
        "canonicalizer",
        "guardian-canonicalizer",
        size,
        {
            **env,
            "GUARDIAN_COORDINATOR_TARGET": target,
            "GUARDIAN_MIDEN_RPC_ENDPOINT": f"http://{devnet.addresses['grpc']}",
        },
    )
    sup.started()
    urls = [f"http://{child.addresses['http']}" for child in gateways]
    sup.say(f"devnet control API: http://{devnet.addresses['http']}")
    for i, gateway_url in enumerate(urls):
        sup.say(f"gateway {i + 1}: {gateway_url}")
    if dev_key is not None:
        sup.say(f"log in: .venv/bin/guardian-operator login --url {urls[0]} --key {dev_key}")
    sup.say(f"{size} of every service running (one devnet); Ctrl-C stops the fleet")
    return urls


def fleet_size(text: str) -> int:
    try:
        size = int(text)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_SIZE:
        raise argparse.ArgumentTypeError(f"the fleet size must be an integer in 1..{MAX_SIZE}, not {text!r}")
    return size


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fleet.py", description="N of every Guardian service on loopback.")
    parser.add_argument(
        "--size",
        type=fleet_size,
        default=None,
        help=f"how many of each service (default: FLEET_SIZE, else {DEFAULT_SIZE})",
    )
    args = parser.parse_args(argv)
    try:
        size = args.size or fleet_size(os.environ.get("FLEET_SIZE") or str(DEFAULT_SIZE))
    except argparse.ArgumentTypeError as exc:
        parser.error(f"FLEET_SIZE: {exc}")
    run_dir = files.run_directory() / "fleet"

    # Signal handlers first: a Ctrl-C from here on stops what was started.
    return Supervisor("fleet").run(lambda sup: start(sup, size, run_dir), "fleet")


if __name__ == "__main__":
    sys.exit(main())
