"""`make chaos`: a fault campaign on the container fleet of `make fleet-up` (deploy/compose/fleet.yml).

    .venv/bin/python scripts/chaos.py [--duration 600] [--fault-interval 6] [--seed N]
    .venv/bin/python scripts/chaos.py --rolling        # a rolling restart instead of random faults

While a mixed workload runs through the load balancer (scripts/_chaos_workload.py: operator and wallet logins,
session reads, logouts, signed pushes, landings on the devnet, abandons), a scheduler kills service containers
(`docker kill`, started again after a few seconds), freezes and thaws them (`docker pause`/`unpause`, like
SIGSTOP), restarts PostgreSQL, and cuts or stalls the coordinators' link to PostgreSQL through the tests' own
fault proxy (guardian_testing.fault_proxy: the coordinators are restarted one at a time onto the proxy first,
and back onto the direct link at the end; --no-links skips this). When the faults stop it measures how long the fleet takes to be healthy again
without any manual action, lets the workload finish, lands what is left and checks the invariants:

- no session admitted after its logout succeeded (checked by the workload on every gateway);
- every challenge consumed at most once (each successful verify is replayed and must be refused);
- every acknowledged push present in the database with its commitment, every delta the client saw canonical
  still canonical, no candidate left, and each account's state equal to its last canonical delta's result
  (a delta promoted twice or out of order would break this);
- every container healthy again within --recovery-bound seconds.

`--rolling` stops and starts every service replica in turn (SIGTERM, drained) under the same workload and
requires, besides the invariants, zero failed operations (retryable answers are retried by the client) and
reports how long the canonicalization shards took to be held again after each canonicalizer stopped.

It prints a table (operations by kind and outcome, faults by kind, invariants and violations, recovery
times) and exits 1 on any violation. The fleet is found as scripts/fleet_compose.py starts it
(FLEET_PORT_BASE, FLEET_PROJECT, GUARDIAN_RUN_DIR).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from guardian_client import OperatorKey, WalletKey  # noqa: E402
from guardian_devnet.control import DevnetControl  # noqa: E402
from guardian_testing.fault_proxy import FaultProxy  # noqa: E402
from scripts import fleet_compose  # noqa: E402
from scripts._chaos_workload import Ledger, Workload  # noqa: E402

REPLICAS = [
    "coordinator-1",
    "coordinator-2",
    "auth-1",
    "auth-2",
    "canonicalizer-1",
    "canonicalizer-2",
    "canonicalizer-3",
    "gateway-1",
    "gateway-2",
]


@dataclass
class Fleet:
    project: str
    balancer: str
    gateways: list[str]
    devnet: str
    database_url: str
    fleet_dir: Path

    @classmethod
    def discover(cls) -> Fleet:
        base = int(os.environ.get("FLEET_PORT_BASE", "17000"))
        port = {name: base + offset for name, offset in fleet_compose.PORT_OFFSETS.items()}
        fleet_dir = fleet_compose.fleet_directory()
        password = (fleet_dir / "postgres-password").read_text().strip()
        return cls(
            project=os.environ.get("FLEET_PROJECT", "guardian-fleet"),
            balancer=f"http://127.0.0.1:{port['FLEET_LB_PORT']}",
            gateways=[f"http://127.0.0.1:{port[f'FLEET_GATEWAY_{i}_PORT']}" for i in (1, 2)],
            devnet=f"http://127.0.0.1:{port['FLEET_DEVNET_HTTP_PORT']}",
            database_url=(
                f"postgresql://guardian:{password}@127.0.0.1:{port['FLEET_POSTGRES_PORT']}/guardian?sslmode=disable"
            ),
            fleet_dir=fleet_dir,
        )

    def container(self, service: str) -> str:
        return f"{self.project}-{service}-1"


@dataclass
class Report:
    faults: Counter[str] = field(default_factory=Counter)
    recoveries: list[tuple[str, float]] = field(default_factory=list)
    invariants: dict[str, int] = field(default_factory=dict)  # name -> violations
    notes: list[str] = field(default_factory=list)


async def docker(*args: str, check: bool = True) -> str:
    process = await asyncio.create_subprocess_exec(
        "docker", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    if check and process.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {err.decode().strip()}")
    return out.decode().strip()


async def health(fleet: Fleet, service: str) -> str:
    state = json.loads(await docker("inspect", "--format", "{{json .State}}", fleet.container(service)))
    if state.get("Paused"):
        return "paused"
    if not state.get("Running"):
        return "stopped"
    # A container without a healthcheck (the load balancer) counts as healthy while it runs.
    return str(state.get("Health", {}).get("Status", "healthy"))


async def wait_healthy(fleet: Fleet, services: Sequence[str], bound: float) -> float:
    """Seconds until every service is healthy and the load balancer answers /readyz with 200."""
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=3) as http:
        while time.monotonic() - started < bound:
            states = [await health(fleet, s) for s in services]
            if all(state == "healthy" for state in states):
                try:
                    if (await http.get(f"{fleet.balancer}/readyz")).status_code == 200:
                        return time.monotonic() - started
                except httpx.HTTPError:
                    pass
            await asyncio.sleep(0.5)
    return float("inf")


# ------------------------------------------------------------------------------------------------ faults


async def fault_campaign(
    fleet: Fleet, report: Report, duration: float, interval: float, seed: int, link: FaultProxy | None
) -> None:
    rng = random.Random(seed)
    kinds = ["kill", "kill", "pause", "pause", "postgres-restart"]
    if link is not None:
        kinds += ["db-link-cut", "db-link-stall"]
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        kind = rng.choice(kinds)
        service = rng.choice(REPLICAS)
        hold = rng.uniform(2.0, 6.0)
        if kind == "kill":
            await docker("kill", fleet.container(service), check=False)
            await asyncio.sleep(hold)
            await docker("start", fleet.container(service), check=False)
            report.faults[f"kill {service.rsplit('-', 1)[0]}"] += 1
        elif kind == "pause":
            await docker("pause", fleet.container(service), check=False)
            await asyncio.sleep(hold)
            await docker("unpause", fleet.container(service), check=False)
            report.faults[f"pause {service.rsplit('-', 1)[0]}"] += 1
        elif kind == "postgres-restart":
            await docker("restart", "-t", "5", fleet.container("postgres"), check=False)
            report.faults["restart postgres"] += 1
        elif link is not None:
            (link.cut if kind == "db-link-cut" else link.stall)()
            await asyncio.sleep(hold)
            link.restore()
            report.faults[
                "cut coordinator-database link"
                if kind == "db-link-cut"
                else "stall coordinator-database link"
            ] += 1
        await asyncio.sleep(rng.uniform(interval / 2, interval))


def write_in_place(path: Path, text: str) -> None:
    """Rewrites a bind-mounted secret without replacing its inode (a container sees the new content)."""
    with path.open("r+", encoding="utf-8") as handle:
        handle.seek(0)
        handle.write(text + "\n")
        handle.truncate()


async def move_database_link(fleet: Fleet, url: str) -> None:
    """Points the coordinators at `url` (their DATABASE_URL_FILE secret) and restarts them one at a time."""
    write_in_place(fleet.fleet_dir / "secrets" / "database_url", url)
    for service in ("coordinator-1", "coordinator-2"):
        await docker("restart", "-t", "30", fleet.container(service))
        await wait_healthy(fleet, [service], 120)


async def heal(fleet: Fleet) -> None:
    """Whatever a fault left behind: unpause and start every container."""
    for service in [*REPLICAS, "postgres"]:
        state = await health(fleet, service)
        if state == "paused":
            await docker("unpause", fleet.container(service), check=False)
        elif state == "stopped":
            await docker("start", fleet.container(service), check=False)


async def live_shard_leases(database_url: str) -> tuple[int, int]:
    """(shard leases held and unexpired, shards in all) from the coordinator's lease table."""
    async with await psycopg.AsyncConnection.connect(database_url, connect_timeout=3) as conn:
        rows = await (
            await conn.execute(
                "SELECT lease_name, expires_at > now() FROM worker_leases WHERE lease_name LIKE 'canonicalization/shard-%'"
            )
        ).fetchall()
    total = int(str(rows[0][0]).rsplit("-of-", 1)[1]) if rows else 0
    return sum(1 for _, live in rows if live), total


