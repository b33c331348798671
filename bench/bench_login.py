"""Authenticated requests and logins through the whole stack, next to same-run baselines.

Rows: GET /dashboard/session through gateway → auth → coordinator → PostgreSQL at 32 clients; the
bare chain of the same hops doing no work; coordinator Sessions.Get alone; logins per second
(operator and EVM) at 8 clients. Run with `make bench`; writes bench/results/login.md.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    KeepAliveHttp,
    Measurement,
    bench_database,
    closed_loop,
    markdown_table,
    write_report,
)

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_auth.domain.tokens import storage_key
from guardian_client import NO_RETRY, LoginClient
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import start_fleet, write_allowlist
from guardian_testing.identities import operators, wallets
from guardian_testing.processes import start

BARE_CHAIN = str(Path(__file__).resolve().with_name("bare_chain.py"))
CLIENTS = 32
LOGIN_CLIENTS = 8
BENCH_ENV = {
    "GUARDIAN_RATE_LIMIT_ENABLED": "false",
    "GUARDIAN_DASHBOARD_COMMITMENT_RATE_BURST_PER_SEC": "100000",
    "GUARDIAN_DASHBOARD_COMMITMENT_RATE_PER_MIN": "1000000",
    "GUARDIAN_DB_POOL_MAX_SIZE": "32",
    "GUARDIAN_LOG_LEVEL": "WARNING",
}


def http_get(
    base: str, path: str, headers: dict[str, str], connections: list[KeepAliveHttp]
) -> Callable[[int], Callable[[], Awaitable[object]]]:
    """One keep-alive connection per caller, kept in `connections` for closing."""
    host, port = base.removeprefix("http://").rsplit(":", 1)

    def make(_: int) -> Callable[[], Awaitable[object]]:
        connection = KeepAliveHttp(host, int(port))
        connections.append(connection)

        async def call() -> None:
            status, body = await connection.get(path, headers)
            assert status == 200, body

        return call

    return make


async def operator_login_once(logins: LoginClient, index: int) -> None:
    await logins.operator_login(operators()[index % 2])


async def wallet_login_once(logins: LoginClient, index: int) -> None:
    await logins.wallet_login(wallets()[index % 3])


async def main() -> str:
    rows: list[Measurement] = []
    with bench_database() as (_, url), tempfile.TemporaryDirectory() as logs:
        starter = ServiceStarter(Path(logs))
        allowlist = Path(logs) / "operators.json"
        write_allowlist(allowlist, [(op, ["dashboard:read"]) for op in operators()[:2]])
        try:
            fleet = start_fleet(
                starter,
                database_url=url,
                allowlist=allowlist,
                coordinators=1,
                auth=1,
                gateways=1,
                env=BENCH_ENV,
            )
            leaf = start([sys.executable, BARE_CHAIN, "leaf", "127.0.0.1:0"], {}, Path(logs))
            middle = start(
                [sys.executable, BARE_CHAIN, "middle", "127.0.0.1:0", leaf.grpc_target], {}, Path(logs)
            )
            bare = start(
                [sys.executable, BARE_CHAIN, "http", "127.0.0.1:0", middle.grpc_target], {}, Path(logs)
            )
            starter.started.extend([leaf, middle, bare])
            base = fleet.gateway_url(0)
            limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
            async with httpx.AsyncClient(timeout=30, limits=limits) as client:
                logins = LoginClient(base, http=client, retry=NO_RETRY)
                session = await logins.operator_login(operators()[0])
                token, headers = session.token, session.headers
                connections: list[KeepAliveHttp] = []
                rows.append(
                    await closed_loop(
                        "GET /dashboard/session (gateway→auth→coordinator→PostgreSQL)",
                        CLIENTS,
                        http_get(base, "/dashboard/session", headers, connections),
                    )
                )
                bare_base = f"http://{bare.addresses['http']}"
                rows.append(
                    await closed_loop(
                        "bare chain HTTP→gRPC→gRPC (no work)",
                        CLIENTS,
                        http_get(bare_base, "/dashboard/session", {}, connections),
                    )
                )
                for connection in connections:
                    await connection.close()
                async with CoordinatorClient(fleet.coordinators[0].grpc_target) as coordinator:
                    key = storage_key(token)

                    def get(_: int) -> Callable[[], Awaitable[object]]:
                        async def call() -> None:
                            assert (
                                await coordinator.sessions.Get(
                                    pb.GetRequest(realm=pb.REALM_OPERATOR, token_digest=key)
                                )
                            ).found

                        return call

                    rows.append(await closed_loop("coordinator Sessions.Get alone (gRPC)", CLIENTS, get))

                def login(
                    flow: Callable[[LoginClient, int], Awaitable[None]],
                ) -> Callable[[int], Callable[[], Awaitable[object]]]:
                    def make(index: int) -> Callable[[], Awaitable[object]]:
                        return lambda: flow(logins, index)

                    return make

                rows.append(
                    await closed_loop(
                        "operator login (challenge + Falcon sign + verify)",
                        LOGIN_CLIENTS,
                        login(operator_login_once),
                    )
                )
                rows.append(
                    await closed_loop(
                        "wallet login (challenge + EIP-712 sign + verify)",
                        LOGIN_CLIENTS,
                        login(wallet_login_once),
                    )
                )
        finally:
            starter.stop_all()

    full, bare_chain = rows[0], rows[1]
    table = markdown_table(
        ["path", "clients", "ops/s", "p50 ms", "p99 ms", "ratio vs bare chain"],
        [
            [
                m.name,
                str(m.concurrency),
                f"{m.rate:,.1f}",
                f"{m.p50_ms:.2f}",
                f"{m.p99_ms:.2f}",
                f"{m.rate / bare_chain.rate:.2f}" if i < 3 else "-",
            ]
            for i, m in enumerate(rows)
        ],
    )
    verdict = (
        f"Target: p99 <= 20 ms ({full.p99_ms:.2f} ms) and >= 50% of the bare chain ({full.rate / bare_chain.rate:.0%}): "
        + ("MET" if full.p99_ms <= 20 and full.rate >= 0.5 * bare_chain.rate else "NOT MET")
    )
    report = (
        "## Login and authenticated requests\n\n"
        "One coordinator (PostgreSQL), one auth, one gateway; the client is one asyncio process: a minimal "
        "keep-alive HTTP/1.1 client for the session rows (one connection per caller), httpx for the logins. "
        "Login rows include the client's own signing (Falcon signing is ~30-50 ms of Python).\n\n"
        f"{table}\n\n{verdict}"
    )
    write_report("login", report)
    return report


if __name__ == "__main__":
    print(asyncio.run(main()))
