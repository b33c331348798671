"""Malformed requests against a real coordinator process: INVALID_ARGUMENT naming the field, nothing written,
no traceback in the log (docs/coordinator.md, "Bad input").

Two kinds the domain's own checks never see: a google.protobuf.Timestamp outside its range (any int64 fits on
the wire; converting it raised ValueError, an UNKNOWN) and request bytes that are not a protobuf message at all
(grpc.aio decodes them before any servicer runs).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import psycopg
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import new_account_id
from guardian_testing.database import DatabaseServer
from guardian_testing.fixtures import StartService
from guardian_testing.processes import ServiceProcess

TOKEN = secrets.token_hex(32)
AUTHORIZED = (("authorization", f"Bearer {TOKEN}"),)
YEAR_10000 = 253_402_300_800  # one second past 9999-12-31T23:59:59Z
# (seconds, nanos) outside google.protobuf.Timestamp, and the part the refusal names.
BAD_TIMESTAMPS = [
    pytest.param(YEAR_10000, 0, "seconds", id="after-year-9999"),
    pytest.param(-62_135_596_801, 0, "seconds", id="before-year-1"),
    pytest.param(1_700_000_000, -1, "nanos", id="negative-nanos"),
    pytest.param(1_700_000_000, 1_000_000_000, "nanos", id="nanos-of-a-whole-second"),
]
GARBAGE = b"\xff\xff\xff\xff"  # field 15 with wire type 7: no protobuf message starts like this


def commitment() -> str:
    return "0x" + secrets.token_hex(32)


def raw_call(channel: grpc.aio.Channel, method: str) -> grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]:
    """A call that sends its bytes as they are: no serializer on either side."""
    return channel.unary_unary(method, request_serializer=None, response_deserializer=None)


def assert_no_traceback(process: ServiceProcess) -> None:
    log = process.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]


async def expect_invalid(call: Awaitable[Any], field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
    assert field in (caught.value.details() or ""), caught.value.details()


@dataclass
class Coordinator:
    process: ServiceProcess
    client: CoordinatorClient
    database_url: str | None


@pytest.fixture(scope="module", params=["memory", "postgres"])
async def coordinator(
    request: pytest.FixtureRequest, start_module_service: StartService, db_server: DatabaseServer
) -> AsyncIterator[Coordinator]:
    """A coordinator with an internal token, on its own database (shard leases are global to one)."""
    url = db_server.create_database() if request.param == "postgres" else None
    env = {"DATABASE_URL": url} if url else {}
    process = start_module_service(
        "guardian-coordinator", name=f"bad-input-{request.param}", GUARDIAN_INTERNAL_TOKEN=TOKEN, **env
    )
    async with CoordinatorClient(process.grpc_target, TOKEN) as client:
        yield Coordinator(process, client, url)


def database_rows(url: str) -> dict[str, list[str]]:
    """Every row of every table of the coordinator's schema, as text: what "nothing written" compares."""
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables"
                " WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'"
            )
        ]
        return {
            table: sorted(str(row[0]) for row in conn.execute(f"SELECT t::text FROM {table} t"))
            for table in tables
        }


@dataclass
class World:
    """An account with a pending candidate, a worker lease, a shard lease of the only shard (count 1), and
    the calls that observe them without writing."""

    coordinator: Coordinator
    account_id: str
    lease: pb.Lease
    shard_lease: pb.Lease

    async def observed(self) -> tuple[Any, ...]:
        custody = self.coordinator.client.custody
        account = await custody.GetAccount(pb.GetAccountRequest(account_id=self.account_id))
        deltas = await custody.ListAccountDeltas(
            pb.ListAccountDeltasRequest(account_id=self.account_id, limit=10)
        )
        held = await self.coordinator.client.leases.Verify(pb.VerifyRequest(lease=self.lease))
        work = await self.coordinator.client.canonicalization.ListShardWork(
            pb.ListShardWorkRequest(shard=pb.ShardRef(index=0, count=1), mode=pb.WORK_MODE_PENDING, limit=10)
        )
        rows = database_rows(self.coordinator.database_url) if self.coordinator.database_url else {}
        return account.SerializeToString(), deltas.SerializeToString(), held.held, len(work.items), rows


