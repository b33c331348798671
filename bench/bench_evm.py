"""Issue 14's benchmark: EVM multisig proposals through the gateway, next to a same-run baseline of wallet logins.

One stack of real processes (coordinator on PostgreSQL, auth, gateway) and a real anvil node carrying the
EntryPoint, the multisig validator and one ERC-7579 smart account per client (2 signers, threshold 2).
At each client count (GUARDIAN_BENCH_EVM_CLIENTS) two rows run back to back:

- **wallet login**: `GET /evm/auth/challenge` then `POST /evm/auth/verify` with the EIP-712 session
  signature, the baseline (the client's signing sits inside the clock: the challenge is the server's);
- **proposal create + approve**: the account's first signer `POST /evm/proposals`, then its second signer
  `POST /evm/proposals/{id}/approve`. Each create reads the chain (validator, signers, threshold, EntryPoint
  nonce) and each approve the EntryPoint nonce, so anvil's CPU is a column of its own.

Every proposal is a real user operation (its hash from EntryPoint.getUserOpHash) with its own EntryPoint
nonce sequence, so no create meets an identical proposal; both signatures are made before the row's clock
starts. CPU is measured per process (children included). Writes bench/results/evm.md; `make bench` runs it.
Sizes: GUARDIAN_BENCH_EVM_* (docs/CONFIGURATION.md "Tests and benchmarks").
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psutil
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import Cpu, address, machine
from harness import KeepAliveHttp, bench_database, markdown_table, p50_p99, write_report

from guardian_client import EVM_COOKIE, NO_RETRY, LoginClient
from guardian_testing.evm_node import EvmFixture, EvmNode, Wallet, deploy_fixture, make_wallets
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import start_fleet, write_allowlist
from guardian_testing.identities import WalletIdentity


def _ints(name: str, default: str) -> list[int]:
    return [int(part) for part in os.environ.get(name, default).split(",") if part.strip()]


CLIENTS = _ints("GUARDIAN_BENCH_EVM_CLIENTS", "8,32")
OPS_PER_CLIENT = int(os.environ.get("GUARDIAN_BENCH_EVM_OPS_PER_CLIENT", "10"))
WARMUP_PER_CLIENT = 1  # one unmeasured operation per client opens its connection and warms the caches
BENCH_ENV = {
    "GUARDIAN_RATE_LIMIT_ENABLED": "false",
    "GUARDIAN_DB_POOL_MAX_SIZE": "32",
    "GUARDIAN_LOG_LEVEL": "WARNING",
}
JSON_HEADERS = {"content-type": "application/json"}
PROCESSES = ["gateway", "auth", "coordinator", "anvil", "postgres"]


@dataclass
class Row:
    name: str
    clients: int
    latencies: list[float] = field(default_factory=list)  # one per completed operation
    parts: dict[str, list[float]] = field(default_factory=dict)  # a step's own latencies (create, approve)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process during the row
    failures: dict[str, int] = field(default_factory=dict)  # "<step> <status>" → count

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def cpu_ms_per_op(self, process: str) -> float:
        return self.cpu.get(process, 0.0) / len(self.latencies) * 1000 if self.latencies else 0.0

    def fail(self, step: str, status: int) -> None:
        key = f"{step} {status}"
        self.failures[key] = self.failures.get(key, 0) + 1


Operation = Callable[[KeepAliveHttp, Row], Awaitable[None]]


async def measured(
    row: Row, base: str, cpu: Cpu, warmup: list[list[Operation]], ops: list[list[Operation]]
) -> Row:
    """Each client runs its warm-up operations, then (all clients together, on the clock) its measured ones,
    on its own keep-alive connection."""
    host, port = address(base)
    connections = [KeepAliveHttp(host, port) for _ in ops]
    scratch = Row(row.name, row.clients)
    await asyncio.gather(*(_run(c, queue, scratch) for c, queue in zip(connections, warmup, strict=True)))
    if scratch.failures:
        raise RuntimeError(f"{row.name}: warm-up failed: {scratch.failures}")
    before = cpu.sample()
    began = time.perf_counter()
    await asyncio.gather(*(_run(c, queue, row) for c, queue in zip(connections, ops, strict=True)))
    row.seconds = time.perf_counter() - began
    after = cpu.sample()
    row.cpu = {group: after[group] - before[group] for group in after}
    for connection in connections:
        await connection.close()
    return row


async def _run(connection: KeepAliveHttp, queue: list[Operation], row: Row) -> None:
    for operation in queue:
        await operation(connection, row)


def step(row: Row, name: str, started: float) -> None:
    row.parts.setdefault(name, []).append(time.perf_counter() - started)


# --------------------------------------------------------------------------------------------- operations


def wallet_login(identity: WalletIdentity) -> Operation:
    challenge_path = "/evm/auth/challenge?" + urlencode({"address": identity.address})

    async def run(connection: KeepAliveHttp, row: Row) -> None:
        started = time.perf_counter()
        status, body = await connection.request("GET", challenge_path)
        if status != 200:
            return row.fail("challenge", status)
        challenge = json.loads(body)
        signature = identity.sign_session(challenge["nonce"], challenge["issued_at"], challenge["expires_at"])
        verify = {"address": identity.address, "nonce": challenge["nonce"], "signature": signature}
        status, _ = await connection.request(
            "POST", "/evm/auth/verify", JSON_HEADERS, json.dumps(verify).encode()
        )
        if status != 200:
            return row.fail("verify", status)
        row.latencies.append(time.perf_counter() - started)

    return run


@dataclass
class Account:
    """A smart account with its two signers' sessions and the next EntryPoint nonce sequence to propose."""

    account_id: str
    address: str
    proposer: Wallet
    approver: Wallet
    proposer_headers: dict[str, str]
    approver_headers: dict[str, str]
    sequence: int = 0


