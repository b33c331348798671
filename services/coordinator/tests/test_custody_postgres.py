"""Custody on real PostgreSQL only: the lease-transfer race of docs/contracts/canonicalization.md §10, replay and submit
races across two coordinator processes, and the keyset reads' query plans."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_coordinator.api.convert import lease_from_proto
from guardian_coordinator.domain.models import AccountKey, DeltaKind, FeedKey
from guardian_coordinator.store.postgres import custody as store_sql
from guardian_coordinator.store.postgres.custody_reads import accounts_query, feed_query
from guardian_coordinator.store.postgres.engine import PoolSettings, create_engine
from guardian_coordinator.store.postgres.leases import VERIFY as FENCE_CHECK
from guardian_coordinator.store.postgres.leases import fence_params
from guardian_coordinator.store.postgres.migrate import run_migrations
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import new_account_id
from guardian_testing.fixtures import StartReplicas

pytestmark = pytest.mark.slow


def new_commitment() -> str:
    return "0x" + secrets.token_hex(32)


@pytest.fixture
async def replicas(
    start_replicas: StartReplicas, run_database_url: str
) -> AsyncIterator[list[CoordinatorClient]]:
    processes = start_replicas("guardian-coordinator", 2, DATABASE_URL=run_database_url)
    clients = [CoordinatorClient(p.grpc_target) for p in processes]
    yield clients
    for client in clients:
        await client.close()


@pytest.fixture
async def engine(run_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(run_database_url, PoolSettings(max_size=2))
    yield engine
    await engine.dispose()


async def configure(client: CoordinatorClient, **stamp: Any) -> tuple[str, str]:
    account_id, commitment = new_account_id(), new_commitment()
    response = await client.custody.ConfigureAccount(
        pb.ConfigureAccountRequest(
            account_id=account_id,
            auth_json=json.dumps({"Ecdsa": {"cosigner_commitments": []}}),
            initial_state_json="{}",
            initial_commitment=commitment,
            auth_stamp=pb.AuthStamp(**stamp) if stamp else None,
        )
    )
    assert response.outcome == pb.CONFIGURE_OUTCOME_CREATED
    return account_id, commitment


def submit_request(account_id: str, nonce: int, base: str) -> pb.SubmitCandidateRequest:
    return pb.SubmitCandidateRequest(
        account_id=account_id,
        nonce=nonce,
        prev_commitment=base,
        new_commitment=new_commitment(),
        delta_payload_json=json.dumps({"patch": {"n": nonce}}),
    )


async def wait_for_lock_waiter(engine: AsyncEngine) -> None:
    """Until a coordinator session of this database waits on a row lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = 'guardian-coordinator' AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            if (await conn.execute(query)).scalar():
                return
        await asyncio.sleep(0.02)
    raise AssertionError("no coordinator session ever waited on the account lock")


async def test_lease_transfer_does_not_wait_for_a_validated_write_transaction(
    replicas: list[CoordinatorClient], engine: AsyncEngine
) -> None:
    client = replicas[0]
    account_id, base = await configure(client)
    submitted = await client.custody.SubmitCandidate(submit_request(account_id, 1, base))
    assert submitted.outcome == pb.SUBMIT_OUTCOME_SUBMITTED
    name = f"canonicalization-{secrets.token_hex(4)}"
    lease_a = (await client.leases.Acquire(pb.AcquireRequest(name=name, holder_id="a", ttl_ms=60_000))).lease
    scope = {"account_id": account_id, "nonce": 1}
    parked_commitment = new_commitment()

    # Holder A's promotion, statement by statement as the store runs it, parked after its fence check.
    async with engine.begin() as parked:
        assert (await parked.execute(store_sql.LOCK_ACCOUNT, scope)).first() is not None
        assert (
            await parked.execute(FENCE_CHECK, fence_params(lease_from_proto(lease_a)))
        ).first() is not None

        await asyncio.wait_for(client.leases.Release(pb.ReleaseRequest(lease=lease_a)), 2.0)
        acquired = await asyncio.wait_for(
            replicas[1].leases.Acquire(pb.AcquireRequest(name=name, holder_id="b", ttl_ms=60_000)), 2.0
        )
        assert acquired.acquired and acquired.lease.fence_token > lease_a.fence_token
        competing = replicas[1].custody.Promote(  # the call runs from here on
            pb.PromoteRequest(
                lease=acquired.lease,
                account_id=account_id,
                nonce=1,
                source_kind=pb.DELTA_KIND_CANDIDATE,
                new_commitment=new_commitment(),
                new_state_json='{"by": "b"}',
            )
        )
        await wait_for_lock_waiter(engine)
        assert not competing.done(), "B's promotion must wait for the account lock"

        params = {
            **scope,
            "source_kind": "candidate",
            "new_commitment": parked_commitment,
            "state": '{"by": "a"}',
        }
        flipped = (await parked.execute(store_sql.FLIP_TO_CANONICAL, params)).all()
        assert len(flipped) == 1
        advanced = await parked.execute(store_sql.ADVANCE_STATE, {**params, "prev_commitment": flipped[0][0]})
        assert advanced.rowcount == 1
        await parked.execute(store_sql.CLEAR_PENDING_FLAG, params)

    assert (await competing).outcome == pb.WRITE_OUTCOME_NOT_CANDIDATE
    delta = (await client.custody.GetDelta(pb.GetDeltaRequest(account_id=account_id, nonce=1))).delta
    assert delta.status_kind == pb.DELTA_KIND_CANONICAL and delta.new_commitment == parked_commitment
    state = (await client.custody.GetState(pb.GetStateRequest(account_id=account_id))).state
    assert state.commitment == parked_commitment and json.loads(state.state_json) == {"by": "a"}
    account = (await client.custody.GetAccount(pb.GetAccountRequest(account_id=account_id))).account
    assert not account.has_pending_candidate