async def rolling_restart(fleet: Fleet, report: Report) -> None:
    for service in REPLICAS:
        await docker("stop", "-t", "30", fleet.container(service))
        stopped = time.monotonic()
        if service.startswith("canonicalizer"):
            handover = float("inf")
            while time.monotonic() - stopped < 60:
                held, total = await live_shard_leases(fleet.database_url)
                if total and held == total:
                    handover = time.monotonic() - stopped
                    break
                await asyncio.sleep(0.2)
            report.recoveries.append((f"shards held again after {service} stopped", handover))
        await docker("start", fleet.container(service))
        report.faults[f"rolling restart {service.rsplit('-', 1)[0]}"] += 1
        took = await wait_healthy(fleet, [service], 120)
        report.recoveries.append((f"{service} healthy after its restart", took))


# ---------------------------------------------------------------------------------------------- invariants


async def settle_candidates(fleet: Fleet, ledger: Ledger, devnet: DevnetControl, bound: float) -> int:
    """Lands every candidate the workload's accounts still hold and waits until none is left; returns how
    many are left after `bound` seconds."""
    accounts = list(ledger.accounts)
    deadline = time.monotonic() + bound
    while True:
        async with await psycopg.AsyncConnection.connect(fleet.database_url) as conn:
            rows = await (
                await conn.execute(
                    "SELECT account_id, new_commitment FROM deltas WHERE status_kind = 'candidate' AND account_id = ANY(%s)",
                    (accounts,),
                )
            ).fetchall()
        if not rows or time.monotonic() > deadline:
            return len(rows)
        for account_id, commitment in rows:
            if commitment:
                await devnet.land(account_id, commitment)
        await asyncio.sleep(1.0)


