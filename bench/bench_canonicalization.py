"""Canonicalization throughput, land-to-canonical latency and failover time (real processes).

1. Throughput: N candidates whose commitments are already on the devnet; 3 canonicalizers start (one
   leads, two stand by); time until all N are canonical.
2. Latency: with the leader idle, M commitments land at random moments; land → canonical per delta
   (canonical time is the database clock, on this host), fast pass on.
3. Failover: kill -9 the leader K times; time until another replica leads.

Run with `make bench` (or `python bench/bench_canonicalization.py`). Writes bench/results/canonicalization.md.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_database, markdown_table, p50_p99, write_report

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_devnet.control import DevnetControl
from guardian_testing.canonicalization import (
    Stack,
    seed_candidates,
    start_stack,
    wait_until,
)
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.fixtures import ServiceStarter

N = int(os.environ.get("GUARDIAN_BENCH_CANDIDATES", "1000"))
M = int(os.environ.get("GUARDIAN_BENCH_LANDINGS", "150"))
KILLS = int(os.environ.get("GUARDIAN_BENCH_KILLS", "5"))
FAST_S, CHECK_S, TTL_S, RENEW_S = 1.0, 10.0, 3.0, 1.0
TARGET_RATE = 1000.0


async def canonical_count(client: CoordinatorClient) -> int:
    info = await client.custody.GetDashboardInfo(pb.GetDashboardInfoRequest())
    return int(info.delta_status_counts["canonical"])


async def run() -> str:
    with bench_database() as (_, url), tempfile.TemporaryDirectory() as logs:
        starter = ServiceStarter(Path(logs))
        try:
            stack = start_stack(
                starter.replicas,
                url,
                coordinators=2,
                canonicalizers=0,
                GUARDIAN_CANONICALIZATION_CHECK_INTERVAL_SECONDS=str(CHECK_S),
                GUARDIAN_CANONICALIZATION_FAST_PROMOTION_INTERVAL_SECONDS=str(FAST_S),
                GUARDIAN_CANONICALIZATION_LEASE_TTL_SECONDS=str(TTL_S),
                GUARDIAN_CANONICALIZATION_RENEW_INTERVAL_SECONDS=str(RENEW_S),
                GUARDIAN_CANONICALIZATION_MAX_CONCURRENT_ACCOUNTS="50",
                GUARDIAN_LOG_LEVEL="WARNING",
            )
            chain = DevnetControl(stack.devnet_url)
            async with CoordinatorClient(stack.coordinator_target) as client:
                # 1. throughput
                backlog = await seed_candidates(client.custody, N)
                await asyncio.gather(*(chain.land(s.account_id, s.new_commitment) for s in backlog))
                stack.add_canonicalizers(3)
                began = time.perf_counter()  # from the moment the replicas listen (boot excluded)
                await wait_until(
                    lambda: _at_least(client, N), "the backlog canonical", within=600, every=0.05
                )
                throughput_s = time.perf_counter() - began

                # 2. land-to-canonical latency (fast pass on, full pass every 10 s)
                pending = await seed_candidates(client.custody, M)
                await asyncio.sleep(CHECK_S)  # let the full pass see them as unlanded (grace defers)
                landed_at: dict[str, datetime] = {}
                for s in pending:
                    await asyncio.sleep(random.uniform(0, 0.05))
                    landed_at[s.account_id] = datetime.now(UTC)
                    await chain.land(s.account_id, s.new_commitment)
                await wait_until(lambda: _at_least(client, N + M), "the landings canonical", within=120)
                latencies = []
                for s in pending:
                    got = await client.custody.GetDelta(
                        pb.GetDeltaRequest(account_id=s.account_id, nonce=s.nonce)
                    )
                    done = got.delta.status_timestamp.ToDatetime(tzinfo=UTC)
                    latencies.append((done - landed_at[s.account_id]).total_seconds())

                # 3. failover
                failovers = []
                for _ in range(KILLS):
                    failovers.append(await one_failover(stack))
        finally:
            starter.stop_all()

    rate = N / throughput_s
    p50, p99 = p50_p99(latencies)
    bound = TTL_S + RENEW_S
    rows = [
        ["throughput (backlog on chain, 1 leader + 2 standbys)", f"{N} in {throughput_s:.2f} s",
         f"{rate:,.0f} candidates/s", f"{rate / TARGET_RATE:.2f} of the 1,000/s target"],
        ["land → canonical p50 (fast pass every 1 s)", f"{M} landings", f"{p50 * 1000:,.0f} ms",
         f"{p50 / FAST_S:.2f} fast intervals"],
        ["land → canonical p99", f"{M} landings", f"{p99 * 1000:,.0f} ms",
         f"{p99 / FAST_S:.2f} fast intervals (target ≤ 2)"],
        ["failover after kill -9, median", f"{KILLS} kills", f"{statistics.median(failovers):.2f} s",
         f"{statistics.median(failovers) / bound:.2f} of TTL + renew ({bound:g} s)"],
        ["failover after kill -9, max", f"{KILLS} kills", f"{max(failovers):.2f} s",
         f"{max(failovers) / bound:.2f} of TTL + renew"],
    ]  # fmt: skip
    table = markdown_table(["measure", "size", "result", "ratio"], rows)
    return (
        "# Canonicalization benchmark\n\n"
        f"2 coordinators on one PostgreSQL, a devnet, 3 canonicalizers (max 50 accounts in parallel); "
        f"lease TTL {TTL_S:g} s, renew {RENEW_S:g} s, full pass every {CHECK_S:g} s, fast pass every "
        f"{FAST_S:g} s; {os.cpu_count()} cores. Reproduce: `python bench/bench_canonicalization.py` "
        "(GUARDIAN_BENCH_CANDIDATES, GUARDIAN_BENCH_LANDINGS, GUARDIAN_BENCH_KILLS).\n\n"
        f"{table}\n\nFailover samples (s): {', '.join(f'{f:.2f}' for f in failovers)}\n"
    )


async def one_failover(stack: Stack) -> float:
    """Kills the leader; seconds until another replica leads. The killed one is replaced."""
    process, reported = await stack.wait_for_leader()
    process.signal(signal.SIGKILL)
    killed = time.perf_counter()
    await stack.wait_for_leader("a new leader", above=reported.fence_token, every=0.02)
    elapsed = time.perf_counter() - killed
    stack.canonicalizers.remove(process)
    stack.add_canonicalizers(1)
    return elapsed


async def _at_least(client: CoordinatorClient, count: int) -> bool:
    return await canonical_count(client) >= count


def main() -> None:
    report = asyncio.run(run())
    path = write_report("canonicalization", report)
    print(report)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