def create_and_approve(chain: EvmFixture, account: Account) -> Operation:
    """A proposal for a fresh nonce of the account, both signatures made now (before any clock starts)."""
    nonce = (chain.nonce_key() << 64) | account.sequence
    account.sequence += 1
    op = chain.user_operation(account.address, chain.counter_increment_calldata(), nonce=nonce)
    create = json.dumps(
        {
            "account_id": account.account_id,
            "user_op_hash": "0x" + op.hash.hex(),
            "payload": json.dumps(op.to_json()),
            "nonce": str(op.nonce),
            "ttl_seconds": 3600,
            "signature": "0x" + chain.sign(op.hash, account.proposer.private_key).hex(),
        }
    ).encode()
    approve = json.dumps(
        {
            "account_id": account.account_id,
            "signature": "0x" + chain.sign(op.hash, account.approver.private_key).hex(),
        }
    ).encode()
    create_headers = {**account.proposer_headers, **JSON_HEADERS}
    approve_headers = {**account.approver_headers, **JSON_HEADERS}

    async def run(connection: KeepAliveHttp, row: Row) -> None:
        started = time.perf_counter()
        status, body = await connection.request("POST", "/evm/proposals", create_headers, create)
        step(row, "create", started)
        if status != 200:
            return row.fail("create", status)
        path = f"/evm/proposals/{json.loads(body)['proposal_id']}/approve"
        approving = time.perf_counter()
        status, body = await connection.request("POST", path, approve_headers, approve)
        step(row, "approve", approving)
        if status != 200 or len(json.loads(body)["signatures"]) != 2:
            return row.fail("approve", status)
        row.latencies.append(time.perf_counter() - started)

    return run


# ------------------------------------------------------------------------------------------------ fixtures


def anvil_pids() -> list[int]:
    """The anvil child of this process (EvmNode starts it as one), found by name: EvmNode keeps its handle private."""
    return [p.pid for p in psutil.Process().children(recursive=True) if p.name() == "anvil"]


def identity(wallet: Wallet) -> WalletIdentity:
    return WalletIdentity(bytes.fromhex(wallet.private_key.removeprefix("0x")), wallet.address.lower())