async def test_concurrent_requests_across_two_coordinators_have_exactly_one_winner(
    replicas: list[CoordinatorClient],
) -> None:
    signer = new_commitment()
    stamp: dict[str, Any] = {"signer_commitment": signer, "timestamp_ms": 1_700_000_000_000}
    account_id, base = await configure(replicas[0], **stamp)

    async def check(timestamp_ms: int, signer_commitment: str) -> list[int]:
        request = pb.CheckAndAdvanceAuthTimestampRequest(
            account_id=account_id, signer_commitment=signer_commitment, timestamp_ms=timestamp_ms
        )
        results = await asyncio.gather(
            *(replicas[i % 2].custody.CheckAndAdvanceAuthTimestamp(request) for i in range(20))
        )
        return [r.outcome for r in results]

    for timestamp_ms, who in ((1_700_000_000_001, signer), (5, new_commitment())):  # update, then insert
        outcomes = await check(timestamp_ms, who)
        assert outcomes.count(pb.AUTH_TIMESTAMP_OUTCOME_ACCEPTED) == 1
        assert outcomes.count(pb.AUTH_TIMESTAMP_OUTCOME_REPLAY) == 19

    submits = await asyncio.gather(
        *(
            replicas[i % 2].custody.SubmitCandidate(submit_request(account_id, 1 + i % 3, base))
            for i in range(12)
        )
    )
    outcomes = [s.outcome for s in submits]
    assert outcomes.count(pb.SUBMIT_OUTCOME_SUBMITTED) == 1
    assert outcomes.count(pb.SUBMIT_OUTCOME_CONFLICT) == 11

    fresh = new_account_id()
    configure_request = pb.ConfigureAccountRequest(
        account_id=fresh,
        auth_json='{"Ecdsa": {}}',
        initial_state_json="{}",
        initial_commitment=base,
        auth_stamp=pb.AuthStamp(**stamp),
    )
    configured = await asyncio.gather(
        *(replicas[i % 2].custody.ConfigureAccount(configure_request) for i in range(8))
    )
    assert (
        sorted(c.outcome for c in configured)
        == [pb.CONFIGURE_OUTCOME_CREATED] + [pb.CONFIGURE_OUTCOME_REPLAY] * 7
    )


# --- Query plans of the keyset reads --------------------------------------------------------------

SEED = """
    INSERT INTO account_metadata (account_id, auth, created_at, updated_at, paused_at)
    SELECT '0x' || lpad(to_hex(i), 30, '0'), '{"Ecdsa": {}}', now(), now() - i * interval '1 second',
           CASE WHEN i % 50 = 0 THEN now() END
      FROM generate_series(1, 5000) AS i;
    INSERT INTO states (account_id, state_json, commitment, created_at, updated_at)
    SELECT account_id, '{}', '0x' || repeat('0', 64), now(), now() FROM account_metadata;
    INSERT INTO deltas (account_id, nonce, prev_commitment, delta_payload, payload_bytes, status, status_kind,
                        status_timestamp)
    SELECT '0x' || lpad(to_hex(i % 5000 + 1), 30, '0'), i, '0x' || repeat('0', 64), '{}', 2,
           jsonb_build_object('status', kind), kind, now() - i * interval '1 second'
      FROM generate_series(1, 40000) AS i,
           LATERAL (SELECT (ARRAY['candidate', 'canonical', 'retained', 'discarded'])[1 + i % 4] AS kind) k;
    ANALYZE;
"""