async def check_database(fleet: Fleet, ledger: Ledger, report: Report) -> list[str]:
    violations: list[str] = []
    async with await psycopg.AsyncConnection.connect(fleet.database_url) as conn:
        rows = await (
            await conn.execute(
                "SELECT account_id, nonce, new_commitment, status_kind, delta_payload FROM deltas WHERE account_id = ANY(%s)",
                (list(ledger.accounts),),
            )
        ).fetchall()
        states: dict[str, dict[str, Any]] = dict(
            await (
                await conn.execute(
                    "SELECT account_id, state_json FROM states WHERE account_id = ANY(%s)",
                    (list(ledger.accounts),),
                )
            ).fetchall()
        )
    deltas = {(a, n): (c, k, p) for a, n, c, k, p in rows}
    lost = [f"{a}/{n}" for a, n, c in ledger.acked if deltas.get((a, n), ("",))[0] != c]
    report.invariants["every acknowledged push present with its commitment"] = len(lost)
    violations += [f"acknowledged push lost or changed: {x}" for x in lost]
    demoted = [
        f"{a}/{n}"
        for a, n, c in ledger.canonical_seen
        if deltas.get((a, n), ("", ""))[:2] != (c, "canonical")
    ]
    report.invariants["every delta seen canonical stays canonical"] = len(demoted)
    violations += [f"canonical delta changed: {x}" for x in demoted]
    left = [f"{a}/{n}" for (a, n), (_c, kind, _p) in deltas.items() if kind == "candidate"]
    report.invariants["every candidate in a terminal state"] = len(left)
    violations += [f"candidate never resolved: {x}" for x in left]
    wrong_state = []
    for account_id in ledger.accounts:
        canonical = sorted(
            (n, p) for (a, n), (_c, kind, p) in deltas.items() if a == account_id and kind == "canonical"
        )
        expected_step = canonical[-1][1]["patch"]["step"] if canonical else 0
        if states.get(account_id, {}).get("step") != expected_step:
            wrong_state.append(
                f"{account_id}: state step {states.get(account_id, {}).get('step')} != {expected_step}"
            )
    report.invariants["each state is its last canonical delta's result (promoted once, in order)"] = len(
        wrong_state
    )
    violations += wrong_state
    return violations


# ------------------------------------------------------------------------------------------------- report


def print_report(ledger: Ledger, report: Report, seconds: float, mode: str) -> None:
    print(f"\n== chaos campaign ({mode}), {seconds:.0f} s of faults ==")
    print("\noperations by kind and outcome")
    print(f"  {'operation':34} {'ok':>7} {'retried':>8} {'refused (retryable)':>20} {'failed':>7}")
    kinds = sorted({kind for kind, _ in ledger.operations})
    for kind in kinds:
        counts = [ledger.operations[(kind, o)] for o in ("ok", "retried", "refused_retryable", "failed")]
        print(f"  {kind:34} {counts[0]:>7} {counts[1]:>8} {counts[2]:>20} {counts[3]:>7}")
    print("\nfaults by kind")
    for kind, count in sorted(report.faults.items()):
        print(f"  {kind:34} {count:>7}")
    print("\ninvariants (violations)")
    for name, count in report.invariants.items():
        print(f"  {name:80} {count:>3}")
    print("\nrecovery")
    for name, took in report.recoveries:
        print(f"  {name:60} {took:8.1f} s")
    if ledger.failures:
        print("\noperations that did not succeed, by error")
        for detail, count in ledger.failures.most_common(15):
            print(f"  {count:>5} × {detail}")
    for note in report.notes:
        print(f"note: {note}")


