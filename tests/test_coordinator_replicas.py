"""Three coordinator processes on one database: every cross-replica decision is made exactly once."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator

import grpc
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.fixtures import StartReplicas

pytestmark = pytest.mark.slow


@pytest.fixture
async def replicas(
    start_replicas: StartReplicas, fresh_database_url: str
) -> AsyncIterator[list[CoordinatorClient]]:
    processes = start_replicas("guardian-coordinator", 3, DATABASE_URL=fresh_database_url)
    clients = [CoordinatorClient(p.grpc_target) for p in processes]
    yield clients
    for client in clients:
        await client.close()


async def test_fifty_concurrent_consumes_have_exactly_one_winner(replicas: list[CoordinatorClient]) -> None:
    principal, key = "0x" + secrets.token_hex(32), secrets.token_hex(32)
    await replicas[0].challenges.Issue(
        pb.IssueRequest(
            realm=pb.REALM_OPERATOR,
            principal=principal,
            key=key,
            payload_json=json.dumps({"kind": "operator_digest", "signing_digest": key}),
            ttl_seconds=300,
            max_outstanding=8,
        )
    )
    consume = pb.ConsumeRequest(realm=pb.REALM_OPERATOR, principal=principal, key=key)
    results = await asyncio.gather(*(replicas[i % 3].challenges.Consume(consume) for i in range(50)))
    assert sum(r.won for r in results) == 1


async def test_concurrent_issues_never_leave_more_than_the_cap_pending(
    replicas: list[CoordinatorClient],
) -> None:
    principal, cap = "0x" + secrets.token_hex(20), 5
    observed: list[int] = []

    async def issue(i: int) -> None:
        await replicas[i % 3].challenges.Issue(
            pb.IssueRequest(
                realm=pb.REALM_EVM,
                principal=principal,
                key=f"nonce-{i}",
                payload_json=json.dumps({"kind": "evm_challenge", "nonce": i}),
                ttl_seconds=300,
                max_outstanding=cap,
            )
        )
        listed = await replicas[(i + 1) % 3].challenges.ListActive(
            pb.ListActiveRequest(realm=pb.REALM_EVM, principal=principal)
        )
        observed.append(len(listed.challenge))

    await asyncio.gather(*(issue(i) for i in range(20)))
    final = await replicas[2].challenges.ListActive(
        pb.ListActiveRequest(realm=pb.REALM_EVM, principal=principal)
    )
    assert len(final.challenge) == cap
    assert max(observed) <= cap, f"a reader saw more than {cap} pending: {observed}"


async def test_racing_holders_get_one_lease_and_the_old_holder_is_fenced_off(
    replicas: list[CoordinatorClient],
) -> None:
    lease = "canonicalization"
    first, second = await asyncio.gather(
        # Long enough that the later of the two still finds the first's lease on a loaded machine.
        replicas[0].leases.Acquire(pb.AcquireRequest(name=lease, holder_id="holder-a", ttl_ms=3000)),
        replicas[1].leases.Acquire(pb.AcquireRequest(name=lease, holder_id="holder-b", ttl_ms=3000)),
    )
    assert first.acquired != second.acquired, "exactly one holder"
    winner, loser = (first, "holder-b") if first.acquired else (second, "holder-a")

    await asyncio.sleep(3.1)  # let the winner's TTL run out; nothing renews it
    taken = await replicas[2].leases.Acquire(pb.AcquireRequest(name=lease, holder_id=loser, ttl_ms=60_000))
    assert taken.acquired and taken.lease.fence_token > winner.lease.fence_token
    for replica in replicas:
        assert not (await replica.leases.Renew(pb.RenewRequest(lease=winner.lease, ttl_ms=60_000))).held
        assert not (await replica.leases.Verify(pb.VerifyRequest(lease=winner.lease))).held
        assert (await replica.leases.Verify(pb.VerifyRequest(lease=taken.lease))).held


async def test_a_session_minted_on_one_replica_is_revoked_everywhere(
    replicas: list[CoordinatorClient],
) -> None:
    key = secrets.token_bytes(32)
    await replicas[0].sessions.Insert(
        pb.InsertRequest(realm=pb.REALM_OPERATOR, token_digest=key, subject_json="{}", ttl_seconds=60)
    )
    for replica in replicas:
        assert (await replica.sessions.Get(pb.GetRequest(realm=pb.REALM_OPERATOR, token_digest=key))).found
    assert (
        await replicas[1].sessions.Revoke(pb.RevokeRequest(realm=pb.REALM_OPERATOR, token_digest=key))
    ).revoked
    for replica in replicas:
        assert not (
            await replica.sessions.Get(pb.GetRequest(realm=pb.REALM_OPERATOR, token_digest=key))
        ).found


async def test_a_multi_replica_target_keeps_serving_when_one_replica_stops(
    start_replicas: StartReplicas, fresh_database_url: str
) -> None:
    processes = start_replicas("guardian-coordinator", 2, DATABASE_URL=fresh_database_url)
    target = "ipv4:" + ",".join(p.grpc_target for p in processes)
    async with CoordinatorClient(target) as client:
        for _ in range(4):
            await client.coordination.Describe(pb.DescribeRequest())
    processes[0].stop()
    async with CoordinatorClient(target) as client:
        # One replica down: the channel keeps serving from the other.
        for _ in range(4):
            try:
                await client.coordination.Describe(pb.DescribeRequest())
            except grpc.aio.AioRpcError as exc:  # a call may race the disconnect once
                assert exc.code() == grpc.StatusCode.UNAVAILABLE
        assert (await client.coordination.Describe(pb.DescribeRequest())).backend == "postgres"