async def register_accounts(base: str, chain: EvmFixture, count: int) -> list[Account]:
    """`count` accounts on chain, each with its own 2 signers (threshold 2), logged in and registered."""
    wallets = make_wallets(2 * count, label="guardian-bench-evm")
    accounts: list[Account] = []
    async with httpx.AsyncClient(timeout=30) as http:
        logins = LoginClient(base, http=http, retry=NO_RETRY)
        for i in range(count):
            proposer, approver = wallets[2 * i], wallets[2 * i + 1]
            address_ = chain.deploy_account([proposer.address, approver.address], 2)
            headers = []
            for wallet in (proposer, approver):
                session = await logins.wallet_login(identity(wallet))
                headers.append({"cookie": f"{EVM_COOKIE}={session.token}"})
            http.cookies.clear()  # each request names its own session
            registered = await http.post(
                base + "/evm/accounts",
                headers=headers[0],
                json={
                    "chain_id": chain.chain_id,
                    "account_address": address_,
                    "multisig_validator_address": chain.validator,
                },
            )
            registered.raise_for_status()
            accounts.append(
                Account(registered.json()["account_id"], address_, proposer, approver, headers[0], headers[1])
            )
    return accounts


# ------------------------------------------------------------------------------------------------- report


def ms(samples: list[float]) -> tuple[str, str]:
    if not samples:
        return "-", "-"
    p50, p99 = p50_p99(samples)
    return f"{p50 * 1000:.1f}", f"{p99 * 1000:.1f}"


def report(
    pairs: list[tuple[Row, Row]], pg_version: str, load: tuple[tuple[float, ...], tuple[float, ...]]
) -> str:
    lines = [
        "## EVM proposals against wallet logins (issue 14)",
        "",
        "Written by `bench/bench_evm.py` (run by `make bench`).",
        "",
    ]
    lines += machine()
    lines += [
        f"- PostgreSQL: {pg_version}; anvil (tools/evm-node) on 127.0.0.1",
        f"- load average (1, 5, 15 min) at start {load[0][0]:.2f} {load[0][1]:.2f} {load[0][2]:.2f}, "
        f"at end {load[1][0]:.2f} {load[1][1]:.2f} {load[1][2]:.2f} (2 cores shared with other engineers' work)",
        f"- sizes: {OPS_PER_CLIENT} measured operations per client after {WARMUP_PER_CLIENT} warm-up; "
        f"client counts {','.join(map(str, CLIENTS))}",
        "",
        "One coordinator (PostgreSQL), one auth, one gateway, one anvil. An operation is a whole login "
        "(challenge + EIP-712 verify, 2 requests) or a whole proposal flow (create by the first signer + "
        "approve by the second, 2 requests); both rows of a client count ran back to back in this run. "
        "p99 is the nearest rank below, so in a row of fewer than 100 operations it is the slowest one.",
        "",
    ]
    table = []
    for login, evm in pairs:
        for row in (login, evm):
            p50, p99 = ms(row.latencies)
            table.append(
                [
                    row.name,
                    str(row.clients),
                    str(len(row.latencies)),
                    f"{row.rate:,.1f}",
                    p50,
                    p99,
                    ", ".join(f"{k}: {v}" for k, v in sorted(row.failures.items())) or "0",
                    f"{row.rate / login.rate:.2f}" if login.rate else "-",
                ]
            )
    lines.append(
        markdown_table(
            ["operation", "clients", "ops", "ops/s", "p50 ms", "p99 ms", "failures", "vs login (ops/s)"],
            table,
        )
    )
    lines += ["", "The proposal flow's steps on their own:", ""]
    steps = []
    for _, evm in pairs:
        for name in ("create", "approve"):
            p50, p99 = ms(evm.parts.get(name, []))
            steps.append(
                [
                    f"POST /evm/proposals{'' if name == 'create' else '/{id}/approve'}",
                    str(evm.clients),
                    p50,
                    p99,
                ]
            )
    lines.append(markdown_table(["request", "clients", "p50 ms", "p99 ms"], steps))
    lines += [
        "",
        "CPU milliseconds (user + system, children included) per operation, by process:",
        "",
    ]
    lines.append(
        markdown_table(
            ["operation", "clients", *PROCESSES, "load generator"],
            [
                [
                    row.name,
                    str(row.clients),
                    *(f"{row.cpu_ms_per_op(p):.2f}" for p in [*PROCESSES, "load generator"]),
                ]
                for pair in pairs
                for row in pair
            ],
        )
    )
    lines += [
        "",
        "`postgres` is the server's postmaster with every backend, a server other engineers' tests share, so "
        "their queries land in it too. The load generator is this one asyncio process with a minimal keep-alive "
        "HTTP/1.1 client (one connection per client); its login CPU includes the EIP-712 signing of each "
        "challenge, while the proposals' signatures were all made before the clock started. Each create makes "
        "the gateway read the chain (account module, signers, threshold, EntryPoint nonce) and each approve the "
        "EntryPoint nonce, over JSON-RPC to anvil.",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- main


def progress(message: str, started: float = time.perf_counter()) -> None:
    print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)