class Databases(Protocol):
    def create_database(self) -> str: ...


@pytest.fixture(scope="module")
def seeded_database_url(db_server: Databases) -> str:
    """5 000 accounts (every 50th paused) and 40 000 deltas spread over the four kinds, analyzed."""
    url = db_server.create_database()
    run_migrations(url, poll_interval_s=0.1, timeout_s=30, connect_timeout_s=5)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SEED)
    return url


def flatten(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from flatten(child)


async def plan_nodes(url: str, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    engine = create_engine(url, PoolSettings(max_size=1))
    try:
        async with engine.connect() as conn:
            explained = (await conn.execute(text(f"EXPLAIN (FORMAT JSON) {sql}"), params)).scalar_one()
    finally:
        await engine.dispose()
    return list(flatten(explained[0]["Plan"]))


def scans(nodes: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [
        (n["Relation Name"], n["Node Type"], n.get("Index Name", "")) for n in nodes if "Relation Name" in n
    ]


@pytest.mark.parametrize(
    "kinds", [frozenset(DeltaKind), frozenset({DeltaKind.RETAINED, DeltaKind.DISCARDED})]
)
@pytest.mark.parametrize("after", [None, FeedKey(datetime.now(UTC), "0x" + "0" * 30, 7)])
async def test_the_global_delta_feed_reads_one_index_range_per_kind(
    seeded_database_url: str, kinds: frozenset[DeltaKind], after: FeedKey | None
) -> None:
    """A page costs the same at 40 000 rows as at 40: a limited index range per kind, merged in order
    (the candidate range may come from its partial index, with an incremental sort of equal timestamps)."""
    nodes = await plan_nodes(seeded_database_url, *feed_query(kinds, after, 50))
    found = scans(nodes)
    assert len(found) == len(kinds), found
    assert all(relation == "deltas" and node == "Index Scan" for relation, node, _ in found), found
    assert "Sort" not in {n["Node Type"] for n in nodes}, "no sort of a whole range"


@pytest.mark.parametrize("paused", [None, True])
async def test_the_account_list_reads_its_index_in_order(
    seeded_database_url: str, paused: bool | None
) -> None:
    after = AccountKey(datetime.now(UTC), "0x" + "0" * 30)
    nodes = await plan_nodes(seeded_database_url, *accounts_query(paused, after, 50))
    index = "account_metadata_paused" if paused else "account_metadata_updated"
    found = scans(nodes)
    assert found == [("account_metadata", "Index Scan", index), ("states", "Index Scan", "states_pkey")], (
        found
    )
    assert "Sort" not in {n["Node Type"] for n in nodes}


async def test_a_signed_read_outlives_its_dead_connection_and_never_accepts_a_timestamp_twice(
    replicas: list[CoordinatorClient], engine: AsyncEngine
) -> None:
    """Signed reads run on the coordinator's direct connections (docs/coordinator.md, "Direct connections"): a
    connection killed while idle costs no error (the read is sent again on a fresh one), and the retry keeps the
    replay floor: a timestamp once accepted is refused after the reconnect too."""
    client, signer = replicas[0], new_commitment()
    account_id = new_account_id()
    configured = await client.custody.ConfigureAccount(
        pb.ConfigureAccountRequest(
            account_id=account_id,
            auth_json=json.dumps({"MidenEcdsa": {"cosigner_commitments": [signer]}}),
            initial_state_json="{}",
            initial_commitment=new_commitment(),
        )
    )
    assert configured.outcome == pb.CONFIGURE_OUTCOME_CREATED

    async def floor(timestamp_ms: int) -> int:
        read = await client.custody.ReadAsSigner(
            pb.ReadAsSignerRequest(
                account_id=account_id,
                include_state=True,
                auth_method="MidenEcdsa",
                candidate_signers=[signer],
                timestamp_ms=timestamp_ms,
            )
        )
        assert read.found and read.signer_commitment == signer
        return int(read.floor)

    assert await floor(1_000) == pb.AUTH_TIMESTAMP_OUTCOME_ACCEPTED
    async with engine.connect() as admin:
        killed = (
            await admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'guardian-coordinator' AND state = 'idle' "
                    "AND query LIKE '%WITH signer AS%'"
                )
            )
        ).all()
    assert killed, "the signed read's connection is a direct connection, idle between requests"
    assert await floor(1_000) == pb.AUTH_TIMESTAMP_OUTCOME_REPLAY, "the same timestamp after the reconnect"
    assert await floor(1_001) == pb.AUTH_TIMESTAMP_OUTCOME_ACCEPTED
    assert await floor(1_001) == pb.AUTH_TIMESTAMP_OUTCOME_REPLAY