@pytest.fixture(scope="module")
async def world(coordinator: Coordinator) -> World:
    client = coordinator.client
    account_id, base = new_account_id(), commitment()
    configured = await client.custody.ConfigureAccount(
        pb.ConfigureAccountRequest(
            account_id=account_id,
            auth_json=json.dumps({"Ecdsa": {"cosigner_commitments": [commitment()]}}),
            initial_state_json="{}",
            initial_commitment=base,
        )
    )
    assert configured.outcome == pb.CONFIGURE_OUTCOME_CREATED
    submitted = await client.custody.SubmitCandidate(
        pb.SubmitCandidateRequest(
            account_id=account_id,
            nonce=1,
            prev_commitment=base,
            new_commitment=commitment(),
            delta_payload_json=json.dumps({"patch": {"n": 1}}),
        )
    )
    assert submitted.outcome == pb.SUBMIT_OUTCOME_SUBMITTED
    acquired = await client.leases.Acquire(
        pb.AcquireRequest(name="bad-input", holder_id="worker", ttl_ms=600_000)
    )
    shards = await client.canonicalization.AcquireShards(
        pb.AcquireShardsRequest(replica_id="replica-a", shard_count=1, indexes=[0], lease_ttl_ms=600_000)
    )
    assert acquired.acquired and len(shards.acquired) == 1
    return World(coordinator, account_id, acquired.lease, shards.acquired[0])


def with_expiry(lease: pb.Lease, seconds: int, nanos: int) -> pb.Lease:
    bad = pb.Lease()
    bad.CopyFrom(lease)
    bad.expires_at.seconds, bad.expires_at.nanos = seconds, nanos
    return bad


def lease_calls(world: World, seconds: int, nanos: int) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
    """Every RPC that carries a lease, each with the lease's expires_at out of range: (field, call)."""
    client, account_id = world.coordinator.client, world.account_id
    lease = with_expiry(world.lease, seconds, nanos)
    shard = with_expiry(world.shard_lease, seconds, nanos)
    custody, leases, shards = client.custody, client.leases, client.canonicalization
    promote = pb.PromoteWrite(
        source_kind=pb.DELTA_KIND_CANDIDATE, new_commitment=commitment(), new_state_json="{}"
    )
    return [
        (
            "lease.expires_at",
            lambda: custody.Promote(
                pb.PromoteRequest(
                    lease=lease,
                    account_id=account_id,
                    nonce=1,
                    source_kind=pb.DELTA_KIND_CANDIDATE,
                    new_commitment=commitment(),
                    new_state_json="{}",
                )
            ),
        ),
        (
            "lease.expires_at",
            lambda: custody.Discard(
                pb.DiscardRequest(lease=lease, account_id=account_id, nonce=1, kind=pb.DELTA_KIND_CANDIDATE)
            ),
        ),
        (
            "lease.expires_at",
            lambda: custody.UpdateCandidateStatus(
                pb.UpdateCandidateStatusRequest(
                    lease=lease,
                    account_id=account_id,
                    nonce=1,
                    new_kind=pb.DELTA_KIND_CANDIDATE,
                    retry_count=5,
                )
            ),
        ),
        ("lease.expires_at", lambda: leases.Renew(pb.RenewRequest(lease=lease, ttl_ms=900_000))),
        ("lease.expires_at", lambda: leases.Verify(pb.VerifyRequest(lease=lease))),
        ("lease.expires_at", lambda: leases.Release(pb.ReleaseRequest(lease=lease))),
        (
            "lease.expires_at",
            lambda: shards.ApplyWrites(
                pb.ApplyWritesRequest(
                    lease=shard, writes=[pb.FencedWrite(account_id=account_id, nonce=1, promote=promote)]
                )
            ),
        ),
        (
            "renew[0].expires_at",
            lambda: shards.Heartbeat(
                pb.HeartbeatRequest(
                    replica_id="replica-a",
                    shard_count=1,
                    member_ttl_ms=600_000,
                    lease_ttl_ms=900_000,
                    renew=[shard],
                )
            ),
        ),
        (
            "leases[0].expires_at",
            lambda: shards.ReleaseShards(
                pb.ReleaseShardsRequest(replica_id="replica-a", leases=[shard], leave=True)
            ),
        ),
    ]


@pytest.mark.parametrize(("seconds", "nanos", "part"), BAD_TIMESTAMPS)
async def test_an_out_of_range_lease_timestamp_is_invalid_argument_and_writes_nothing(
    world: World, seconds: int, nanos: int, part: str
) -> None:
    before = await world.observed()
    for field, call in lease_calls(world, seconds, nanos):
        await expect_invalid(call(), f"{field}.{part}")
    assert await world.observed() == before, "a refused write changed a row"
    assert_no_traceback(world.coordinator.process)


