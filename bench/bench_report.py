"""Issue 13's benchmark report: bench/REPORT.md with its charts (bench/report/*.png).

One stack of real processes (coordinator on PostgreSQL, auth, gateway) and, in the same run, its anchors:
- the session check `GET /evm/session` against a one-process FastAPI + psycopg app doing the same cookie
  check and primary-key read of the same table (bench/anchor_session.py), once as deployed (auth's session
  reuse window, docs/gateway.md "Session reuse") and once through a second auth and gateway with reuse off,
  where every check asks auth and the coordinator;
- the signed routes (`POST /delta`, `GET /state`) against the bare chain HTTP → gRPC → gRPC doing no work
  (bench/bare_chain.py), the floor of any request that crosses the three processes;
- a mixed load: readers of `GET /state` while writers push deltas.

The load generator is this one asyncio process with a minimal keep-alive HTTP/1.1 client (harness.KeepAliveHttp);
every signed request is signed before its row's clock starts, so the client's signing is not measured, and
the client's own CPU per request is reported next to the servers'. Sizes come from GUARDIAN_BENCH_*
(docs/CONFIGURATION.md "Tests and benchmarks"). Run with `make bench`.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import psutil
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hostile_load
from harness import DURATION_S, KeepAliveHttp, bench_database, markdown_table

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_client import (
    NO_RETRY,
    Cosigner,
    LoginClient,
    SignedCall,
    auth_config,
    delta_body,
    new_account_id,
    push_call,
    state_call,
)
from guardian_network import JsonNetwork
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import write_ack_key
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import start_fleet, write_allowlist
from guardian_testing.identities import wallets
from guardian_testing.processes import ServiceProcess, start

HERE = Path(__file__).resolve().parent
REPORT = HERE / "REPORT.md"
CHARTS = HERE / "report"


def _ints(name: str, default: str) -> list[int]:
    return [int(part) for part in os.environ.get(name, default).split(",") if part.strip()]


SESSION_CONCURRENCY = _ints("GUARDIAN_BENCH_SESSION_CONCURRENCY", "1,8,32")
CUSTODY_CONCURRENCY = _ints("GUARDIAN_BENCH_CUSTODY_CONCURRENCY", "1,16,32")
# Long enough for steady state: psycopg prepares a statement on a connection after its fifth use, so with a
# pool of 32 connections a row of a few hundred requests measured mostly unprepared statements.
REQUESTS_PER_CLIENT = int(os.environ.get("GUARDIAN_BENCH_REQUESTS_PER_CLIENT", "60"))
MIXED_READERS = _ints("GUARDIAN_BENCH_MIXED_READERS", "16,64,128")
MIXED_WRITERS = int(os.environ.get("GUARDIAN_BENCH_MIXED_WRITERS", "100"))
MIXED_PUSHES_PER_WRITER = int(os.environ.get("GUARDIAN_BENCH_MIXED_PUSHES_PER_WRITER", "3"))
MIXED_READS_PER_READER = int(os.environ.get("GUARDIAN_BENCH_MIXED_READS_PER_READER", "40"))
# Issue 14's EVM benchmark writes its own table (bench/bench_evm.py, run before this report by run_all.py).
EVM_SECTION = [
    "## EVM proposals (issue 14)",
    "",
    "EVM proposal create + approve through the gateway (8 and 32 clients by default) against a same-run baseline of "
    "wallet logins, with throughput, p50/p99 and CPU per operation per process (gateway, auth, coordinator, "
    "anvil, PostgreSQL): [results/evm.md](results/evm.md), written by bench/bench_evm.py.",
]
HEADLINE_SESSION, HEADLINE_CUSTODY = 32, 16  # the targets are stated at these concurrencies
NETWORK = JsonNetwork()
STATE = {"owner": "bench", "balance": 1}
BENCH_ENV = {
    "GUARDIAN_RATE_LIMIT_ENABLED": "false",
    "GUARDIAN_DB_POOL_MAX_SIZE": "32",
    "GUARDIAN_LOG_LEVEL": "WARNING",
}


# --------------------------------------------------------------------------------------------- measuring


class Cpu:
    """CPU seconds (user + system) of a set of processes and their children, and of this process."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self._groups = groups

    @staticmethod
    def _seconds(pid: int) -> float:
        """The process, its live descendants, and the children it has reaped (a database backend or a
        worker process that exited between two samples is counted by its parent)."""
        try:
            root = psutil.Process(pid)
            times = root.cpu_times()
            total = times.user + times.system + times.children_user + times.children_system
            for child in root.children(recursive=True):
                try:
                    child_times = child.cpu_times()
                except psutil.Error:
                    continue
                total += child_times.user + child_times.system
        except psutil.Error:
            return 0.0
        return float(total)

    def sample(self) -> dict[str, float]:
        sample = {name: sum(self._seconds(pid) for pid in pids) for name, pids in self._groups.items()}
        sample["load generator"] = time.process_time()
        return sample


