"""`make run`: the local stack in the foreground (PostgreSQL, coordinator, auth, gateway, devnet,
canonicalizer, and an EVM node: scripts/_evm_node.py); Ctrl-C stops it all.

Persistence: without DATABASE_URL the coordinator runs on an embedded PostgreSQL whose data stays under
the run directory (GUARDIAN_RUN_DIR, default .run/; data in .run/postgres/), so accounts, deltas,
candidates and sessions survive a restart. With DATABASE_URL the coordinator uses that database (it must
exist). GUARDIAN_COORDINATOR_BACKEND=memory runs a throwaway single-process stack instead.

Outside the prod stage the stack creates once, and reuses, under the run directory: the internal token,
the gateway's cursor secret, auth's ack key, a development operator key and the operator allowlist
(.run/operators.json: never overwritten; `make allow-operator KEY=FILE` adds keys to it). Settings the
environment already holds are used as they are.

Listen addresses: GUARDIAN_RUN_{COORDINATOR,AUTH,GATEWAY,DEVNET_GRPC,DEVNET_HTTP,CANONICALIZER,EVM}_ADDR
(docs/CONFIGURATION.md lists their defaults).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # `scripts._supervisor` & co. are shared with scripts/fleet.py

from guardian_common.stage import Stage, resolve_stage  # noqa: E402
from scripts import _devfiles as files  # noqa: E402
from scripts._evm_node import start_evm_node  # noqa: E402
from scripts._postgres import EmbeddedPostgres, ensure_database  # noqa: E402
from scripts._supervisor import BIN, StartFailed, Supervisor, check_addresses  # noqa: E402

ADDRESSES = {
    "GUARDIAN_RUN_COORDINATOR_ADDR": "127.0.0.1:50051",
    "GUARDIAN_RUN_AUTH_ADDR": "127.0.0.1:50061",
    "GUARDIAN_RUN_GATEWAY_ADDR": "127.0.0.1:8080",
    "GUARDIAN_RUN_DEVNET_GRPC_ADDR": "127.0.0.1:57291",
    "GUARDIAN_RUN_DEVNET_HTTP_ADDR": "127.0.0.1:57292",
    "GUARDIAN_RUN_CANONICALIZER_ADDR": "127.0.0.1:50071",
    "GUARDIAN_RUN_EVM_ADDR": "127.0.0.1:57293",
}
DATABASE = "guardian"


def backend() -> str:
    value = os.environ.get("GUARDIAN_COORDINATOR_BACKEND", "postgres").strip().lower()
    if value not in ("postgres", "memory"):
        raise StartFailed(f"GUARDIAN_COORDINATOR_BACKEND={value!r}: use postgres (the default) or memory")
    return value


def start(sup: Supervisor) -> dict[str, str]:
    """Starts the stack in dependency order; returns the listen addresses."""
    addresses = {setting: os.environ.get(setting) or default for setting, default in ADDRESSES.items()}
    check_addresses(addresses)
    run_dir = files.run_directory()
    run_dir.mkdir(parents=True, exist_ok=True)
    chosen_backend = backend()
    env = dict(os.environ)
    dev_key: Path | None = None
    if resolve_stage() is not Stage.PROD:
        env.update(files.development_secrets(run_dir, os.environ))
        if not os.environ.get("GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE"):
            sup.check()
            dev_key, allowlist, created = files.development_allowlist(run_dir)
            if created:
                sup.say(f"created a development operator key: {dev_key}")
            env["GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE"] = str(allowlist)
            sup.say(
                f"operator allowlist: {allowlist} (yours to edit; `make allow-operator KEY=FILE` adds a key)"
            )

    coordinator_env = {**env, "GUARDIAN_GRPC_ADDR": addresses["GUARDIAN_RUN_COORDINATOR_ADDR"]}
    if chosen_backend == "postgres" and not os.environ.get("DATABASE_URL"):
        postgres = EmbeddedPostgres(run_dir / "postgres")
        postgres.start(sup)
        database_url = postgres.url(DATABASE)
        if ensure_database(database_url):
            sup.say(f"created database {DATABASE!r} in {postgres.data_dir}")
        coordinator_env["DATABASE_URL"] = database_url
    coordinator = addresses["GUARDIAN_RUN_COORDINATOR_ADDR"]
    sup.start("coordinator", [str(BIN / "guardian-coordinator")], coordinator_env)
    sup.start(
        "auth",
        [str(BIN / "guardian-auth")],
        {
            **env,
            "GUARDIAN_GRPC_ADDR": addresses["GUARDIAN_RUN_AUTH_ADDR"],
            "GUARDIAN_COORDINATOR_TARGET": coordinator,
        },
    )
    # The EVM chain the EVM routes read (anvil with the contracts of tools/evm-node); settings already in
    # the environment win over the local node's.
    evm_settings = start_evm_node(sup, addresses["GUARDIAN_RUN_EVM_ADDR"], run_dir)
    sup.start(
        "gateway",
        [str(BIN / "guardian-gateway")],
        {
            **evm_settings,
            **env,
            "GUARDIAN_HTTP_ADDR": addresses["GUARDIAN_RUN_GATEWAY_ADDR"],
            "GUARDIAN_AUTH_TARGET": addresses["GUARDIAN_RUN_AUTH_ADDR"],
            "GUARDIAN_COORDINATOR_TARGET": coordinator,
        },
    )
    devnet_grpc = addresses["GUARDIAN_RUN_DEVNET_GRPC_ADDR"]
    sup.start(
        "devnet",
        [str(BIN / "guardian-devnet")],
        {
            **env,
            "GUARDIAN_GRPC_ADDR": devnet_grpc,
            "GUARDIAN_HTTP_ADDR": addresses["GUARDIAN_RUN_DEVNET_HTTP_ADDR"],
        },
    )
    sup.start(
        "canonicalizer",
        [str(BIN / "guardian-canonicalizer")],
        {
            **env,
            "GUARDIAN_GRPC_ADDR": addresses["GUARDIAN_RUN_CANONICALIZER_ADDR"],
            "GUARDIAN_COORDINATOR_TARGET": coordinator,
            "GUARDIAN_MIDEN_RPC_ENDPOINT": f"http://{devnet_grpc}",
        },
    )
    sup.started()
    gateway = addresses["GUARDIAN_RUN_GATEWAY_ADDR"]
    sup.say(f"devnet control API: http://{addresses['GUARDIAN_RUN_DEVNET_HTTP_ADDR']}")
    if dev_key is not None:
        sup.say(f"log in: .venv/bin/guardian-operator login --url http://{gateway} --key {dev_key}")
    sup.say(f"gateway: http://{gateway}   (API docs at /docs; Ctrl-C stops the stack)")
    return addresses


def main() -> int:
    # Signal handlers first: a Ctrl-C from here on stops what was started.
    return Supervisor("stack").run(start, "stack")


if __name__ == "__main__":
    sys.exit(main())