async def main() -> str:
    load_start = os.getloadavg()
    pairs: list[tuple[Row, Row]] = []
    with bench_database() as (_, url), tempfile.TemporaryDirectory() as logs:
        node = EvmNode.start(log_dir=Path(logs))
        starter = ServiceStarter(Path(logs))
        allowlist = Path(logs) / "operators.json"
        write_allowlist(allowlist, [])
        try:
            chain = deploy_fixture(node)
            fleet = start_fleet(
                starter,
                database_url=url,
                allowlist=allowlist,
                coordinators=1,
                auth=1,
                gateways=1,
                env={
                    **BENCH_ENV,
                    "GUARDIAN_EVM_RPC_URLS": f"{node.chain_id}={node.rpc_url}",
                    "GUARDIAN_EVM_ENTRYPOINT_ADDRESS": chain.entrypoint,
                },
            )
            with psycopg.connect(url) as conn:
                found = conn.execute("SHOW server_version").fetchone()
                pg_version = str(found[0]) if found else "unknown"
                backend = conn.execute("SELECT pg_backend_pid()").fetchone()
                postgres = [psutil.Process(int(backend[0])).ppid()] if backend else []  # the postmaster
            cpu = Cpu(
                {
                    "gateway": [p.popen.pid for p in fleet.gateways],
                    "auth": [p.popen.pid for p in fleet.auth],
                    "coordinator": [p.popen.pid for p in fleet.coordinators],
                    "anvil": anvil_pids(),
                    "postgres": postgres,
                }
            )
            base = fleet.gateway_url(0)
            accounts = await register_accounts(base, chain, max(CLIENTS))
            progress(f"stack, anvil and {len(accounts)} accounts ready")

            for clients in CLIENTS:
                mine = accounts[:clients]
                logins = [
                    [wallet_login(identity(a.proposer))] * (WARMUP_PER_CLIENT + OPS_PER_CLIENT) for a in mine
                ]
                login_row = await measured(
                    Row("wallet login (challenge + EIP-712 verify)", clients),
                    base,
                    cpu,
                    [q[:WARMUP_PER_CLIENT] for q in logins],
                    [q[WARMUP_PER_CLIENT:] for q in logins],
                )
                progress(f"wallet logins at {clients}")
                flows = [
                    [create_and_approve(chain, a) for _ in range(WARMUP_PER_CLIENT + OPS_PER_CLIENT)]
                    for a in mine
                ]
                evm_row = await measured(
                    Row("EVM proposal create + approve", clients),
                    base,
                    cpu,
                    [q[:WARMUP_PER_CLIENT] for q in flows],
                    [q[WARMUP_PER_CLIENT:] for q in flows],
                )
                progress(f"proposal create + approve at {clients}")
                pairs.append((login_row, evm_row))
        finally:
            starter.stop_all()
            node.stop()

    text = report(pairs, pg_version, (load_start, os.getloadavg()))
    path = write_report("evm", text)
    print(f"written to {path}", file=sys.stderr)
    return text


if __name__ == "__main__":
    print(asyncio.run(main()))
