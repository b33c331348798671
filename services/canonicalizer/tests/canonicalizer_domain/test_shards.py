"""Shard leases against in-memory fakes: the fair share, acquiring toward it, releasing the surplus, losing a
shard, the write deadline when renewals stop, leaving on shutdown, and the worker's passes over its shards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from prometheus_client import CollectorRegistry

from guardian_canonicalizer.domain.clock import ManualClock
from guardian_canonicalizer.domain.passes import Passes, PassSettings
from guardian_canonicalizer.domain.policy import Policy
from guardian_canonicalizer.domain.ports import HeldLease, Membership, PassReport
from guardian_canonicalizer.domain.shards import ShardManager, fair_share
from guardian_canonicalizer.domain.status import StatusBoard
from guardian_canonicalizer.domain.worker import Cadence, Worker
from guardian_canonicalizer.metrics import Metrics
from guardian_common.shards import shard_lease_name, shard_of
from guardian_network import JsonNetwork
from guardian_testing.canonicalization import wait_until

from .fakes import FakeChain, FakeCoordinator

ACCOUNTS = ["0x" + f"{i:02x}" * 15 for i in range(1, 13)]


async def eventually(condition: Callable[[], bool], what: str) -> None:
    """Polls a condition the code under test reaches on its own (millisecond) timers."""

    async def check() -> bool:
        return condition()

    await wait_until(check, what, within=5.0, every=0.002)


class TimedCoordinator(FakeCoordinator):
    """Records the loop time each successful heartbeat was sent; can hang heartbeats (no answer ever)."""

    def __init__(self) -> None:
        super().__init__(ManualClock())
        self.renewed_at: list[float] = []
        self.hanging = False

    async def heartbeat(
        self,
        replica_id: str,
        shard_count: int,
        member_ttl_seconds: float,
        lease_ttl_seconds: float,
        renew: Sequence[HeldLease],
        passes: Sequence[PassReport] = (),
    ) -> Membership:
        sent = asyncio.get_running_loop().time()
        if self.hanging:
            await asyncio.Event().wait()
        answer = await super().heartbeat(
            replica_id, shard_count, member_ttl_seconds, lease_ttl_seconds, renew, passes
        )
        self.renewed_at.append(sent)
        return answer


@dataclass
class Replica:
    holder: str
    store: FakeCoordinator
    board: StatusBoard
    registry: CollectorRegistry
    metrics: Metrics
    shards: ShardManager

    def sample(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(f"guardian_canonicalization_{name}", labels) or 0.0

    def held(self) -> list[int]:
        return sorted(self.shards.held)


def replica(
    store: FakeCoordinator, holder: str, *, count: int = 4, ttl: float = 600, renew: float = 0.01
) -> Replica:
    board = StatusBoard(holder_id=holder)
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    manager = ShardManager(
        store,
        holder_id=holder,
        shard_count=count,
        ttl_seconds=ttl,
        renew_interval_seconds=renew,
        status=board,
        metrics=metrics,
    )
    return Replica(holder, store, board, registry, metrics, manager)


# --- the fair share ----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 7, 16, 64, 4096])
@pytest.mark.parametrize("members", [1, 2, 3, 5, 17])
def test_fair_shares_add_up_to_every_shard_and_differ_by_at_most_one(count: int, members: int) -> None:
    ids = [f"replica-{i:02d}" for i in range(members)]
    shares = [fair_share(count, ids, me) for me in ids]
    assert sum(shares) == count
    assert max(shares) - min(shares) <= 1
    assert shares == sorted(shares, reverse=True), "the lower ranks (ids in order) take the remainder"


def test_a_replica_counts_itself_even_before_the_membership_shows_it() -> None:
    assert fair_share(16, [], "me") == 16
    assert fair_share(16, ["a"], "b") == 8
    assert fair_share(1, ["a", "b", "c"], "a") == 1
    assert fair_share(1, ["a", "b", "c"], "b") == 0


# --- acquiring, releasing, losing ----------------------------------------------------------------------


async def test_a_lone_replica_takes_every_shard_and_reports_their_fences() -> None:
    r = replica(FakeCoordinator(ManualClock()), "replica-1")
    await r.shards.heartbeat()

    assert r.held() == [0, 1, 2, 3]
    assert [(s.index, s.fence_token) for s in r.board.shards] == [(0, 1), (1, 1), (2, 1), (3, 1)]
    assert r.board.role == "leader" and r.board.fence_token == 1 and r.board.shard_count == 4
    assert r.sample("shards_held") == 4 and r.sample("shard_acquisitions_total") == 4
    assert [s.index for s in r.shards.take_fresh()] == [0, 1, 2, 3]
    assert r.shards.take_fresh() == [], "fresh shards are handed out once"

    await r.shards.heartbeat()
    assert r.store.calls["acquire_shards"] == 1, "holding its share, it asks for nothing more"


async def test_a_joining_replica_gets_its_share_as_the_holder_releases_its_highest_shards() -> None:
    store = FakeCoordinator(ManualClock())
    first, second = replica(store, "replica-1"), replica(store, "replica-2")
    await first.shards.heartbeat()
    await second.shards.heartbeat()
    assert first.held() == [0, 1, 2, 3] and second.held() == [], "nothing is free yet"

    await first.shards.heartbeat()  # it sees two members: share 2, the surplus goes
    assert first.held() == [0, 1]
    await eventually(lambda: first.sample("shard_releases_total", outcome="rebalance") == 2, "the release")
    await second.shards.heartbeat()
    assert second.held() == [2, 3]
    assert [s.fence_token for s in second.board.shards] == [2, 2], "a new holder is a new fence"
    assert first.sample("shard_losses_total", outcome="lost") == 0


async def test_replicas_that_register_before_acquiring_split_the_shards_in_their_first_round() -> None:
    store = FakeCoordinator(ManualClock())
    first, second = replica(store, "replica-1"), replica(store, "replica-2")
    await first.shards.register()
    await second.shards.register()
    assert first.held() == [] and second.held() == [], "registering takes no shard"

    await first.shards.heartbeat()
    await second.shards.heartbeat()

    assert first.held() == [0, 1] and second.held() == [2, 3]
    assert first.sample("shard_releases_total", outcome="rebalance") == 0, "nothing taken to be given back"
    assert store.calls["acquire_shards"] == 2


async def test_run_takes_its_first_shards_one_renew_interval_after_registering() -> None:
    store = TimedCoordinator()
    r = replica(store, "replica-1", renew=0.05)
    loop = asyncio.get_running_loop()
    await r.shards.register()
    registered = store.renewed_at[0]
    task = asyncio.create_task(r.shards.run())
    try:
        await eventually(lambda: r.held() == [0, 1, 2, 3], "the first acquisition")
        assert store.renewed_at[1] - registered >= 0.05, "the first acquiring heartbeat waited the settle"
        assert loop.time() - registered >= 0.05
    finally:
        await r.shards.leave()
        await task


async def test_a_shard_taken_elsewhere_is_dropped_at_the_next_heartbeat() -> None:
    r = replica(FakeCoordinator(ManualClock()), "replica-1")
    await r.shards.heartbeat()
    shard = r.shards.held[1]
    r.store.take_over(shard_lease_name(1, 4), "replica-2")

    await r.shards.heartbeat()

    assert r.held() == [0, 2, 3] and not shard.writable()
    assert r.sample("shard_losses_total", outcome="lost") == 1
    assert r.sample("lease_renew_failures_total", outcome="lost") == 1
    assert r.store.calls["release_shards"] == 0


async def test_shard_leases_of_another_count_hold_every_grant_back() -> None:
    r = replica(FakeCoordinator(ManualClock()), "replica-1", count=4)
    r.store.take_over(shard_lease_name(0, 8), "replica-old")
    await r.shards.heartbeat()
    assert r.held() == [] and r.board.role == "standby"


@pytest.mark.parametrize("failure", ["unavailable", "hanging"])
async def test_without_renewals_a_shard_stops_writing_before_its_lease_could_expire(failure: str) -> None:
    store = TimedCoordinator()
    ttl, renew = 0.6, 0.2  # 200 ms between the write deadline and expiry: room for a loaded machine
    r = replica(store, "replica-1", count=2, ttl=ttl, renew=renew)
    task = asyncio.create_task(r.shards.run())
    try:
        await eventually(lambda: len(store.renewed_at) >= 3 and r.held() == [0, 1], "held and renewed")
        shard = r.shards.held[0]
        if failure == "unavailable":
            store.available = False
        else:
            store.hanging = True
        await eventually(lambda: not r.held(), "the shards to stop")
        dropped_at = asyncio.get_running_loop().time()
        last_renewal = store.renewed_at[-1]
        assert not shard.writable()
        assert shard.write_deadline == pytest.approx(last_renewal + ttl - renew)
        assert dropped_at < last_renewal + ttl, "writing stopped before the lease could expire"
        assert r.sample("shard_losses_total", outcome="expired") == 2
        assert r.board.role == "standby" and r.board.shards == []
    finally:
        store.hanging = False
        store.available = True
        await r.shards.leave()
        await asyncio.wait_for(task, 5)


async def test_leaving_releases_every_shard_in_one_call_and_drops_the_membership() -> None:
    store = FakeCoordinator(ManualClock())
    r = replica(store, "replica-1")
    await r.shards.heartbeat()
    assert "replica-1" in store.members

    await r.shards.leave()

    assert store.calls["release_shards"] == 1
    assert all(lease.expires_at <= store.clock.now() for lease in store.leases.values())
    assert store.members == {}
    assert r.sample("shard_releases_total", outcome="shutdown") == 4
    assert r.board.shards == [] and r.sample("shards_held") == 0


# --- the worker over its shards ------------------------------------------------------------------------


FULL_ONCE = Cadence(full_seconds=3600, fast_seconds=None, reconcile_seconds=None)


@asynccontextmanager
async def working(
    r: Replica,
    chain: FakeChain,
    cadence: Cadence = FULL_ONCE,
) -> AsyncIterator[Worker]:
    """The worker loop (by default one full pass at start, then only over newly acquired shards) and the
    heartbeat."""
    passes = Passes(
        r.store,
        chain,
        JsonNetwork(),
        r.store.clock,
        Policy(),
        PassSettings(batch_size=100),
        r.board,
        r.metrics,
    )
    worker = Worker(r.shards, passes, cadence, r.board, r.metrics)
    tasks = [asyncio.create_task(worker.run()), asyncio.create_task(r.shards.run())]
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(tasks[0], 5)
        await r.shards.leave()
        await asyncio.wait_for(tasks[1], 5)


def seed(store: FakeCoordinator, chain: FakeChain) -> None:
    for account in ACCOUNTS:
        store.configure(account, {"n": 0})
        chain.commitments[account] = store.push(account, {"n": 1}).new_commitment


async def test_shards_acquired_after_the_first_pass_get_a_full_pass_at_once() -> None:
    store, chain = FakeCoordinator(ManualClock()), FakeChain()
    seed(store, chain)
    r = replica(store, "replica-1")
    async with working(r, chain):
        await eventually(lambda: r.board.promotions == len(ACCOUNTS), "every candidate promoted")
        assert sorted(store.batches) == sorted(
            n for n in (sum(1 for a in ACCOUNTS if shard_of(a, 4) == i) for i in range(4)) if n
        ), "one batch per shard"


async def test_a_refused_write_makes_the_worker_drop_that_shard_without_releasing_it() -> None:
    store, chain = FakeCoordinator(ManualClock()), FakeChain()
    seed(store, chain)
    # No heartbeat after the first: one between the takeover and the write would notice the loss itself
    # (outcome lost), and the write's refusal is what this test is about.
    r = replica(store, "replica-1", count=1, renew=60)
    # The lease moves to another replica between this one's read and its first write.
    chain.on_probe = lambda _: store.take_over(shard_lease_name(0, 1), "replica-2") and None

    async with working(r, chain):
        await eventually(lambda: r.board.passes == 1, "the first pass")
        assert r.board.last_pass_outcome == "cancelled"
        assert r.held() == [] and r.board.role == "standby"
        assert r.sample("shard_losses_total", outcome="stale_lease") == 1
        assert store.calls["release_shards"] == 0, "a replica never releases a lease it no longer holds"

    assert {w.result.value for w in store.writes} == {"stale_lease"}, "nothing applied after the loss"


async def test_the_next_heartbeat_reports_the_last_rounds_counts_for_the_fleet_page() -> None:
    store, chain = FakeCoordinator(ManualClock()), FakeChain()
    seed(store, chain)
    unlanded = ACCOUNTS[:3]
    for account in unlanded:
        del chain.commitments[account]  # nothing on chain yet: the full pass leaves them waiting
    r = replica(store, "replica-1")
    async with working(r, chain):
        await eventually(lambda: "full" in r.board.last_passes, "the first full round")
        await eventually(lambda: bool(store.reported_passes.get("replica-1")), "a heartbeat after it")
        (report,) = store.reported_passes["replica-1"]
        assert (report.kind, report.outcome) == ("full", "completed")
        assert (report.promoted, report.discarded, report.waiting, report.failed) == (
            len(ACCOUNTS) - len(unlanded),
            0,
            len(unlanded),
            0,
        )
        assert 0 <= report.age_ms < 5_000


async def test_a_full_round_without_the_chain_leaves_every_judged_candidate_waiting() -> None:
    store, chain = FakeCoordinator(ManualClock()), FakeChain()
    seed(store, chain)
    chain.down = True
    r = replica(store, "replica-1")
    async with working(r, chain):
        await eventually(lambda: "full" in r.board.last_passes, "the first full round")
        record = r.board.last_passes["full"]
        assert record.outcome == "completed"  # a chain outage is no account failure in the full pass
        assert record.tally.promoted == 0 and record.tally.judged == len(ACCOUNTS)
        assert record.tally.waiting == len(ACCOUNTS)
