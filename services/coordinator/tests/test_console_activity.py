"""The console's coordinator reads on both backends (docs/console.md, "Charts" and "Fleet"):
Fleet.GetActivity (submissions by status now, promotions with their latency, in buckets ending now),
the canonicalizers' last pass summaries carried by Heartbeat into Fleet.GetFleetStatus, and
ListAccounts by account id prefix with keyset pages.

Its own database: the activity counts every delta of the database in the window."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import grpc
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import fleet_pb2, fleet_pb2_grpc
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import new_account_id
from guardian_testing.database import DatabaseServer
from guardian_testing.fixtures import StartService

APPLIED = pb.WRITE_OUTCOME_APPLIED


@pytest.fixture(scope="module", params=["memory", "postgres"])
async def client(
    request: pytest.FixtureRequest, start_module_service: StartService, db_server: DatabaseServer
) -> AsyncIterator[CoordinatorClient]:
    env = {"DATABASE_URL": db_server.create_database()} if request.param == "postgres" else {}
    process = start_module_service("guardian-coordinator", name=f"activity-{request.param}", **env)
    async with CoordinatorClient(process.grpc_target) as c:
        yield c


def commitment() -> str:
    return "0x" + secrets.token_hex(32)


async def configure(client: CoordinatorClient, account_id: str | None = None) -> tuple[str, str]:
    account_id, state = account_id or new_account_id(), commitment()
    response = await client.custody.ConfigureAccount(
        pb.ConfigureAccountRequest(
            account_id=account_id,
            auth_json=json.dumps({"Ecdsa": {"cosigner_commitments": [commitment()]}}),
            initial_state_json=json.dumps({"balance": 0}),
            initial_commitment=state,
        )
    )
    assert response.outcome == pb.CONFIGURE_OUTCOME_CREATED
    return account_id, state


async def submit(client: CoordinatorClient, account_id: str, prev: str) -> pb.Delta:
    response = await client.custody.SubmitCandidate(
        pb.SubmitCandidateRequest(
            account_id=account_id,
            nonce=1,
            prev_commitment=prev,
            new_commitment=commitment(),
            delta_payload_json=json.dumps({"patch": {"n": 1}}),
        )
    )
    assert response.outcome == pb.SUBMIT_OUTCOME_SUBMITTED
    delta: pb.Delta = response.delta
    return delta


async def expect_invalid(call: Any, field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
    assert field in (caught.value.details() or ""), caught.value.details()


def ms(delta: timedelta) -> float:
    return delta / timedelta(milliseconds=1)


async def test_activity_counts_submissions_by_status_and_promotion_latency(client: CoordinatorClient) -> None:
    fleet = fleet_pb2_grpc.FleetStub(client.channel)
    lease = (
        await client.leases.Acquire(
            pb.AcquireRequest(name=f"activity-{secrets.token_hex(4)}", holder_id="worker", ttl_ms=60_000)
        )
    ).lease
    accounts = [await configure(client) for _ in range(5)]
    submitted = [await submit(client, account_id, state) for account_id, state in accounts]
    promoted_ids = [accounts[0][0], accounts[1][0]]
    for account_id in promoted_ids:
        outcome = await client.custody.Promote(
            pb.PromoteRequest(
                lease=lease,
                account_id=account_id,
                nonce=1,
                source_kind=pb.DELTA_KIND_CANDIDATE,
                new_commitment=commitment(),
                new_state_json=json.dumps({"balance": 1}),
            )
        )
        assert outcome.outcome == APPLIED
    retained = await client.custody.UpdateCandidateStatus(
        pb.UpdateCandidateStatusRequest(
            lease=lease,
            account_id=accounts[2][0],
            nonce=1,
            new_kind=pb.DELTA_KIND_RETAINED,
            reason="retry_exhausted",
        )
    )
    assert retained.outcome == APPLIED
    removed = await client.custody.Discard(
        pb.DiscardRequest(lease=lease, account_id=accounts[3][0], nonce=1, kind=pb.DELTA_KIND_CANDIDATE)
    )
    assert removed.outcome == APPLIED  # deleted: no longer counted anywhere

    activity = await fleet.GetActivity(fleet_pb2.GetActivityRequest(window_seconds=3600, bucket_count=60))

    observed, start = activity.observed_at.ToDatetime(), activity.window_start.ToDatetime()
    assert activity.bucket_ms == 60_000 and len(activity.buckets) == 60
    assert observed - start == timedelta(hours=1)
    assert [b.start.ToDatetime() for b in activity.buckets] == [
        start + timedelta(minutes=i) for i in range(60)
    ]
    totals = {
        kind: sum(getattr(b, f"submitted_{kind}") for b in activity.buckets)
        for kind in ("candidate", "canonical", "retained", "discarded")
    }
    assert totals == {"candidate": 1, "canonical": 2, "retained": 1, "discarded": 0}
    # Each submission sits in the bucket of its submission time.
    for delta in submitted[:3] + submitted[4:]:
        index = int(ms(delta.status_timestamp.ToDatetime() - start) // 60_000)
        bucket = activity.buckets[index]
        assert bucket.submitted_candidate + bucket.submitted_canonical + bucket.submitted_retained >= 1

    latencies = []
    promotion_buckets = set()
    for delta, account_id in zip(submitted[:2], promoted_ids, strict=True):
        found = await client.custody.GetDelta(pb.GetDeltaRequest(account_id=account_id, nonce=1))
        at = found.delta.status_timestamp.ToDatetime()
        latencies.append(ms(at - delta.status_timestamp.ToDatetime()))
        promotion_buckets.add(int(ms(at - start) // 60_000))
    assert sum(b.promoted for b in activity.buckets) == 2
    if len(promotion_buckets) == 1:  # both promotions in one minute: the percentiles of the two latencies
        bucket = activity.buckets[promotion_buckets.pop()]
        low, high = sorted(latencies)
        assert bucket.promoted == 2
        assert bucket.latency_max_ms == pytest.approx(high, abs=0.01)
        assert bucket.latency_p50_ms == pytest.approx((low + high) / 2, abs=0.01)
        assert bucket.latency_p95_ms == pytest.approx(low + 0.95 * (high - low), abs=0.01)
    for bucket in activity.buckets:
        if not bucket.promoted:
            assert (bucket.latency_p50_ms, bucket.latency_p95_ms, bucket.latency_max_ms) == (0, 0, 0)


@pytest.mark.parametrize(
    ("window", "buckets", "field"),
    [
        (59, 1, "window_seconds"),
        (86_401, 1, "window_seconds"),
        (0, 1, "window_seconds"),
        (3600, 0, "bucket_count"),
        (3600, 121, "bucket_count"),
        (60, 61, "bucket_count"),  # buckets under one second
    ],
)
async def test_activity_refuses_unbounded_or_malformed_windows(
    client: CoordinatorClient, window: int, buckets: int, field: str
) -> None:
    fleet = fleet_pb2_grpc.FleetStub(client.channel)
    await expect_invalid(
        fleet.GetActivity(fleet_pb2.GetActivityRequest(window_seconds=window, bucket_count=buckets)), field
    )


def heartbeat(replica: str, *passes: pb.PassReport) -> pb.HeartbeatRequest:
    return pb.HeartbeatRequest(
        replica_id=replica, shard_count=1, member_ttl_ms=60_000, lease_ttl_ms=60_000, last_passes=passes
    )


async def test_heartbeats_carry_each_replicas_last_passes_to_the_fleet_status(
    client: CoordinatorClient,
) -> None:
    fleet = fleet_pb2_grpc.FleetStub(client.channel)
    replica = f"passes-{secrets.token_hex(4)}"
    full = pb.PassReport(
        kind="full", outcome="partial", age_ms=1500, promoted=3, discarded=1, waiting=2, failed=1
    )
    fast = pb.PassReport(kind="fast", outcome="completed", age_ms=0, promoted=1)
    await client.canonicalization.Heartbeat(heartbeat(replica, full, fast))

    status = await fleet.GetFleetStatus(fleet_pb2.GetFleetStatusRequest())
    member = next(m for m in status.members if m.replica_id == replica)
    assert [p.kind for p in member.last_passes] == ["fast", "full"]
    reported = {p.kind: p for p in member.last_passes}
    counts = reported["full"]
    assert (counts.outcome, counts.promoted, counts.discarded, counts.waiting, counts.failed) == (
        "partial",
        3,
        1,
        2,
        1,
    )
    assert reported["fast"].promoted == 1 and reported["fast"].outcome == "completed"
    # Dated on the store's clock: the heartbeat's own time minus the reported age.
    beat = member.heartbeat_at.ToDatetime()
    assert ms(beat - reported["full"].finished_at.ToDatetime()) == pytest.approx(1500, abs=50)
    assert ms(beat - reported["fast"].finished_at.ToDatetime()) == pytest.approx(0, abs=50)

    # The next heartbeat replaces them (an empty list: none reported).
    await client.canonicalization.Heartbeat(heartbeat(replica))
    status = await fleet.GetFleetStatus(fleet_pb2.GetFleetStatusRequest())
    assert not next(m for m in status.members if m.replica_id == replica).last_passes


@pytest.mark.parametrize(
    ("passes", "field"),
    [
        (
            [pb.PassReport(kind="full", outcome="completed"), pb.PassReport(kind="full", outcome="error")],
            "last_passes",
        ),
        ([pb.PassReport(kind="sweep", outcome="completed")], "last_passes[0].kind"),
        ([pb.PassReport(kind="fast", outcome="done")], "last_passes[0].outcome"),
        ([pb.PassReport(kind="fast", outcome="completed", age_ms=-1)], "last_passes[0].age_ms"),
        ([pb.PassReport(kind="fast", outcome="completed", age_ms=8 * 86_400_000)], "last_passes[0].age_ms"),
    ],
)
async def test_malformed_pass_reports_are_refused_and_nothing_is_written(
    client: CoordinatorClient, passes: list[pb.PassReport], field: str
) -> None:
    fleet = fleet_pb2_grpc.FleetStub(client.channel)
    replica = f"bad-passes-{secrets.token_hex(4)}"
    await expect_invalid(client.canonicalization.Heartbeat(heartbeat(replica, *passes)), field)
    status = await fleet.GetFleetStatus(fleet_pb2.GetFleetStatusRequest())
    assert replica not in {m.replica_id for m in status.members}


async def test_accounts_are_listed_by_id_prefix_in_keyset_pages(client: CoordinatorClient) -> None:
    stem = "0x" + secrets.token_hex(3)  # 6 hex digits no other account of this database shares
    ours = [(await configure(client, stem + secrets.token_hex(12)))[0] for _ in range(5)]
    others = [(await configure(client))[0] for _ in range(3)]
    assert not any(other.startswith(stem) for other in others)

    seen: list[str] = []
    after = None
    while True:
        request = pb.ListAccountsRequest(limit=2, account_id_prefix=stem)
        if after is not None:
            request.after.CopyFrom(after)
        page = await client.custody.ListAccounts(request)
        seen += [a.account_id for a in page.accounts]
        assert len(page.accounts) <= 2
        if not page.has_more:
            break
        last = page.accounts[-1]
        after = pb.AccountKey(updated_at=last.updated_at, account_id=last.account_id)
    assert sorted(seen) == sorted(ours) and len(seen) == len(set(seen))  # each once, no other account

    one = await client.custody.ListAccounts(pb.ListAccountsRequest(limit=50, account_id_prefix=ours[2]))
    assert [a.account_id for a in one.accounts] == [ours[2]]
    every = await client.custody.ListAccounts(pb.ListAccountsRequest(limit=500, account_id_prefix="0x"))
    assert set(ours + others) <= {a.account_id for a in every.accounts}


@pytest.mark.parametrize("prefix", ["0X", "0xg", "abc", "0x" + "a" * 31, "0x%", "0x_1", "0xAB"])
async def test_malformed_account_id_prefixes_are_refused(client: CoordinatorClient, prefix: str) -> None:
    await expect_invalid(
        client.custody.ListAccounts(pb.ListAccountsRequest(limit=5, account_id_prefix=prefix)),
        "account_id_prefix",
    )