@pytest.mark.parametrize(("seconds", "nanos", "part"), BAD_TIMESTAMPS)
async def test_an_out_of_range_cursor_timestamp_is_invalid_argument(
    coordinator: Coordinator, seconds: int, nanos: int, part: str
) -> None:
    custody = coordinator.client.custody
    stamp = Timestamp(seconds=seconds, nanos=nanos)
    feed_key = pb.DeltaFeedKey(status_timestamp=stamp, account_id=new_account_id(), nonce=1)
    await expect_invalid(
        custody.ListDeltas(pb.ListDeltasRequest(after=feed_key, limit=10)), f"after.status_timestamp.{part}"
    )
    await expect_invalid(
        custody.ListRecentCandidates(
            pb.ListRecentCandidatesRequest(window_ms=60_000, after=feed_key, limit=10)
        ),
        f"after.status_timestamp.{part}",
    )
    account_key = pb.AccountKey(updated_at=stamp, account_id=new_account_id())
    await expect_invalid(
        custody.ListAccounts(pb.ListAccountsRequest(after=account_key, limit=10)), f"after.updated_at.{part}"
    )
    assert_no_traceback(coordinator.process)


async def test_the_timestamp_range_ends_are_accepted(coordinator: Coordinator) -> None:
    """The last instant of year 9999 and the first of year 1 are valid cursors (empty pages, no error)."""
    custody = coordinator.client.custody
    for seconds, nanos in ((YEAR_10000 - 1, 999_999_999), (-62_135_596_800, 0)):
        stamp = Timestamp(seconds=seconds, nanos=nanos)
        key = pb.DeltaFeedKey(status_timestamp=stamp, account_id=new_account_id(), nonce=1)
        await custody.ListDeltas(pb.ListDeltasRequest(after=key, limit=10))
        await custody.ListAccounts(
            pb.ListAccountsRequest(
                after=pb.AccountKey(updated_at=stamp, account_id=new_account_id()), limit=10
            )
        )


async def test_the_window_of_another_work_mode_is_not_read(coordinator: Coordinator) -> None:
    """ListShardWork checks only the chosen mode's window; an extreme value in the other one is ignored
    (the memory backend used to compute it and answer UNKNOWN)."""
    largest = 2**63 - 1
    stub = coordinator.client.canonicalization
    shard = pb.ShardRef(index=0, count=1)
    for request in (
        pb.ListShardWorkRequest(
            mode=pb.WORK_MODE_PENDING, recent_window_ms=largest, retained_ttl_seconds=-largest
        ),
        pb.ListShardWorkRequest(
            mode=pb.WORK_MODE_RECENT, recent_window_ms=60_000, retained_ttl_seconds=largest
        ),
        pb.ListShardWorkRequest(
            mode=pb.WORK_MODE_RECOVERABLE, recent_window_ms=-largest, retained_ttl_seconds=3600
        ),
    ):
        request.shard.CopyFrom(shard)
        request.limit = 10
        await stub.ListShardWork(request)
    await expect_invalid(
        stub.ListShardWork(
            pb.ListShardWorkRequest(shard=shard, mode=pb.WORK_MODE_RECENT, limit=10, recent_window_ms=largest)
        ),
        "recent_window_ms",
    )
    assert_no_traceback(coordinator.process)


async def test_undecodable_bytes_are_invalid_argument_on_every_rpc(coordinator: Coordinator) -> None:
    channel = coordinator.client.channel
    methods = [
        f"/{service.full_name}/{method.name}"
        for service in pb.DESCRIPTOR.services_by_name.values()
        for method in service.methods
    ]
    assert len(methods) > 40
    for method in [*methods, "/grpc.health.v1.Health/Check"]:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await raw_call(channel, method)(GARBAGE, metadata=AUTHORIZED)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, caught.value.details())
        assert "not a valid protobuf message" in (caught.value.details() or ""), method
    # The token is checked first: without it, the bytes are never decoded.
    async with grpc.aio.insecure_channel(coordinator.process.grpc_target) as anonymous:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await raw_call(anonymous, methods[0])(GARBAGE)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    described = await coordinator.client.coordination.Describe(pb.DescribeRequest())
    assert described.backend in ("memory", "postgres"), "well-formed calls still answer"
    assert_no_traceback(coordinator.process)