@dataclass
class Row:
    name: str
    concurrency: int
    latencies: list[float]
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process group during the row
    failures: dict[int, int] = field(default_factory=dict)  # status → count (non-2xx answers)

    @property
    def ops(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000 if ordered else 0.0

    def cpu_ms_per_op(self, group: str) -> float:
        return self.cpu.get(group, 0.0) / self.ops * 1000 if self.ops else 0.0


@dataclass(frozen=True)
class Prepared:
    method: str
    target: str  # path + query
    headers: dict[str, str]
    body: bytes | None


def prepared(call: SignedCall, signer: Cosigner) -> Prepared:
    query = f"?{urlencode(call.params)}" if call.params else ""
    return Prepared(call.method, call.path + query, call.headers(signer), call.body)


async def measured(
    name: str,
    concurrency: int,
    cpu: Cpu,
    run: Callable[[list[float], dict[int, int]], Awaitable[None]],
) -> Row:
    latencies: list[float] = []
    failures: dict[int, int] = {}
    before = cpu.sample()
    began = time.perf_counter()
    await run(latencies, failures)
    seconds = time.perf_counter() - began
    after = cpu.sample()
    spent = {group: after[group] - before[group] for group in after}
    return Row(name, concurrency, latencies, seconds, spent, failures)


def address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


async def timed_loop(
    base: str, path: str, headers: dict[str, str], concurrency: int
) -> Callable[[list[float], dict[int, int]], Awaitable[None]]:
    """`concurrency` keep-alive connections sending the same GET back to back for DURATION_S."""
    host, port = address(base)
    connections = [KeepAliveHttp(host, port) for _ in range(concurrency)]
    for connection in connections:  # connect and warm up outside the clock
        status, body = await connection.request("GET", path, headers)
        assert status == 200, body

    async def run(latencies: list[float], failures: dict[int, int]) -> None:
        stop_at = time.perf_counter() + DURATION_S

        async def caller(connection: KeepAliveHttp) -> None:
            while (started := time.perf_counter()) < stop_at:
                status, _ = await connection.request("GET", path, headers)
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    failures[status] = failures.get(status, 0) + 1
            await connection.close()

        await asyncio.gather(*(caller(c) for c in connections))

    return run


def fixed_lists(
    base: str, queues: Sequence[Sequence[Prepared]], stop: asyncio.Event | None = None, ok: int = 200
) -> Callable[[list[float], dict[int, int]], Awaitable[None]]:
    """Each client sends its own pre-signed requests in order on its own connection (until `stop`)."""
    host, port = address(base)

    async def run(latencies: list[float], failures: dict[int, int]) -> None:
        async def client(queue: Sequence[Prepared]) -> None:
            connection = KeepAliveHttp(host, port)
            try:
                for item in queue:
                    if stop is not None and stop.is_set():
                        return
                    started = time.perf_counter()
                    status, _ = await connection.request(item.method, item.target, item.headers, item.body)
                    latencies.append(time.perf_counter() - started)
                    if status != ok:
                        failures[status] = failures.get(status, 0) + 1
            finally:
                await connection.close()

        await asyncio.gather(*(client(q) for q in queues))

    return run


# ------------------------------------------------------------------------------------------------ fixtures


async def create_accounts(coordinator: CoordinatorClient, signer: Cosigner, count: int) -> list[str]:
    auth = json.dumps(auth_config(signer))
    commitment = NETWORK.commitment(STATE)
    created: list[str] = []
    for start_at in range(0, count, 64):  # a bounded number of writes in flight

        async def one() -> str:
            account_id = new_account_id()
            await coordinator.custody.ConfigureAccount(
                pb.ConfigureAccountRequest(
                    account_id=account_id,
                    auth_json=auth,
                    network_config_json="{}",
                    initial_state_json=json.dumps(STATE),
                    initial_commitment=commitment,
                )
            )
            return account_id

        created += await asyncio.gather(*(one() for _ in range(min(64, count - start_at))))
    return created


def push_lists(signer: Cosigner, accounts: list[str], clients: int) -> list[list[Prepared]]:
    """One push per account (nonce 1 on the initial state): no canonicalizer is needed between pushes."""
    base = NETWORK.commitment(STATE)
    pushes = [
        prepared(push_call(delta_body(account_id, 1, base, {"balance": 2})), signer)
        for account_id in accounts
    ]
    return [pushes[i::clients] for i in range(clients)]


def read_lists(signer: Cosigner, accounts: list[str], per_client: int) -> list[list[Prepared]]:
    """Client i reads account i; its timestamps rise in the order it sends them (one replay floor each)."""
    return [[prepared(state_call(account_id), signer) for _ in range(per_client)] for account_id in accounts]


# ------------------------------------------------------------------------------------------------- report


def machine() -> list[str]:
    model = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = psutil.virtual_memory().total / 2**30
    return [
        f"- CPU: {model}, {os.cpu_count()} logical cores",
        f"- memory: {memory:.1f} GiB; {platform.system()} {platform.release()}; Python {platform.python_version()}",
    ]


def charts(
    session: list[Row],
    session_asked: list[Row],
    anchors: list[Row],
    custody: dict[str, list[Row]],
    mixed: list[Row],
) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    CHARTS.mkdir(exist_ok=True)
    names = []

    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    for rows, label in (
        (session, "GET /evm/session (stack)"),
        (session_asked, "GET /evm/session, reuse off"),
        (anchors, "one-process FastAPI + psycopg"),
    ):
        axes[0].plot([r.concurrency for r in rows], [r.rate for r in rows], marker="o", label=label)
    axes[0].set(title="Session check", xlabel="concurrent connections", ylabel="requests/s")
    for label, rows in custody.items():
        axes[1].plot([r.concurrency for r in rows], [r.rate for r in rows], marker="o", label=label)
    axes[1].set(title="Signed routes", xlabel="concurrent clients", ylabel="requests/s")
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(CHARTS / "throughput.png", dpi=110)
    plt.close(figure)
    names.append("throughput.png")

    headline = [r for r in session + session_asked + anchors if r.concurrency == HEADLINE_SESSION]
    headline += [r for rows in custody.values() for r in rows if r.concurrency == HEADLINE_CUSTODY]
    headline += mixed
    figure, axis = plt.subplots(figsize=(11, 4.5))
    for row in headline:
        ordered = sorted(latency * 1000 for latency in row.latencies)
        if ordered:
            fractions = [(i + 1) / len(ordered) for i in range(len(ordered))]
            axis.plot(ordered, fractions, label=f"{row.name} @{row.concurrency}")
    axis.set(title="Latency distributions (CDF)", xlabel="latency ms (log)", ylabel="fraction of requests")
    axis.set_xscale("log")
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(CHARTS / "latency.png", dpi=110)
    plt.close(figure)
    names.append("latency.png")
    return names


def report(
    rows: dict[str, list[Row]],
    mixed: list[tuple[int, Row, Row]],
    load: tuple[tuple[float, float, float], tuple[float, float, float]],
    pg_version: str,
    chart_names: list[str],
    groups: list[str],
    hostile: hostile_load.HostileFigures,
) -> str:
    def by(name: str, concurrency: int) -> Row | None:
        return next((r for r in rows[name] if r.concurrency == concurrency), None)

    lines = [
        "# Benchmark report (issue 13)",
        "",
        "Written by `make bench` (bench/bench_report.py).",
        "",
        "## Machine",
        "",
    ]
    lines += machine()
    lines += [
        f"- PostgreSQL: {pg_version}",
        f"- load average (1, 5, 15 min) at start {load[0][0]:.2f} {load[0][1]:.2f} {load[0][2]:.2f}, "
        f"at end {load[1][0]:.2f} {load[1][1]:.2f} {load[1][2]:.2f} (the 2 cores are shared with other "
        "engineers' work; figures move with it)",
        f"- sizes: {DURATION_S:g} s per timed row, {REQUESTS_PER_CLIENT} pre-signed requests per client, mixed "
        f"load {MIXED_WRITERS} writers x {MIXED_PUSHES_PER_WRITER} pushes with {MIXED_READS_PER_READER} reads "
        "per reader at most",
        "- settings of this run: "
        + ", ".join(
            f"`{name}={os.environ[name]}`"
            for name in sorted(os.environ)
            if name.startswith("GUARDIAN_BENCH_")
        )
        + " (others at their defaults, docs/CONFIGURATION.md)",
        "",
        "## Figures and their same-run anchors",
        "",
        "Every row ran in this run, against the anchor in the same table row at the same concurrency.",
        "",
    ]
    table: list[list[str]] = []

    def add(row: Row | None, anchor: Row | None, target: str) -> None:
        if row is None:
            return
        ratio = f"{row.rate / anchor.rate:.2f}" if anchor is not None and anchor.rate else "-"
        table.append(
            [
                row.name,
                str(row.concurrency),
                f"{row.rate:,.1f}",
                f"{row.percentile(0.5):.1f}",
                f"{row.percentile(0.99):.1f}",
                "-" if anchor is None else f"{anchor.name}: {anchor.rate:,.1f}",
                ratio,
                target,
            ]
        )

    for c in SESSION_CONCURRENCY:
        target = "≥ 0.70 of the anchor" if c == HEADLINE_SESSION else ""
        add(by("session", c), by("anchor", c), target)
        add(by("session_asked", c), by("anchor", c), "")
    for c in CUSTODY_CONCURRENCY:
        add(by("push", c), by("bare", c), "≥ 500 req/s" if c == HEADLINE_CUSTODY else "")
        add(by("state", c), by("bare", c), "≥ 1,000 req/s" if c == HEADLINE_CUSTODY else "")
    lines.append(
        markdown_table(
            ["request", "clients", "req/s", "p50 ms", "p99 ms", "anchor (req/s)", "ratio", "issue 13 target"],
            table,
        )
    )
    lines += [
        "",
        "## CPU per request",
        "",
        "CPU milliseconds (user + system, children included) per request of the row (mixed rows overlap: each "
        "counts everything the processes spent while it ran):",
        "",
    ]
    cpu_rows = [
        r for name in ("session", "session_asked", "anchor", "bare", "push", "state") for r in rows[name]
    ]
    cpu_rows += [row for _, reads, writes in mixed for row in (reads, writes)]
    lines.append(
        markdown_table(
            ["request", "clients", *groups, "load generator"],
            [
                [
                    r.name,
                    str(r.concurrency),
                    *(f"{r.cpu_ms_per_op(g):.2f}" for g in groups),
                    f"{r.cpu_ms_per_op('load generator'):.2f}",
                ]
                for r in cpu_rows
            ],
        )
    )
    lines += [
        "",
        "`stack` is the gateway, auth and coordinator processes (and their worker processes); `anchor` and "
        "`bare chain` are their own processes; `postgres` is the PostgreSQL server's postmaster with every backend, "
        "a server other engineers' tests share, so their queries land in it too.",
        "",
        "## Mixed load",
        "",
        f"Readers send pre-signed `GET /state` (each its own account) while {MIXED_WRITERS} writers push "
        "pre-signed deltas (each push to its own account). Reads are counted while writers run. An "
        "authentication-window failure is a 401 (a request whose signature or timestamp was refused); requests "
        "are signed just before their round, well inside the ±300 s window.",
        "",
    ]
    lines.append(
        markdown_table(
            [
                "readers",
                "reads/s",
                "read p50 ms",
                "read p95 ms",
                "pushes/s",
                "push p95 ms",
                "401s",
                "other failures",
                "target",
            ],
            [
                [
                    str(readers),
                    f"{reads.rate:,.1f}",
                    f"{reads.percentile(0.5):.1f}",
                    f"{reads.percentile(0.95):.1f}",
                    f"{writes.rate:,.1f}",
                    f"{writes.percentile(0.95):.1f}",
                    str(reads.failures.get(401, 0) + writes.failures.get(401, 0)),
                    str(
                        sum(v for k, v in reads.failures.items() if k != 401)
                        + sum(v for k, v in writes.failures.items() if k != 401)
                    ),
                    "read p95 ≤ 1,000 ms, no 401",
                ]
                for readers, reads, writes in mixed
            ],
        )
    )
    lines += ["", *hostile_load.section(hostile)]
    lines += [
        "",
        "## How the load is generated",
        "",
        "One asyncio process (this one) with a minimal HTTP/1.1 keep-alive client, one connection per client. "
        "Signed requests (ECDSA cosigners, libsecp256k1 through coincurve) are all signed before their row's "
        "clock starts, so signing costs the measured cores nothing during a row; the load generator's own CPU "
        "per request is in the CPU table. Session rows are closed loops for the timed duration; signed rows "
        "send each client's pre-signed list in order (timestamps rise per signer and account, as the replay "
        "floor requires).",
        "",
        "## Charts",
        "",
    ]
    lines += [f"![{name}](report/{name})" for name in chart_names]
    lines += ["", *EVM_SECTION]
    return "\n".join(lines) + "\n"


async def mixed_round(
    base: str, cpu: Cpu, pushes: list[list[Prepared]], reads: list[list[Prepared]]
) -> tuple[Row, Row]:
    """Readers and writers at once; readers stop when the writers are done (reads are measured under writes)."""
    done = asyncio.Event()

    async def writers() -> Row:
        try:
            return await measured("mixed: POST /delta", len(pushes), cpu, fixed_lists(base, pushes))
        finally:
            done.set()

    read_row, write_row = await asyncio.gather(
        measured("mixed: GET /state", len(reads), cpu, fixed_lists(base, reads, stop=done)), writers()
    )
    return read_row, write_row


# ---------------------------------------------------------------------------------------------------- main


def progress(message: str, started: float = time.perf_counter()) -> None:
    print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)


