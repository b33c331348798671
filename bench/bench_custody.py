"""The per-account API and the dashboard feed, through real processes (one coordinator on PostgreSQL, one
auth, one gateway).

Rows: signed POST /delta (ECDSA and Falcon cosigners) and signed GET /state at 16 concurrent clients
(every request is signed before the clock starts, so the client's own signing is not measured); then the
time of one keyset page of /dashboard/deltas (first page and a page deep in the feed) with 1 000 and with
100 000 deltas in the table. Run with `make bench`; writes bench/results/custody.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Measurement, bench_database, markdown_table, write_report

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
from guardian_crypto.compiled import goldilocks
from guardian_gateway.domain.cursors import CursorCodec, CursorKind
from guardian_network import JsonNetwork
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import write_ack_key, write_falcon_ack_key
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import start_fleet, write_allowlist
from guardian_testing.identities import operators

CLIENTS = 16
ECDSA_PUSHES = int(os.environ.get("GUARDIAN_BENCH_ECDSA_PUSHES", "480"))
FALCON_PUSHES = int(os.environ.get("GUARDIAN_BENCH_FALCON_PUSHES", "160"))
STATE_READS_PER_CLIENT = 50
PAGE_SAMPLES = 30
SMALL, LARGE = 1_000, 100_000
CURSOR_SECRET = secrets.token_bytes(32)
NETWORK = JsonNetwork()
STATE = {"owner": "bench", "balance": 1}
BENCH_ENV = {
    "GUARDIAN_RATE_LIMIT_ENABLED": "false",
    "GUARDIAN_DB_POOL_MAX_SIZE": "32",
    "GUARDIAN_LOG_LEVEL": "WARNING",
    "GUARDIAN_DASHBOARD_CURSOR_SECRET": CURSOR_SECRET.hex(),
    "GUARDIAN_DASHBOARD_COMMITMENT_RATE_BURST_PER_SEC": "100000",
    "GUARDIAN_DASHBOARD_COMMITMENT_RATE_PER_MIN": "1000000",
}


@dataclass(frozen=True)
class Prepared:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str] | None = None
    content: bytes | None = None


async def create_accounts(coordinator: CoordinatorClient, signer: Cosigner, count: int) -> list[str]:
    auth = json.dumps(auth_config(signer))

    async def one(_: int) -> str:
        account_id = new_account_id()
        await coordinator.custody.ConfigureAccount(
            pb.ConfigureAccountRequest(
                account_id=account_id,
                auth_json=auth,
                network_config_json="{}",
                initial_state_json=json.dumps(STATE),
                initial_commitment=NETWORK.commitment(STATE),
            )
        )
        return account_id

    return list(await asyncio.gather(*(one(i) for i in range(count))))


def prepared(call: SignedCall, signer: Cosigner) -> Prepared:
    """The request, signed now (before the clock starts)."""
    return Prepared(call.method, call.path, call.headers(signer), call.params, call.body)


def pushes(signer: Cosigner, accounts: list[str]) -> list[Prepared]:
    return [
        prepared(push_call(delta_body(account_id, 1, NETWORK.commitment(STATE), {"balance": 2})), signer)
        for account_id in accounts
    ]


async def run_fixed(
    client: httpx.AsyncClient, base: str, queues: list[list[Prepared]], name: str
) -> Measurement:
    """Each of the concurrent clients sends its own prepared requests in order; all must answer 200."""
    latencies: list[float] = []

    async def worker(queue: list[Prepared]) -> None:
        for item in queue:
            started = time.perf_counter()
            response = await client.request(
                item.method,
                f"{base}{item.path}",
                headers=item.headers,
                params=item.params,
                content=item.content,
            )
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text

    began = time.perf_counter()
    await asyncio.gather(*(worker(q) for q in queues))
    return Measurement.of(name, len(queues), latencies, time.perf_counter() - began)


def split(items: list[Prepared], parts: int) -> list[list[Prepared]]:
    return [items[i::parts] for i in range(parts)]


def insert_canonical_deltas(database_url: str, first: int, last: int) -> None:
    """Fixture rows straight into the table: 100 canonical deltas per account, 1 ms apart."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            """
            INSERT INTO deltas (account_id, nonce, prev_commitment, new_commitment, delta_payload, payload_bytes,
                                ack_sig, status, status_kind, status_timestamp)
            SELECT '0x' || lpad(to_hex(g / 100), 30, '0'), g %% 100, '0x' || repeat('a', 64), '0x' || repeat('b', 64),
                   '{"patch": {"n": 1}}'::jsonb, 19, '',
                   jsonb_build_object('status', 'canonical', 'timestamp', to_char(t AT TIME ZONE 'UTC',
                       'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
                   'canonical', t
            FROM generate_series(%s::bigint, %s::bigint - 1) AS g,
                 LATERAL (SELECT timestamptz '2026-01-01' - g * interval '1 millisecond' AS t) AS ts
            """,
            (first, last),
        )
        conn.execute("ANALYZE deltas")


def deep_cursor(database_url: str) -> str:
    """A cursor positioned at the middle of the canonical feed (minted with the gateway's secret)."""
    with psycopg.connect(database_url) as conn:
        count = conn.execute("SELECT count(*) FROM deltas WHERE status_kind = 'canonical'").fetchone()
        assert count is not None
        row = conn.execute(
            "SELECT extract(epoch FROM status_timestamp)::numeric, account_id, nonce FROM deltas "
            "WHERE status_kind = 'canonical' ORDER BY status_timestamp DESC, account_id, nonce OFFSET %s LIMIT 1",
            (count[0] // 2,),
        ).fetchone()
    assert row is not None
    epoch, account_id, nonce = row
    seconds = int(epoch)
    nanos = int((epoch - seconds) * 1_000_000) * 1000
    return CursorCodec(CURSOR_SECRET).mint(
        CursorKind.GLOBAL_DELTAS, "canonical", {"s": seconds, "ns": nanos, "a": account_id, "n": nonce}
    )


async def page_times(
    client: httpx.AsyncClient, base: str, cookie: dict[str, str], cursor: str | None
) -> float:
    params = {"limit": "50", "status": "canonical", **({"cursor": cursor} if cursor else {})}
    samples = []
    for _ in range(PAGE_SAMPLES):
        started = time.perf_counter()
        response = await client.get(f"{base}/dashboard/deltas", params=params, headers=cookie)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200 and len(response.json()["items"]) == 50, response.text
    return statistics.median(samples) * 1000


def progress(message: str, started: float = time.perf_counter()) -> None:
    print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)


async def main() -> str:
    rows: list[Measurement] = []
    pages: dict[tuple[int, str], float] = {}
    with bench_database() as (_, url), tempfile.TemporaryDirectory() as logs:
        starter = ServiceStarter(Path(logs))
        allowlist = Path(logs) / "operators.json"
        write_allowlist(allowlist, [(operators()[0], ["dashboard:read"])])
        key_file = write_ack_key(Path(logs))
        try:
            fleet = start_fleet(
                starter,
                database_url=url,
                allowlist=allowlist,
                coordinators=1,
                auth=1,
                gateways=1,
                env={
                    **BENCH_ENV,
                    "GUARDIAN_ACK_ECDSA_KEY_FILE": str(key_file),
                    # Falcon accounts are acknowledged with the Falcon key (signed in auth's worker processes).
                    "GUARDIAN_ACK_FALCON_KEY_FILE": str(write_falcon_ack_key(Path(logs))),
                },
            )
            base = fleet.gateway_url(0)
            progress("fleet started")
            ecdsa_signer, falcon_signer = Cosigner.ecdsa(), Cosigner.falcon(operators()[0].secret_key)
            async with CoordinatorClient(fleet.coordinator_target) as coordinator:
                ecdsa_accounts = await create_accounts(coordinator, ecdsa_signer, ECDSA_PUSHES)
                falcon_accounts = await create_accounts(coordinator, falcon_signer, FALCON_PUSHES)
                readers = await create_accounts(coordinator, ecdsa_signer, CLIENTS)
            ecdsa_pushes = pushes(ecdsa_signer, ecdsa_accounts)
            progress("accounts created")
            falcon_pushes = pushes(falcon_signer, falcon_accounts)
            state_reads = [
                [prepared(state_call(account_id), ecdsa_signer) for _ in range(STATE_READS_PER_CLIENT)]
                for account_id in readers
            ]
            limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
            progress("requests signed")
            async with httpx.AsyncClient(timeout=60, limits=limits) as client:
                rows.append(
                    await run_fixed(client, base, split(ecdsa_pushes, CLIENTS), "POST /delta, ECDSA cosigner")
                )
                rows.append(
                    await run_fixed(
                        client, base, split(falcon_pushes, CLIENTS), "POST /delta, Falcon cosigner"
                    )
                )
                rows.append(await run_fixed(client, base, state_reads, "GET /state, ECDSA cosigner"))
                session = await LoginClient(base, http=client, retry=NO_RETRY).operator_login(operators()[0])
                cookie = session.headers
                client.cookies.clear()  # httpx kept the cookie; the page requests carry it in their own header
                progress("throughput measured")
                for size, (first, last) in ((SMALL, (0, SMALL)), (LARGE, (SMALL, LARGE))):
                    insert_canonical_deltas(url, first, last)
                    pages[(size, "first")] = await page_times(client, base, cookie, None)
                    pages[(size, "deep")] = await page_times(client, base, cookie, deep_cursor(url))
                    progress(f"pages measured at {size} deltas")
        finally:
            starter.stop_all()

    throughput = markdown_table(
        ["request", "clients", "requests", "req/s", "p50 ms", "p99 ms"],
        [
            [
                r.name,
                str(r.concurrency),
                str(r.ops),
                f"{r.rate:.1f}",
                f"{r.p50_ms:.2f}",
                f"{r.p99_ms:.2f}",
            ]
            for r in rows
        ],
    )
    flat = markdown_table(
        [
            "/dashboard/deltas?status=canonical&limit=50",
            f"{SMALL:,} deltas (median ms)",
            f"{LARGE:,} deltas (median ms)",
            "ratio",
        ],
        [
            [
                f"{where} page",
                f"{pages[(SMALL, where)]:.2f}",
                f"{pages[(LARGE, where)]:.2f}",
                f"{pages[(LARGE, where)] / pages[(SMALL, where)]:.2f}",
            ]
            for where in ("first", "deep")
        ],
    )
    return (
        "## Per-account API and dashboard feed\n\n"
        "One coordinator (PostgreSQL), one auth, one gateway; one asyncio client process (httpx). Every signed "
        "request is prepared before the clock starts (the client's Falcon signing is ~30-50 ms of Python); "
        "each push goes to its own account (one candidate per account). Server-side, auth verifies every "
        "signature and signs every ack (ECDSA); the RPO256/Poseidon2 permutations are "
        f"{'compiled' if goldilocks is not None else 'pure Python (not built)'}.\n\n"
        f"{throughput}\n\n"
        f"Keyset pages ({PAGE_SAMPLES} sequential requests each; the deep page starts from a cursor at the middle "
        "of the feed). The page must stay flat as the table grows 100x:\n\n"
        f"{flat}"
    )


if __name__ == "__main__":
    report = asyncio.run(main())
    print(report)
    print(f"written to {write_report('custody', report)}")