async def campaign(args: argparse.Namespace) -> int:
    fleet = Fleet.discover()
    devnet = DevnetControl(fleet.devnet)
    workload = Workload(
        balancer=fleet.balancer,
        gateways=fleet.gateways,
        devnet=devnet,
        operator_key=OperatorKey.from_file(fleet.fleet_dir / "dev-operator.key"),
        wallet_keys=[WalletKey(os.urandom(32)) for _ in range(args.login_workers)],
    )
    report = Report()
    ready = await wait_healthy(fleet, [*REPLICAS, "postgres", "devnet", "load-balancer"], 120)
    if ready == float("inf"):
        print("chaos: the fleet is not healthy; start it with make fleet-up", file=sys.stderr)
        return 2
    link: FaultProxy | None = None
    if not args.rolling and args.links:
        link = FaultProxy(fleet.database_url).start()
        await move_database_link(fleet, link.url())
    try:
        return await run_campaign(args, fleet, devnet, workload, report, link)
    finally:
        if link is not None:
            await move_database_link(fleet, fleet.database_url)  # back onto the direct link; the proxy goes
            link.stop()


async def run_campaign(
    args: argparse.Namespace,
    fleet: Fleet,
    devnet: DevnetControl,
    workload: Workload,
    report: Report,
    link: FaultProxy | None,
) -> int:
    running = asyncio.create_task(workload.run(args.custody_workers, args.login_workers))
    started = time.monotonic()
    try:
        if args.rolling:
            await rolling_restart(fleet, report)
        else:
            await fault_campaign(fleet, report, args.duration, args.fault_interval, args.seed, link)
    finally:
        if link is not None:
            link.restore()
        await heal(fleet)
    faulted = time.monotonic() - started
    recovery = await wait_healthy(fleet, [*REPLICAS, "postgres"], args.recovery_bound)
    report.recoveries.append(("every container healthy after the faults stopped", recovery))
    report.invariants["fleet healthy again within the bound, no manual action"] = int(
        recovery == float("inf")
    )
    # Some work after the faults, then the workload stops (each client finishes what it started).
    await asyncio.sleep(args.calm_seconds)
    workload.stop.set()
    await running
    left = await settle_candidates(fleet, workload.ledger, devnet, 120)
    if left:
        report.notes.append(f"{left} candidate(s) still unresolved 120 s after landing")
    violations = list(workload.ledger.violations)
    report.invariants["no session admitted after its logout"] = sum("admitted after" in v for v in violations)
    report.invariants["every challenge consumed at most once"] = sum(
        "accepted twice" in v for v in violations
    )
    violations += await check_database(fleet, workload.ledger, report)
    if args.rolling:
        failed = sum(
            c for (_k, o), c in workload.ledger.operations.items() if o in ("failed", "refused_retryable")
        )
        report.invariants["rolling restart: no failed operation"] = failed
        if failed:
            violations.append(f"{failed} operation(s) failed during the rolling restart")
    if recovery == float("inf"):
        violations.append(f"the fleet was not healthy within {args.recovery_bound} s of the last fault")
    print_report(workload.ledger, report, faulted, "rolling restart" if args.rolling else "random faults")
    print(f"\nviolations: {len(violations)}")
    for violation in violations[:20]:
        print(f"  {violation}")
    return 1 if violations else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A fault campaign on the container fleet (make fleet-up).")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of faults (default 600)")
    parser.add_argument(
        "--fault-interval", type=float, default=6.0, help="at most this many seconds between faults"
    )
    parser.add_argument("--seed", type=int, default=int(time.time()), help="the fault schedule's seed")
    parser.add_argument("--rolling", action="store_true", help="a rolling restart instead of random faults")
    parser.add_argument(
        "--no-links", dest="links", action="store_false", help="no faults on the coordinators' database link"
    )
    parser.add_argument("--custody-workers", type=int, default=4)
    parser.add_argument("--login-workers", type=int, default=1)
    parser.add_argument("--recovery-bound", type=float, default=90.0, help="seconds (default 90)")
    parser.add_argument(
        "--calm-seconds", type=float, default=5.0, help="workload after the faults (default 5)"
    )
    args = parser.parse_args(argv)
    print(f"chaos: seed {args.seed}", flush=True)
    return asyncio.run(campaign(args))


if __name__ == "__main__":
    raise SystemExit(main())
