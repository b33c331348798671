"""The lease loop against in-memory fakes: taking the lease, renewing it beside a pass, and stepping down when
the fence goes stale or the store stops answering."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from guardian_canonicalizer.domain.clock import ManualClock
from guardian_canonicalizer.domain.leadership import LEASE_NAME, Leadership
from guardian_canonicalizer.domain.passes import Passes, PassSettings
from guardian_canonicalizer.domain.policy import Policy
from guardian_canonicalizer.domain.scope import PassScope
from guardian_canonicalizer.domain.status import StatusBoard
from guardian_canonicalizer.domain.worker import Cadence, Worker
from guardian_canonicalizer.metrics import Metrics
from guardian_network import JsonNetwork
from guardian_testing.canonicalization import wait_until

from .fakes import FakeChain, FakeCoordinator

A = "0x" + "0a" * 15
B = "0x" + "0b" * 15
HOLDER = "replica-1"
RENEW_SECONDS = 0.01


async def eventually(condition: Callable[[], bool], what: str) -> None:
    """Polls a condition the code under test reaches on its own (10 ms) timers."""

    async def check() -> bool:
        return condition()

    await wait_until(check, what, within=5.0, every=0.005)


@dataclass
class Replica:
    store: FakeCoordinator
    chain: FakeChain
    board: StatusBoard
    registry: CollectorRegistry
    leadership: Leadership
    passes: Passes

    def gauge(self, name: str) -> float:
        return self.registry.get_sample_value(f"guardian_canonicalization_{name}") or 0.0


def replica(store: FakeCoordinator | None = None) -> Replica:
    store = store or FakeCoordinator(ManualClock())
    chain = FakeChain()
    board = StatusBoard(holder_id=HOLDER)
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    leadership = Leadership(
        store,
        holder_id=HOLDER,
        ttl_seconds=600,
        renew_interval_seconds=RENEW_SECONDS,
        status=board,
        metrics=metrics,
    )
    passes = Passes(
        store,
        chain,
        JsonNetwork(),
        store.clock,
        Policy(),
        PassSettings(max_concurrent_accounts=1),
        board,
        metrics,
    )
    return Replica(store, chain, board, registry, leadership, passes)


@asynccontextmanager
async def running(r: Replica, heartbeat_seconds: float) -> AsyncIterator[Worker]:
    """The worker loop with one full pass at start and the given heartbeat; stopped on exit."""
    cadence = Cadence(
        full_seconds=3600, fast_seconds=None, reconcile_seconds=None, heartbeat_seconds=heartbeat_seconds
    )
    worker = Worker(r.leadership, r.passes, cadence, r.board, Metrics(CollectorRegistry()))
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, 5)


async def test_acquire_makes_the_replica_leader_and_a_store_outage_makes_it_standby() -> None:
    r = replica()
    lease = await r.leadership.acquire()
    assert lease is not None and r.leadership.is_leader
    assert r.board.role == "leader" and r.board.fence_token == lease.fence_token
    assert r.gauge("leader") == 1 and r.gauge("lease_acquisitions_total") == 1

    again = await r.leadership.acquire()
    assert again is not None and again.fence_token == lease.fence_token, "extending keeps the token"
    assert r.gauge("lease_acquisitions_total") == 1

    r.store.available = False
    assert await r.leadership.acquire() is None
    assert not r.leadership.is_leader and r.board.role == "standby" and r.board.fence_token == 0
    assert r.gauge("leader") == 0


async def test_a_lease_held_elsewhere_is_not_taken() -> None:
    r = replica()
    r.store.take_over(LEASE_NAME, "replica-2")
    assert await r.leadership.acquire() is None
    assert r.board.role == "standby"


async def test_one_renewal_error_is_tolerated_while_the_pass_runs() -> None:
    r = replica()
    lease = await r.leadership.acquire()
    assert lease is not None
    r.store.fail_next["renew"] = 1
    scope = PassScope(None, asyncio.Event())

    async def work() -> str:
        await eventually(lambda: r.store.calls["renew"] >= 3, "three renewals")
        return "done"

    assert await r.leadership.while_renewing(lease, scope, work()) == "done"
    assert not scope.cancelled and r.leadership.is_leader


async def test_two_renewal_errors_in_a_row_cancel_the_pass_and_step_down() -> None:
    r = replica()
    lease = await r.leadership.acquire()
    assert lease is not None
    r.store.available = False
    scope = PassScope(None, asyncio.Event())

    async def work() -> None:
        await eventually(lambda: scope.cancelled, "the pass to be cancelled")

    await r.leadership.while_renewing(lease, scope, work())
    assert scope.cancel_reason == "lease renewal failed twice"
    assert not r.leadership.is_leader
    assert r.store.calls["renew"] == 2
    assert (
        r.registry.get_sample_value(
            "guardian_canonicalization_lease_renew_failures_total", {"outcome": "error"}
        )
        == 2
    )


async def test_a_lease_taken_over_cancels_the_pass_at_the_next_renewal() -> None:
    r = replica()
    lease = await r.leadership.acquire()
    assert lease is not None
    r.store.take_over(LEASE_NAME, "replica-2")
    scope = PassScope(None, asyncio.Event())

    async def work() -> None:
        await eventually(lambda: scope.cancelled, "the pass to be cancelled")

    await r.leadership.while_renewing(lease, scope, work())
    assert scope.cancel_reason == "lease lost"
    assert not r.leadership.is_leader


async def test_a_stale_fence_outcome_makes_the_worker_step_down_without_releasing() -> None:
    r = replica()
    for account in (A, B):
        r.store.configure(account, {"n": 0})
        r.chain.commitments[account] = r.store.push(account, {"n": 1}).new_commitment
    # The lease moves to another replica between this one's read and its first write.
    r.chain.on_probe = lambda _: r.store.take_over(LEASE_NAME, "replica-2")

    async with running(r, heartbeat_seconds=3600):
        await eventually(lambda: r.board.passes == 1, "the first pass")
        assert r.board.last_pass_outcome == "cancelled"
        assert not r.leadership.is_leader

    assert [w.op for w in r.store.writes] == ["promote"], "nothing written after STALE_LEASE"
    assert r.store.calls["release"] == 0, "a replica never releases a lease it no longer holds"


async def test_a_store_that_stops_answering_makes_the_worker_step_down() -> None:
    r = replica()
    r.store.configure(A, {"n": 0})
    r.chain.commitments[A] = r.store.push(A, {"n": 1}).new_commitment

    def outage(_: str) -> None:
        r.store.available = False

    r.chain.on_probe = outage
    async with running(r, heartbeat_seconds=RENEW_SECONDS):
        await eventually(lambda: r.board.passes == 1, "the first pass")
        assert r.board.last_pass_outcome == "partial", "the account failed; the pass itself finished"
        await eventually(
            lambda: not r.leadership.is_leader, "the replica to step down"
        )  # the next heartbeat cannot acquire
        acquires = r.store.calls["acquire"]
        await eventually(lambda: r.store.calls["acquire"] > acquires + 2, "more heartbeats")
        assert r.board.passes == 1, "a standby runs no pass"
    assert r.store.writes == []
