"""Fleet.GetFleetStatus against a real coordinator on both backends (docs/console.md, "Fleet"): members and
lease rows as the store sees them, shard leases parsed, the coordinator's own facts, nothing written.

Its own database: the one-count rule of shard leases is global to a database, so a live shard lease of
another module could otherwise refuse this module's grant."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import fleet_pb2, fleet_pb2_grpc
from guardian_common.shards import shard_lease_name
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.database import DatabaseServer
from guardian_testing.fixtures import StartService


@pytest.fixture(scope="module", params=["memory", "postgres"])
async def client(
    request: pytest.FixtureRequest, start_module_service: StartService, db_server: DatabaseServer
) -> AsyncIterator[CoordinatorClient]:
    env = {"DATABASE_URL": db_server.create_database()} if request.param == "postgres" else {}
    process = start_module_service("guardian-coordinator", name=f"fleet-{request.param}", **env)
    async with CoordinatorClient(process.grpc_target) as c:
        yield c


async def test_fleet_status_lists_members_and_leases(client: CoordinatorClient) -> None:
    fleet = fleet_pb2_grpc.FleetStub(client.channel)
    replica = f"fleet-{secrets.token_hex(4)}"
    count = 7
    await client.canonicalization.Heartbeat(
        pb.HeartbeatRequest(replica_id=replica, shard_count=count, member_ttl_ms=60_000, lease_ttl_ms=60_000)
    )
    acquired = await client.canonicalization.AcquireShards(
        pb.AcquireShardsRequest(replica_id=replica, shard_count=count, indexes=[3, 1], lease_ttl_ms=60_000)
    )
    assert [lease.name for lease in acquired.acquired] == [
        shard_lease_name(1, count),
        shard_lease_name(3, count),
    ]
    single = f"fleet-single-{secrets.token_hex(4)}"
    await client.leases.Acquire(pb.AcquireRequest(name=single, holder_id=replica, ttl_ms=60_000))
    try:
        status = await fleet.GetFleetStatus(fleet_pb2.GetFleetStatusRequest())
        described = await client.coordination.Describe(pb.DescribeRequest())

        member = next(m for m in status.members if m.replica_id == replica)
        assert member.live and member.shard_count == count
        assert member.expires_at.ToDatetime() > status.observed_at.ToDatetime()
        mine = {lease.name: lease for lease in status.leases if lease.holder_id == replica}
        shard = mine[shard_lease_name(3, count)]
        assert shard.is_shard and (shard.shard_index, shard.shard_count) == (3, count)
        assert shard.live and shard.fence_token >= 1
        assert not mine[single].is_shard and mine[single].live
        # Shard leases first by (count, index): index 1 before index 3 (and before "10" would sort as text).
        names = [lease.name for lease in status.leases]
        assert names.index(shard_lease_name(1, count)) < names.index(shard_lease_name(3, count))
        assert names.index(shard_lease_name(3, count)) < names.index(single)
        assert status.coordinator_backend == described.backend
        assert (
            status.coordinator_mode == described.mode and status.schema_revision == described.schema_revision
        )
    finally:
        await client.canonicalization.ReleaseShards(
            pb.ReleaseShardsRequest(replica_id=replica, leases=acquired.acquired, leave=True)
        )

    after = await fleet.GetFleetStatus(fleet_pb2.GetFleetStatusRequest())
    assert replica not in {m.replica_id for m in after.members}
    released = {lease.name: lease for lease in after.leases if lease.holder_id == replica}
    assert not released[shard_lease_name(3, count)].live  # the row stays (fences keep growing), expired