async def main() -> None:
    load_start = os.getloadavg()
    rows: dict[str, list[Row]] = {
        name: [] for name in ("session", "session_asked", "anchor", "bare", "push", "state")
    }
    mixed: list[tuple[int, Row, Row]] = []
    with bench_database() as (_, url), tempfile.TemporaryDirectory() as logs:
        starter = ServiceStarter(Path(logs))
        allowlist = Path(logs) / "operators.json"
        write_allowlist(allowlist, [])
        try:
            fleet = start_fleet(
                starter,
                database_url=url,
                allowlist=allowlist,
                coordinators=1,
                auth=1,
                gateways=1,
                env={**BENCH_ENV, "GUARDIAN_ACK_ECDSA_KEY_FILE": str(write_ack_key(Path(logs)))},
            )
            # A second auth and gateway with session reuse off: every check asks auth and the coordinator.
            asked_auth = starter.one(
                "guardian-auth",
                "guardian-auth-no-reuse",
                GUARDIAN_COORDINATOR_TARGET=fleet.coordinator_target,
                GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE=str(allowlist),
                GUARDIAN_SESSION_REUSE_MS="0",
                **BENCH_ENV,
            )
            asked_gateway = starter.one(
                "guardian-gateway",
                "guardian-gateway-no-reuse",
                GUARDIAN_COORDINATOR_TARGET=fleet.coordinator_target,
                GUARDIAN_AUTH_TARGET=asked_auth.grpc_target,
                **BENCH_ENV,
            )
            anchor = start(
                [sys.executable, str(HERE / "anchor_session.py"), "127.0.0.1:0", url], {}, Path(logs)
            )
            chain = str(HERE / "bare_chain.py")
            leaf = start([sys.executable, chain, "leaf", "127.0.0.1:0"], {}, Path(logs))
            middle = start([sys.executable, chain, "middle", "127.0.0.1:0", leaf.grpc_target], {}, Path(logs))
            bare = start([sys.executable, chain, "http", "127.0.0.1:0", middle.grpc_target], {}, Path(logs))
            starter.started.extend([anchor, leaf, middle, bare])
            with psycopg.connect(url) as conn:
                found = conn.execute("SHOW server_version").fetchone()
                pg_version = str(found[0]) if found else "unknown"
                backend = conn.execute("SELECT pg_backend_pid()").fetchone()
                postgres = [psutil.Process(int(backend[0])).ppid()] if backend else []  # the postmaster
            stack: list[ServiceProcess] = [
                *fleet.coordinators,
                *fleet.auth,
                *fleet.gateways,
                asked_auth,
                asked_gateway,
            ]
            cpu = Cpu(
                {
                    "stack": [p.popen.pid for p in stack],
                    "anchor": [anchor.popen.pid],
                    "bare chain": [p.popen.pid for p in (leaf, middle, bare)],
                    "postgres": postgres,
                }
            )
            groups = ["stack", "anchor", "bare chain", "postgres"]
            base = fleet.gateway_url(0)
            asked_base = f"http://{asked_gateway.addresses['http']}"
            anchor_base, bare_base = f"http://{anchor.addresses['http']}", f"http://{bare.addresses['http']}"
            progress("processes started")

            session = await LoginClient(base, retry=NO_RETRY).wallet_login(wallets()[0])
            cookie = session.headers
            for c in SESSION_CONCURRENCY:
                rows["session"].append(
                    await measured(
                        "GET /evm/session", c, cpu, await timed_loop(base, "/evm/session", cookie, c)
                    )
                )
                rows["session_asked"].append(
                    await measured(
                        "GET /evm/session, reuse off",
                        c,
                        cpu,
                        await timed_loop(asked_base, "/evm/session", cookie, c),
                    )
                )
                rows["anchor"].append(
                    await measured(
                        "one-process FastAPI + psycopg",
                        c,
                        cpu,
                        await timed_loop(anchor_base, "/evm/session", cookie, c),
                    )
                )
                progress(f"session check at {c}")

            signer = Cosigner.ecdsa()
            async with CoordinatorClient(fleet.coordinator_target) as coordinator:
                for c in CUSTODY_CONCURRENCY:
                    rows["bare"].append(
                        await measured(
                            "bare chain HTTP→gRPC→gRPC",
                            c,
                            cpu,
                            await timed_loop(bare_base, "/dashboard/session", {}, c),
                        )
                    )
                    accounts = await create_accounts(coordinator, signer, c * REQUESTS_PER_CLIENT)
                    rows["push"].append(
                        await measured(
                            "POST /delta (ECDSA)", c, cpu, fixed_lists(base, push_lists(signer, accounts, c))
                        )
                    )
                    readers = await create_accounts(coordinator, signer, c)
                    rows["state"].append(
                        await measured(
                            "GET /state (ECDSA)",
                            c,
                            cpu,
                            fixed_lists(base, read_lists(signer, readers, REQUESTS_PER_CLIENT)),
                        )
                    )
                    progress(f"signed routes at {c}")

                for readers_count in MIXED_READERS:
                    writer_accounts = await create_accounts(
                        coordinator, signer, MIXED_WRITERS * MIXED_PUSHES_PER_WRITER
                    )
                    reader_accounts = await create_accounts(coordinator, signer, readers_count)
                    pushes = push_lists(signer, writer_accounts, MIXED_WRITERS)
                    reads = read_lists(signer, reader_accounts, MIXED_READS_PER_READER)
                    read_row, write_row = await mixed_round(base, cpu, pushes, reads)
                    mixed.append((readers_count, read_row, write_row))
                    progress(f"mixed load with {readers_count} readers")

                # Hostile input last: its 1 MB pushes must not disturb the rows above.
                (owner_account,) = await create_accounts(coordinator, signer, 1)
                hostile = await hostile_load.measure(
                    address(base),
                    owner_account,
                    NETWORK.commitment(STATE),
                    signer.pubkey,
                    lambda: cpu.sample()["stack"],
                    {"gateway": fleet.gateways[0].popen.pid, "auth": fleet.auth[0].popen.pid},
                )
                progress("hostile input")
        finally:
            starter.stop_all()

    custody = {
        "POST /delta": rows["push"],
        "GET /state": rows["state"],
        "bare chain (no work)": rows["bare"],
    }
    names = charts(
        rows["session"], rows["session_asked"], rows["anchor"], custody, [read for _, read, _ in mixed]
    )
    text = report(rows, mixed, (load_start, os.getloadavg()), pg_version, names, groups, hostile)
    REPORT.write_text(text)
    print(text)
    print(f"written to {REPORT}")


if __name__ == "__main__":
    asyncio.run(main())
