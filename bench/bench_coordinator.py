"""Sessions.Get through one coordinator vs. direct psycopg and `pgbench -S`, on the same database, and vs. a
gRPC server that does no work at all (the ceiling of any Python gRPC service called by this client).

Run with `make bench` (or `python bench/bench_coordinator.py`). Writes bench/results/coordinator.md.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    DURATION_S,
    Measurement,
    bench_database,
    closed_loop,
    markdown_table,
    median_by_rate,
    pgbench_binary,
    write_report,
)

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.processes import start

BARE_CHAIN = str(Path(__file__).resolve().with_name("bare_chain.py"))
SESSIONS = 10_000
CONCURRENCY = (1, 32)
ROUNDS = 3
DIRECT_SELECT = (
    "SELECT subject::text, issued_at, expires_at FROM auth_sessions "
    "WHERE realm = %s AND token_digest = %s AND revoked_at IS NULL AND expires_at > now()"
)


async def seed_sessions(client: CoordinatorClient) -> list[bytes]:
    digests = [random.randbytes(32) for _ in range(SESSIONS)]
    subject = json.dumps({"realm": "operator", "operator_id": "bench", "commitment": "0x" + "ab" * 32})
    for chunk in range(0, SESSIONS, 256):
        await asyncio.gather(
            *(
                client.sessions.Insert(
                    pb.InsertRequest(
                        realm=pb.REALM_OPERATOR, token_digest=d, subject_json=subject, ttl_seconds=3600
                    )
                )
                for d in digests[chunk : chunk + 256]
            )
        )
    return digests


async def coordinator_get(client: CoordinatorClient, digests: list[bytes], concurrency: int) -> Measurement:
    def make(_: int) -> Callable[[], Awaitable[object]]:
        async def call() -> None:
            got = await client.sessions.Get(
                pb.GetRequest(realm=pb.REALM_OPERATOR, token_digest=random.choice(digests))
            )
            assert got.found

        return call

    return await closed_loop("coordinator Sessions.Get (gRPC)", concurrency, make)


async def noop_grpc(target: str, concurrency: int) -> Measurement:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)

        def make(_: int) -> Callable[[], Awaitable[object]]:
            async def call() -> None:
                await stub.Check(health_pb2.HealthCheckRequest())

            return call

        return await closed_loop("no-op gRPC server (same client)", concurrency, make)


async def direct_select(url: str, digests: list[bytes], concurrency: int) -> Measurement:
    connections = [await psycopg.AsyncConnection.connect(url, autocommit=True) for _ in range(concurrency)]
    try:

        def make(index: int) -> Callable[[], Awaitable[object]]:
            conn = connections[index]

            async def call() -> None:
                cursor = await conn.execute(DIRECT_SELECT, ("operator", random.choice(digests)), prepare=True)
                assert await cursor.fetchone() is not None

            return call

        return await closed_loop("direct psycopg PK SELECT", concurrency, make)
    finally:
        for conn in connections:
            await conn.close()


def pgbench_select_only(url: str, concurrency: int) -> float:
    binary = pgbench_binary()
    subprocess.run([binary, "-i", "-q", "-s", "1", url], check=True, capture_output=True)
    out = subprocess.run(
        [
            binary,
            "-S",
            "-n",
            "-M",
            "prepared",
            "-c",
            str(concurrency),
            "-j",
            str(min(concurrency, 2)),
            "-T",
            str(max(1, int(DURATION_S))),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([0-9.]+)", out)
    assert match, out
    return float(match[1])


async def main() -> str:
    with bench_database() as (_, url), tempfile.TemporaryDirectory() as logs:
        coordinator = start(
            "guardian-coordinator",
            {"DATABASE_URL": url, "GUARDIAN_GRPC_ADDR": "127.0.0.1:0", "GUARDIAN_DB_POOL_MAX_SIZE": "32"},
            Path(logs),
        )
        noop = start([sys.executable, BARE_CHAIN, "leaf", "127.0.0.1:0"], {}, Path(logs))
        try:
            async with CoordinatorClient(coordinator.grpc_target) as client:
                digests = await seed_sessions(client)
                results: dict[int, tuple[Measurement, Measurement, Measurement, float]] = {}
                for concurrency in CONCURRENCY:
                    # Interleaved rounds, median by rate: a drift in the machine's speed hits every path alike.
                    rounds = [
                        (
                            await coordinator_get(client, digests, concurrency),
                            await noop_grpc(noop.grpc_target, concurrency),
                            await direct_select(url, digests, concurrency),
                        )
                        for _ in range(ROUNDS)
                    ]
                    via, bare, direct = (median_by_rate([r[i] for r in rounds]) for i in range(3))
                    tps = pgbench_select_only(url, concurrency)
                    results[concurrency] = (via, bare, direct, tps)
        finally:
            noop.stop()
            coordinator.stop()

    rows = []
    for concurrency, (via, bare, direct, tps) in results.items():
        rows.append(
            [str(concurrency), "pgbench -S (C client, pgbench_accounts)", f"{tps:,.0f}", "-", "-", "-", "-"]
        )
        for measured in (direct, bare, via):
            rows.append(
                [
                    str(concurrency),
                    measured.name,
                    f"{measured.rate:,.0f}",
                    f"{measured.p50_ms:.2f}",
                    f"{measured.p99_ms:.2f}",
                    f"{measured.rate / direct.rate:.2f}",
                    f"{measured.rate / bare.rate:.2f}",
                ]
            )
    table = markdown_table(
        ["callers", "path", "ops/s", "p50 ms", "p99 ms", "vs direct psycopg", "vs no-op gRPC"], rows
    )
    via32, bare32, direct32, _ = results[32]
    verdict = (
        f"Target at 32 callers: coordinator >= 60% of direct psycopg ({via32.rate / direct32.rate:.0%}) "
        f"and p99 <= 10 ms ({via32.p99_ms:.2f} ms): "
        + ("MET" if via32.rate >= 0.6 * direct32.rate and via32.p99_ms <= 10 else "NOT MET")
        + f". The no-op gRPC server reaches {bare32.rate / direct32.rate:.0%} of direct psycopg "
        f"with p99 {bare32.p99_ms:.2f} ms: the ceiling for any service this client calls over gRPC."
    )
    report = (
        "## Coordinator: Sessions.Get\n\n"
        f"{SESSIONS} live sessions, random keys, one client process (asyncio), same database for every row. "
        f"Each gRPC/psycopg row is the median (by rate) of {ROUNDS} interleaved rounds of {DURATION_S:g} s.\n\n"
        f"{table}\n\n{verdict}"
    )
    path = write_report("coordinator", report)
    return f"{report}\n\n(written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path})"


if __name__ == "__main__":
    print(asyncio.run(main()))
