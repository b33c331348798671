"""Telemetry across real processes: one wallet login through gateway → auth → coordinator → PostgreSQL.

Each process writes its finished spans to its own GUARDIAN_TRACE_FILE, serves metrics on a free port and
logs JSON. The login must be one trace spanning the three services down to a PostgreSQL statement, the
counters of every service must move, and the log lines written inside the request must carry its trace id.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import httpx
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.identities import wallets
from guardian_testing.processes import ServiceProcess

pytestmark = pytest.mark.slow

METRICS_LINE = r"metrics=(?P<url>http://\S+)"
SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{[^}]*\})? (?P<value>\S+)$")
Span = dict[str, object]


@dataclass
class Traced:
    process: ServiceProcess
    trace_file: Path
    metrics_url: str

    def spans(self) -> list[Span]:
        return [json.loads(line) for line in self.trace_file.read_text().splitlines() if line]


@dataclass
class Stack:
    coordinator: Traced
    auth: Traced
    gateway: Traced

    def all(self) -> list[Traced]:
        return [self.coordinator, self.auth, self.gateway]


def telemetry_env(trace_file: Path) -> dict[str, str]:
    return {
        "GUARDIAN_TRACE_FILE": str(trace_file),
        "GUARDIAN_METRICS_ENABLED": "true",
        "GUARDIAN_METRICS_ADDR": "127.0.0.1:0",
        "GUARDIAN_LOG_FORMAT": "json",
        "GUARDIAN_RATE_LIMIT_ENABLED": "false",
    }


def traced(starter: ServiceStarter, script: str, directory: Path, **env: str) -> Traced:
    trace_file = directory / f"{script}.spans.jsonl"
    process = starter.one(script, **telemetry_env(trace_file), **env)
    url = re.search(METRICS_LINE, process.read_until(METRICS_LINE))
    assert url is not None
    return Traced(process, trace_file, url["url"])


@pytest.fixture(scope="module")
def stack(
    module_services: ServiceStarter, run_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("telemetry")
    coordinator = traced(module_services, "guardian-coordinator", directory, DATABASE_URL=run_database_url)
    target = coordinator.process.grpc_target
    auth = traced(module_services, "guardian-auth", directory, GUARDIAN_COORDINATOR_TARGET=target)
    gateway = traced(
        module_services,
        "guardian-gateway",
        directory,
        GUARDIAN_COORDINATOR_TARGET=target,
        GUARDIAN_AUTH_TARGET=auth.process.grpc_target,
    )
    yield Stack(coordinator, auth, gateway)


def scrape(client: httpx.Client, url: str) -> dict[str, float]:
    """`name{labels}` → value of every sample."""
    response = client.get(url)
    assert response.status_code == 200, response.text
    samples = {}
    for line in response.text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            samples[match["name"] + (match["labels"] or "")] = float(match["value"])
    return samples


def total(samples: dict[str, float], name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    return sum(
        value
        for key, value in samples.items()
        if key.split("{", 1)[0] == name and all(pair in key for pair in wanted)
    )


def wallet_login(client: httpx.Client, gateway_url: str) -> str:
    """One wallet login; returns the trace id the gateway answered the verify request under."""
    wallet = wallets()[0]
    challenge = client.get(f"{gateway_url}/evm/auth/challenge", params={"address": wallet.address})
    assert challenge.status_code == 200, challenge.text
    c = challenge.json()
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    verify = client.post(
        f"{gateway_url}/evm/auth/verify",
        json={
            "address": wallet.address,
            "nonce": c["nonce"],
            "signature": wallet.sign_session(c["nonce"], c["issued_at"], c["expires_at"]),
        },
        headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
    )
    assert verify.status_code == 200, verify.text
    return trace_id


def spans_once(
    read: Callable[[], list[Span]], written: Callable[[list[Span]], bool], within: float = 10
) -> list[Span]:
    """`read()` once `written` holds of it, or its last result after `within` seconds.

    Trace files are written as spans end, and a server span may end just after its response was sent.
    """
    deadline = time.monotonic() + within
    while True:
        spans = read()
        if written(spans) or time.monotonic() > deadline:
            return spans
        time.sleep(0.05)


def spans_of(stack: Stack, trace_id: str) -> list[Span]:
    """The trace's spans once its root (the gateway's server span, which ends last) was written."""
    return spans_once(
        lambda: [span for t in stack.all() for span in t.spans() if span["trace_id"] == trace_id],
        lambda spans: any(s["service"] == "guardian-gateway" and s["kind"] == "SERVER" for s in spans),
    )


def lookups_parented(spans: list[Span]) -> bool:
    """Every session lookup statement's parent span is in `spans`."""
    ids = {span["span_id"] for span in spans}
    return all(span["parent_span_id"] in ids for span in spans if span["name"] == "SELECT auth_sessions")


def chain_of(spans: list[Span], leaf: Span) -> list[Span]:
    """The spans from `leaf` up to the root of the trace, following parent ids."""
    by_id = {span["span_id"]: span for span in spans}
    chain = [leaf]
    while chain[-1]["parent_span_id"] in by_id:
        chain.append(by_id[chain[-1]["parent_span_id"]])
    return chain


