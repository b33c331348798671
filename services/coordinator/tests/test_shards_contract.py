"""The Canonicalization contract (sharded leases, shard work pages, batched fenced writes), through gRPC
against a real coordinator process, on both backends (docs/custody.md, "Shards and batches").

The one-count rule is global to a coordinator, so this module runs on its own database and every test
releases the shard leases it took (the `shards` fixture).
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian_common.shards import shard_key, shard_lease_name, shard_of
from guardian_testing.canonicalization import wait_until
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import new_account_id
from guardian_testing.database import DatabaseServer
from guardian_testing.fixtures import StartService

CANDIDATE, CANONICAL = pb.DELTA_KIND_CANDIDATE, pb.DELTA_KIND_CANONICAL
RETAINED, DISCARDED = pb.DELTA_KIND_RETAINED, pb.DELTA_KIND_DISCARDED
APPLIED, STALE_LEASE = pb.WRITE_OUTCOME_APPLIED, pb.WRITE_OUTCOME_STALE_LEASE
NOT_CANDIDATE, STALE_BASE = pb.WRITE_OUTCOME_NOT_CANDIDATE, pb.WRITE_OUTCOME_STALE_BASE
WRONG_SHARD = pb.WRITE_OUTCOME_WRONG_SHARD
PENDING, RECENT, RECOVERABLE = pb.WORK_MODE_PENDING, pb.WORK_MODE_RECENT, pb.WORK_MODE_RECOVERABLE
COUNT = 16
Kind = pb.DeltaKind
Mode = pb.WorkMode
TTL_MS = 60_000


def commitment() -> str:
    return "0x" + secrets.token_hex(32)


def replica() -> str:
    return f"replica-{secrets.token_hex(4)}"


def account_in_shard(index: int, count: int) -> str:
    while True:
        account_id = new_account_id()
        if shard_of(account_id, count) == index:
            return account_id


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
    """Polls `check` until it holds (expiry is on the coordinator's clock, which the test cannot await)."""
    await wait_until(check, "the condition", within=timeout_s, every=0.05)


@pytest.fixture(scope="module", params=["memory", "postgres"])
async def client(
    request: pytest.FixtureRequest, start_module_service: StartService, db_server: DatabaseServer
) -> AsyncIterator[CoordinatorClient]:
    env = {"DATABASE_URL": db_server.create_database()} if request.param == "postgres" else {}
    process = start_module_service("guardian-coordinator", name=f"shards-{request.param}", **env)
    async with CoordinatorClient(process.grpc_target) as c:
        yield c


@pytest.fixture
async def backend(client: CoordinatorClient) -> str:
    return str((await client.coordination.Describe(pb.DescribeRequest())).backend)


class Shards:
    """The Canonicalization stub, remembering every lease it was granted so the test can release them."""

    def __init__(self, client: CoordinatorClient) -> None:
        self.client = client
        self.stub = pb_grpc.CanonicalizationStub(client.channel)
        self.granted: list[pb.Lease] = []

    async def acquire(
        self, replica_id: str, indexes: list[int], count: int = COUNT, ttl_ms: int = TTL_MS
    ) -> pb.AcquireShardsResponse:
        response: pb.AcquireShardsResponse = await self.stub.AcquireShards(
            pb.AcquireShardsRequest(
                replica_id=replica_id, shard_count=count, indexes=indexes, lease_ttl_ms=ttl_ms
            )
        )
        self.granted += response.acquired
        return response

    async def lease(self, index: int, count: int = COUNT) -> pb.Lease:
        acquired = (await self.acquire(replica(), [index], count)).acquired
        assert len(acquired) == 1, "the shard is free"
        lease: pb.Lease = acquired[0]
        return lease

    async def heartbeat(
        self,
        replica_id: str,
        renew: list[pb.Lease] | None = None,
        count: int = COUNT,
        member_ttl_ms: int = TTL_MS,
    ) -> pb.HeartbeatResponse:
        response: pb.HeartbeatResponse = await self.stub.Heartbeat(
            pb.HeartbeatRequest(
                replica_id=replica_id,
                shard_count=count,
                member_ttl_ms=member_ttl_ms,
                lease_ttl_ms=TTL_MS,
                renew=renew or [],
            )
        )
        self.granted += response.renewed
        return response

    async def apply(self, lease: pb.Lease, *writes: pb.FencedWrite) -> list[int]:
        response = await self.stub.ApplyWrites(pb.ApplyWritesRequest(lease=lease, writes=writes))
        return list(response.outcomes)

    async def release_all(self) -> None:
        for lease in self.granted:
            await self.stub.ReleaseShards(pb.ReleaseShardsRequest(replica_id=lease.holder_id, leases=[lease]))


@pytest.fixture
async def shards(client: CoordinatorClient) -> AsyncIterator[Shards]:
    handle = Shards(client)
    yield handle
    await handle.release_all()


class Account:
    def __init__(self, client: CoordinatorClient, account_id: str) -> None:
        self.client, self.id, self.commitment = client, account_id, commitment()

    @classmethod
    async def create(
        cls, client: CoordinatorClient, account_id: str | None = None, state: dict[str, Any] | None = None
    ) -> Account:
        account = cls(client, account_id or new_account_id())
        configured = await client.custody.ConfigureAccount(
            pb.ConfigureAccountRequest(
                account_id=account.id,
                auth_json=json.dumps({"Ecdsa": {"cosigner_commitments": []}}),
                initial_state_json=json.dumps(state or {"balance": 0}),
                initial_commitment=account.commitment,
            )
        )
        assert configured.outcome == pb.CONFIGURE_OUTCOME_CREATED
        return account

    async def candidate(self, nonce: int, prev: str | None = None) -> pb.Delta:
        submitted = await self.client.custody.SubmitCandidate(
            pb.SubmitCandidateRequest(
                account_id=self.id,
                nonce=nonce,
                prev_commitment=prev or self.commitment,
                new_commitment=commitment(),
                delta_payload_json=json.dumps({"patch": {"n": nonce}}),
            )
        )
        assert submitted.outcome == pb.SUBMIT_OUTCOME_SUBMITTED, submitted
        delta: pb.Delta = submitted.delta
        return delta

    def promote(self, nonce: int, source: Kind = CANDIDATE, **extra: Any) -> pb.FencedWrite:
        return pb.FencedWrite(
            account_id=self.id,
            nonce=nonce,
            promote=pb.PromoteWrite(
                source_kind=source,
                new_commitment=commitment(),
                new_state_json=json.dumps({"nonce": nonce}),
                **extra,
            ),
        )

    def discard(self, nonce: int, kind: Kind) -> pb.FencedWrite:
        return pb.FencedWrite(account_id=self.id, nonce=nonce, discard=pb.DiscardWrite(kind=kind))

    def status(self, nonce: int, kind: Kind, reason: str = "", **counters: int) -> pb.FencedWrite:
        return pb.FencedWrite(
            account_id=self.id, nonce=nonce, status=pb.StatusWrite(new_kind=kind, reason=reason, **counters)
        )

    async def delta(self, nonce: int) -> pb.Delta | None:
        found = await self.client.custody.GetDelta(pb.GetDeltaRequest(account_id=self.id, nonce=nonce))
        return found.delta if found.found else None

    async def metadata(self) -> pb.Account:
        account: pb.Account = (
            await self.client.custody.GetAccount(pb.GetAccountRequest(account_id=self.id))
        ).account
        return account

    async def snapshot(self) -> tuple[Any, ...]:
        """Everything a refused write must leave untouched."""
        state = (await self.client.custody.GetState(pb.GetStateRequest(account_id=self.id))).state
        rows = await self.client.custody.ListAccountDeltas(
            pb.ListAccountDeltasRequest(account_id=self.id, limit=500)
        )
        deltas = [(d.nonce, d.status_json, d.new_commitment) for d in rows.deltas]
        return state.SerializeToString(), (await self.metadata()).SerializeToString(), deltas


async def expect_invalid(call: Awaitable[Any], field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
    assert field in (caught.value.details() or ""), caught.value.details()


# --- membership and shard leases -------------------------------------------------------------------


async def test_the_service_is_registered_for_health_checks(client: CoordinatorClient) -> None:
    health = health_pb2_grpc.HealthStub(client.channel)
    checked = await health.Check(
        health_pb2.HealthCheckRequest(service="guardian.coordinator.v1.Canonicalization")
    )
    assert checked.status == health_pb2.HealthCheckResponse.SERVING


async def test_heartbeat_lists_live_members_and_drops_expired_ones(shards: Shards) -> None:
    short, steady = replica(), replica()
    await shards.heartbeat(short, member_ttl_ms=2000)  # long enough to be listed by the next heartbeat
    seen = await shards.heartbeat(steady)
    members = {m.replica_id: m for m in seen.members}
    assert {short, steady} <= set(members)
    assert [m.replica_id for m in seen.members] == sorted(members), "replica_id ASC"
    assert members[steady].shard_count == COUNT

    async def short_is_gone() -> bool:
        return short not in {m.replica_id for m in (await shards.heartbeat(steady)).members}

    await eventually(short_is_gone)
    back = await shards.heartbeat(short, member_ttl_ms=300)
    assert short in {m.replica_id for m in back.members}, "an expired member rejoins with its next heartbeat"


async def test_acquire_renew_release_and_the_fence_grows_on_a_change_of_holder(shards: Shards) -> None:
    a, b = replica(), replica()
    first = await shards.acquire(a, [3, 11])
    assert [lease.name for lease in first.acquired] == [
        shard_lease_name(3, COUNT),
        shard_lease_name(11, COUNT),
    ]
    assert first.conflicting_shard_count == 0
    three, eleven = first.acquired
    assert not (await shards.acquire(b, [3, 11])).acquired, "live shards of another replica are left out"
    again = await shards.acquire(a, [3])
    assert again.acquired[0].fence_token == three.fence_token, "re-acquiring its own shard keeps the fence"

    beat = await shards.heartbeat(a, [three, eleven])
    assert [lease.name for lease in beat.renewed] == [three.name, eleven.name]
    assert beat.renewed[0].expires_at.ToDatetime() >= three.expires_at.ToDatetime()
    holders = {h.shard.index: h for h in beat.holders if h.holder_id == a}
    assert holders[3].live and holders[3].fence_token == three.fence_token and holders[3].shard.count == COUNT
    indexes = [h.shard.index for h in beat.holders]
    assert indexes == sorted(indexes) and all(h.shard.count == COUNT for h in beat.holders)

    released = await shards.stub.ReleaseShards(pb.ReleaseShardsRequest(replica_id=a, leases=[eleven]))
    assert released.released == 1
    taken = (await shards.acquire(b, [11])).acquired
    assert [lease.fence_token for lease in taken] == [eleven.fence_token + 1]
    lost = await shards.heartbeat(a, [three, eleven])
    assert [lease.name for lease in lost.renewed] == [three.name], "a superseded lease is not renewed"
    twice = await shards.stub.ReleaseShards(pb.ReleaseShardsRequest(replica_id=a, leases=[eleven]))
    assert twice.released == 0, "releasing a lease no longer held ends nothing"

    left = await shards.stub.ReleaseShards(pb.ReleaseShardsRequest(replica_id=a, leases=[three], leave=True))
    assert left.released == 1
    members = (await shards.heartbeat(b)).members
    assert a not in {m.replica_id for m in members}, "leave drops the membership row at once"


async def test_shard_leases_of_one_count_at_a_time(client: CoordinatorClient, shards: Shards) -> None:
    a, b = replica(), replica()
    held = await shards.lease(0, COUNT)
    refused = await shards.acquire(b, [0, 1, 2], count=4)
    assert not refused.acquired and refused.conflicting_shard_count == COUNT
    plain = await client.leases.Acquire(
        pb.AcquireRequest(name=shard_lease_name(1, 4), holder_id=a, ttl_ms=TTL_MS)
    )
    assert not plain.acquired, "Leases.Acquire follows the same rule for shard lease names"

    await shards.stub.ReleaseShards(pb.ReleaseShardsRequest(replica_id=held.holder_id, leases=[held]))
    granted = await shards.acquire(b, [0, 1, 2], count=4)
    assert [lease.name for lease in granted.acquired] == [shard_lease_name(i, 4) for i in (0, 1, 2)]
    assert not (await shards.acquire(a, [5])).acquired, "now the other count waits"


async def test_concurrent_acquires_of_one_shard_grant_it_once(shards: Shards) -> None:
    contenders = [replica() for _ in range(8)]
    results = await asyncio.gather(*(shards.acquire(r, [7]) for r in contenders))
    winners = [r for r, result in zip(contenders, results, strict=True) if result.acquired]
    assert len(winners) == 1, winners


# --- ListShardWork --------------------------------------------------------------------------------


async def every_page(shards: Shards, shard: pb.ShardRef, mode: Mode, limit: int, **extra: int) -> list[Any]:
    items: list[Any] = []
    after = ""
    while True:
        page = await shards.stub.ListShardWork(
            pb.ListShardWorkRequest(shard=shard, mode=mode, after_account_id=after, limit=limit, **extra)
        )
        items += page.items
        if not page.has_more:
            return items
        assert page.items, "a page with more to come is never empty"
        after = page.items[-1].account_id


async def test_shard_work_pages_cover_each_shard_once_in_every_mode(
    client: CoordinatorClient, shards: Shards
) -> None:
    count = 4
    accounts = [await Account.create(client) for _ in range(14)]
    pending = accounts[:8]
    for account in pending:
        await account.candidate(1)
    fence = (
        await client.leases.Acquire(pb.AcquireRequest(name=replica(), holder_id="w", ttl_ms=TTL_MS))
    ).lease
    recoverable = accounts[8:11]
    for account in recoverable:
        await account.candidate(1)
        retain = pb.UpdateCandidateStatusRequest(
            lease=fence, account_id=account.id, nonce=1, new_kind=RETAINED, reason="retry_exhausted"
        )
        assert (await client.custody.UpdateCandidateStatus(retain)).outcome == APPLIED
    in_flight = recoverable[0]
    await in_flight.candidate(2)  # a retained row and a candidate: the reconcile pass leaves it alone
    paused = pending[0]
    await client.custody.Pause(pb.PauseRequest(account_id=paused.id, operator_commitment=commitment()))

    modes = {PENDING: {}, RECENT: {"recent_window_ms": 600_000}, RECOVERABLE: {"retained_ttl_seconds": 3600}}
    for mode, extra in modes.items():
        listed: dict[str, Any] = {}
        for index in range(count):
            items = await every_page(shards, pb.ShardRef(index=index, count=count), mode, 2, **extra)
            ids = [item.account_id for item in items]
            assert ids == sorted(set(ids)), "account_id ASC, no duplicate"
            assert all(shard_of(i, count) == index for i in ids), "only the shard's accounts"
            listed |= {item.account_id: item for item in items}
        expected = {a.id for a in ([*pending, in_flight] if mode != RECOVERABLE else recoverable)}
        mine = {i: item for i, item in listed.items() if i in {a.id for a in accounts}}
        assert set(mine) == expected, f"mode {mode}: no account skipped"
        for account in accounts:
            item = mine.get(account.id)
            if item is None:
                continue
            assert item.state.commitment == account.commitment and json.loads(item.state.state_json) == {
                "balance": 0
            }
            assert item.paused == (account is paused)
            assert item.has_candidate == (account in pending or account is in_flight)
            if mode == RECOVERABLE:
                assert [(r.nonce, r.status_kind) for r in item.rows] == [(1, RETAINED)]
                assert json.loads(item.rows[0].delta_payload_json) == {"patch": {"n": 1}}
            else:
                nonce = 2 if account is in_flight else 1
                assert [(r.nonce, r.status_kind) for r in item.rows] == [(nonce, CANDIDATE)]
                assert json.loads(item.rows[0].delta_payload_json) == {"patch": {"n": nonce}}


async def test_recent_mode_leaves_out_older_candidates(client: CoordinatorClient, shards: Shards) -> None:
    account = await Account.create(client, account_in_shard(0, 1))
    await account.candidate(1)
    shard = pb.ShardRef(index=0, count=1)

    async def aged_out() -> bool:
        page = await shards.stub.ListShardWork(
            pb.ListShardWorkRequest(shard=shard, mode=RECENT, limit=500, recent_window_ms=200)
        )
        return account.id not in {item.account_id for item in page.items}

    wide = await every_page(shards, shard, RECENT, 500, recent_window_ms=600_000)
    assert account.id in {item.account_id for item in wide}
    await eventually(aged_out)
    assert account.id in {item.account_id for item in await every_page(shards, shard, PENDING, 500)}


async def test_a_page_ends_before_its_json_would_pass_the_budget(
    client: CoordinatorClient, shards: Shards
) -> None:
    # Four states of about 0.95 MiB: three fit the page's 3.5 MiB, the fourth starts the next page. The shard is
    # one where the shared test database holds no pending account yet (other tests' accounts land in random
    # shards; with hundreds of them, a random one of 4,096 shards is taken often enough to matter).
    count = 4096
    while True:
        index = secrets.randbelow(count)
        probe = pb.ListShardWorkRequest(shard=pb.ShardRef(index=index, count=count), mode=PENDING, limit=1)
        if not (await shards.stub.ListShardWork(probe)).items:
            break
    big = {"blob": "x" * 1_000_000}
    accounts = [await Account.create(client, account_in_shard(index, count), big) for _ in range(4)]
    for account in accounts:
        await account.candidate(1)
    request = pb.ListShardWorkRequest(shard=pb.ShardRef(index=index, count=count), mode=PENDING, limit=10)
    first = await shards.stub.ListShardWork(request)
    assert len(first.items) == 3 and first.has_more
    request.after_account_id = first.items[-1].account_id
    second = await shards.stub.ListShardWork(request)
    assert len(second.items) == 1 and not second.has_more
    assert [i.account_id for i in [*first.items, *second.items]] == sorted(a.id for a in accounts)


# --- ApplyWrites ----------------------------------------------------------------------------------


async def test_a_batch_applies_each_write_on_its_own(client: CoordinatorClient, shards: Shards) -> None:
    fence = await shards.lease(0, count=1)
    moved, promoted, valid, counted, retained, intended = [await Account.create(client) for _ in range(6)]
    # moved: a retained row promoted after its candidate was pushed, so the candidate's base moved.
    await moved.candidate(1)
    assert await shards.apply(fence, moved.status(1, RETAINED, "retry_exhausted")) == [APPLIED]
    await moved.candidate(2)
    assert await shards.apply(fence, moved.promote(1, RETAINED)) == [APPLIED]
    await promoted.candidate(1)
    assert await shards.apply(fence, promoted.promote(1)) == [APPLIED]
    await valid.candidate(1)
    await counted.candidate(1)
    await retained.candidate(1)
    assert await shards.apply(fence, retained.status(1, RETAINED, "diverged")) == [APPLIED]
    await intended.candidate(1)
    await client.custody.RecordAbandon(pb.RecordAbandonRequest(account_id=intended.id, nonce=1))
    before = [await a.snapshot() for a in (moved, promoted, intended)]
    new_auth = json.dumps({"Falcon": {"cosigner_commitments": []}})
    ghost = Account(client, new_account_id())

    outcomes = await shards.apply(
        fence,
        moved.promote(2),
        promoted.promote(1),
        valid.promote(1, auth_json=new_auth, release=True),
        counted.status(1, CANDIDATE, retry_count=2, divergence_count=1, abandon_confirm_count=3),
        retained.discard(1, RETAINED),
        intended.status(1, RETAINED, "retry_exhausted"),
        ghost.discard(1, CANDIDATE),
    )
    assert outcomes == [STALE_BASE, NOT_CANDIDATE, APPLIED, APPLIED, APPLIED, NOT_CANDIDATE, NOT_CANDIDATE]
    assert [await a.snapshot() for a in (moved, promoted, intended)] == before, "refused writes wrote nothing"

    promoted_row = await valid.delta(1)
    assert promoted_row is not None and promoted_row.status_kind == CANONICAL
    metadata = await valid.metadata()
    assert metadata.state_commitment == promoted_row.new_commitment
    assert not metadata.has_pending_candidate and metadata.HasField("released_at")
    assert json.loads(metadata.auth_json) == json.loads(new_auth)
    counters = await counted.delta(1)
    assert counters is not None and counters.status_kind == CANDIDATE
    status = json.loads(counters.status_json)
    assert (status["retry_count"], status["divergence_count"], status["abandon_confirm_count"]) == (2, 1, 3)
    assert (await counted.metadata()).has_pending_candidate
    assert await retained.delta(1) is None


async def test_status_flips_and_discards_in_a_batch_clear_the_pending_flag(
    client: CoordinatorClient, shards: Shards
) -> None:
    fence = await shards.lease(0, count=1)
    flipped, abandoned, dropped = [await Account.create(client) for _ in range(3)]
    for account in (flipped, abandoned, dropped):
        await account.candidate(1)
    outcomes = await shards.apply(
        fence,
        flipped.status(1, RETAINED, "retry_exhausted"),
        abandoned.status(1, DISCARDED, "client_abandoned"),
        dropped.discard(1, CANDIDATE),
    )
    assert outcomes == [APPLIED] * 3
    for account, kind in ((flipped, RETAINED), (abandoned, DISCARDED)):
        row = await account.delta(1)
        assert row is not None and row.status_kind == kind
        assert not (await account.metadata()).has_pending_candidate
    assert await dropped.delta(1) is None and not (await dropped.metadata()).has_pending_candidate


async def test_a_write_outside_the_fences_shard_is_refused_and_changes_nothing(
    client: CoordinatorClient, shards: Shards
) -> None:
    inside = await Account.create(client, account_in_shard(5, COUNT))
    outside = await Account.create(client, account_in_shard(9, COUNT))
    for account in (inside, outside):
        await account.candidate(1)
    fence = await shards.lease(5)
    before = await outside.snapshot()
    assert await shards.apply(fence, outside.promote(1), inside.promote(1)) == [WRONG_SHARD, APPLIED]
    assert await outside.snapshot() == before

    single = [
        client.custody.Promote(
            pb.PromoteRequest(
                lease=fence,
                account_id=outside.id,
                nonce=1,
                source_kind=CANDIDATE,
                new_commitment=commitment(),
                new_state_json="{}",
            )
        ),
        client.custody.Discard(
            pb.DiscardRequest(lease=fence, account_id=outside.id, nonce=1, kind=CANDIDATE)
        ),
        client.custody.UpdateCandidateStatus(
            pb.UpdateCandidateStatusRequest(
                lease=fence, account_id=outside.id, nonce=1, new_kind=RETAINED, reason="diverged"
            )
        ),
    ]
    assert [(await call).outcome for call in single] == [WRONG_SHARD] * 3
    assert await outside.snapshot() == before


async def test_a_superseded_fence_is_stale_for_every_write(client: CoordinatorClient, shards: Shards) -> None:
    a, b = replica(), replica()
    accounts = [await Account.create(client, account_in_shard(2, COUNT)) for _ in range(3)]
    for account in accounts:
        await account.candidate(1)
    old = (await shards.acquire(a, [2], ttl_ms=300)).acquired[0]

    async def taken_over() -> bool:
        return bool((await shards.acquire(b, [2])).acquired)

    await eventually(taken_over)
    before = [await account.snapshot() for account in accounts]
    outcomes = await shards.apply(old, *(account.promote(1) for account in accounts))
    assert outcomes == [STALE_LEASE] * 3
    forged = pb.Lease(name=old.name, holder_id=b, fence_token=old.fence_token + 5)
    assert await shards.apply(forged, accounts[0].promote(1)) == [STALE_LEASE]
    assert [await account.snapshot() for account in accounts] == before


async def test_bad_input_is_refused_naming_the_field(client: CoordinatorClient, shards: Shards) -> None:
    stub = shards.stub
    account = await Account.create(client)
    await account.candidate(1)
    fence = await shards.lease(0, count=1)
    before = await account.snapshot()
    write = account.promote(1)

    def apply(*writes: pb.FencedWrite, lease: pb.Lease | None = fence) -> Any:
        return stub.ApplyWrites(pb.ApplyWritesRequest(lease=lease, writes=writes))

    await expect_invalid(apply(write, write), "writes[1].account_id")
    await expect_invalid(apply(write, lease=None), "lease")
    await expect_invalid(apply(), "writes")
    await expect_invalid(apply(*[write] * 501), "writes")
    await expect_invalid(apply(pb.FencedWrite(account_id=account.id, nonce=1)), "writes[0].op")
    bad_state = account.promote(1)
    bad_state.promote.new_state_json = "[1]"
    await expect_invalid(apply(bad_state), "writes[0].promote.new_state_json")
    bad_source = account.promote(1, source=CANONICAL)
    await expect_invalid(apply(bad_source), "writes[0].promote.source_kind")
    await expect_invalid(apply(account.discard(1, CANONICAL)), "writes[0].discard.kind")
    await expect_invalid(apply(account.status(1, RETAINED, "bored")), "writes[0].status.reason")
    await expect_invalid(
        apply(write, pb.FencedWrite(account_id="0xNOPE", nonce=1, discard=pb.DiscardWrite(kind=CANDIDATE))),
        "writes[1].account_id",
    )
    assert await account.snapshot() == before, "a refused batch writes nothing, its valid writes included"

    def heartbeat(**fields: Any) -> Any:
        request: dict[str, Any] = {
            "replica_id": "r",
            "shard_count": 4,
            "member_ttl_ms": 1000,
            "lease_ttl_ms": 1000,
        } | fields
        return stub.Heartbeat(pb.HeartbeatRequest(**request))

    await expect_invalid(heartbeat(replica_id=""), "replica_id")
    await expect_invalid(heartbeat(replica_id="r" * 129), "replica_id")
    await expect_invalid(heartbeat(shard_count=0), "shard_count")
    await expect_invalid(heartbeat(shard_count=4097), "shard_count")
    await expect_invalid(heartbeat(member_ttl_ms=0), "member_ttl_ms")
    await expect_invalid(heartbeat(lease_ttl_ms=3_600_001), "lease_ttl_ms")
    alien = pb.Lease(name="canonicalization", holder_id="r", fence_token=1)
    await expect_invalid(heartbeat(renew=[alien]), "renew[0].name")
    foreign = pb.Lease(name=shard_lease_name(1, 4), holder_id="someone", fence_token=1)
    await expect_invalid(heartbeat(renew=[foreign]), "renew[0].holder_id")
    tokenless = pb.Lease(name=shard_lease_name(1, 4), holder_id="r")
    await expect_invalid(heartbeat(renew=[tokenless]), "renew[0].fence_token")

    def acquire(**fields: Any) -> Any:
        request: dict[str, Any] = {
            "replica_id": "r",
            "shard_count": 4,
            "indexes": [0],
            "lease_ttl_ms": 1000,
        } | fields
        return stub.AcquireShards(pb.AcquireShardsRequest(**request))

    await expect_invalid(acquire(indexes=[]), "indexes")
    await expect_invalid(acquire(indexes=[4]), "indexes[0]")
    await expect_invalid(acquire(indexes=[1, 1]), "indexes[1]")
    await expect_invalid(acquire(lease_ttl_ms=-1), "lease_ttl_ms")
    await expect_invalid(
        stub.ReleaseShards(pb.ReleaseShardsRequest(replica_id="r", leases=[foreign])), "leases[0].holder_id"
    )

    def work(**fields: Any) -> Any:
        request: dict[str, Any] = {
            "shard": pb.ShardRef(index=0, count=4),
            "mode": PENDING,
            "limit": 10,
        } | fields
        return stub.ListShardWork(pb.ListShardWorkRequest(**request))

    await expect_invalid(work(shard=None), "shard")
    await expect_invalid(work(shard=pb.ShardRef(index=4, count=4)), "shard.index")
    await expect_invalid(work(shard=pb.ShardRef(index=0, count=0)), "shard.count")
    await expect_invalid(work(mode=pb.WORK_MODE_UNSPECIFIED), "mode")
    await expect_invalid(work(limit=0), "limit")
    await expect_invalid(work(limit=501), "limit")
    await expect_invalid(work(after_account_id="0x12"), "after_account_id")
    await expect_invalid(work(mode=RECENT), "recent_window_ms")
    await expect_invalid(work(mode=RECOVERABLE), "retained_ttl_seconds")


# --- PostgreSQL only ------------------------------------------------------------------------------


async def test_overlapping_batches_never_deadlock_and_promote_each_candidate_once(
    client: CoordinatorClient, shards: Shards, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("the memory backend runs one call at a time")
    fence = await shards.lease(0, count=1)
    accounts = [await Account.create(client) for _ in range(40)]
    for account in accounts:
        await account.candidate(1)
    rng = random.Random(7)
    first, second = accounts[:30], accounts[10:]
    rng.shuffle(first)
    rng.shuffle(second)
    results = await asyncio.gather(
        shards.apply(fence, *(a.promote(1) for a in first)),
        shards.apply(fence, *(a.promote(1) for a in second)),
    )
    applied: dict[str, int] = {}
    for batch, outcomes in zip((first, second), results, strict=True):
        assert set(outcomes) <= {APPLIED, NOT_CANDIDATE}, outcomes
        for account, outcome in zip(batch, outcomes, strict=True):
            applied[account.id] = applied.get(account.id, 0) + (outcome == APPLIED)
    assert applied == {a.id: 1 for a in accounts}, "each candidate promoted exactly once"
    for account in accounts:
        row = await account.delta(1)
        assert row is not None and row.status_kind == CANONICAL


async def test_the_stored_shard_key_is_the_shared_shard_function(
    client: CoordinatorClient, shards: Shards, backend: str
) -> None:
    """ListShardWork filters on the generated column: every account lands in the shard shard_of names."""
    if backend != "postgres":
        pytest.skip("the memory backend calls shard_of itself")
    ids = ["0x" + "00" * 15, "0x" + "ff" * 15, *(new_account_id() for _ in range(30))]
    for account_id in ids:
        await (await Account.create(client, account_id)).candidate(1)
    count = 4096
    for account_id in ids[:6]:
        shard = pb.ShardRef(index=shard_key(account_id) % count, count=count)
        items = await every_page(shards, shard, PENDING, 500)
        assert account_id in {item.account_id for item in items}