def test_one_login_is_one_trace_across_the_services_and_the_metrics_move(stack: Stack) -> None:
    gateway_url = f"http://{stack.gateway.process.addresses['http']}"
    with httpx.Client(timeout=30) as client:
        before = {t.process.name: scrape(client, t.metrics_url) for t in stack.all()}
        trace_id = wallet_login(client, gateway_url)
        after = {t.process.name: scrape(client, t.metrics_url) for t in stack.all()}

    spans = spans_of(stack, trace_id)
    services = {span["service"] for span in spans}
    assert services == {"guardian-gateway", "guardian-auth", "guardian-coordinator"}, spans
    statements = [
        s
        for s in spans
        if s["service"] == "guardian-coordinator" and s["kind"] == "CLIENT" and s["name"] != "connect"
    ]
    assert statements, "no PostgreSQL statement span in the trace"
    chain = chain_of(spans, statements[0])
    # statement ← coordinator server ← auth client ← auth server ← gateway client ← gateway server (root)
    assert [(s["service"], s["kind"]) for s in chain] == [
        ("guardian-coordinator", "CLIENT"),
        ("guardian-coordinator", "SERVER"),
        ("guardian-auth", "CLIENT"),
        ("guardian-auth", "SERVER"),
        ("guardian-gateway", "CLIENT"),
        ("guardian-gateway", "SERVER"),
    ]
    assert chain[-1]["parent_span_id"] == "00f067aa0ba902b7"  # the caller's traceparent was continued
    assert str(chain[1]["name"]).startswith("/guardian.coordinator.v1."), chain[1]
    assert chain[3]["name"] == "/guardian.auth.v1.EvmAuth/Verify", chain[3]

    def moved(service: Traced, name: str, **labels: str) -> float:
        key = service.process.name
        return total(after[key], name, **labels) - total(before[key], name, **labels)

    assert moved(stack.gateway, "guardian_http_requests_total", route="/evm/auth/verify", status="200") == 1
    assert moved(stack.gateway, "guardian_http_request_duration_seconds_count", route="/evm/auth/verify") == 1
    assert moved(stack.auth, "guardian_evm_auth_challenges_total", outcome="ok") == 1
    assert moved(stack.auth, "guardian_evm_auth_verifications_total", outcome="ok") == 1
    assert moved(stack.auth, "guardian_evm_sessions_started_total") == 1
    assert moved(stack.auth, "guardian_grpc_requests_total", method="Verify", code="ok") == 1
    assert moved(stack.coordinator, "guardian_grpc_requests_total", method="Insert", code="ok") == 1
    assert total(after[stack.coordinator.process.name], "guardian_db_pool_connections_max") > 0
    assert total(after[stack.coordinator.process.name], "guardian_build_info") == 1

    log_lines = stack.auth.process.log_path.read_text().splitlines()
    auth_lines = [json.loads(line) for line in log_lines if line.startswith("{")]
    assert any(
        entry.get("trace_id") == trace_id and entry["message"] == "evm session started"
        for entry in auth_lines
    ), auth_lines[-5:]


async def test_concurrent_session_lookups_share_statements_and_are_traced(stack: Stack) -> None:
    async with CoordinatorClient(stack.coordinator.process.grpc_target) as coordinator:
        live = [secrets.token_bytes(32) for _ in range(32)]
        for digest in live:
            await coordinator.sessions.Insert(
                pb.InsertRequest(
                    realm=pb.REALM_OPERATOR, token_digest=digest, subject_json="{}", ttl_seconds=60
                )
            )
        asked = [*live, *(secrets.token_bytes(32) for _ in range(32))]
        with httpx.Client(timeout=30) as client:
            before = scrape(client, stack.coordinator.metrics_url)
            answers = await asyncio.gather(
                *(
                    coordinator.sessions.Get(pb.GetRequest(realm=pb.REALM_OPERATOR, token_digest=d))
                    for d in asked
                )
            )
            after = scrape(client, stack.coordinator.metrics_url)
    assert [answer.found for answer in answers] == [True] * 32 + [False] * 32

    def moved(name: str) -> float:
        return total(after, name) - total(before, name)

    assert moved("guardian_session_lookup_keys_total") == 64
    statements = moved("guardian_session_lookup_statements_total")
    assert 1 <= statements < 64, f"64 concurrent lookups took {statements} statements: none were shared"

    spans = spans_once(stack.coordinator.spans, lookups_parented)
    by_id = {span["span_id"]: span for span in spans}
    lookup_spans = [span for span in spans if span["name"] == "SELECT auth_sessions"]
    shared = [cast(dict[str, int], span["attributes"])["guardian.session_lookups"] for span in lookup_spans]
    assert sum(shared) >= 64
    assert all(
        by_id[span["parent_span_id"]]["name"] == "/guardian.coordinator.v1.Sessions/Get"
        for span in lookup_spans
    ), "each shared statement is traced under the lookup that started it"
