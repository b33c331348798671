"""Chain faults and a database outage under a canonicalizer fleet (real processes, real PostgreSQL).

Every test runs with S = 1 (one shard, one writer at a time) and with S = 16 shards over the fleet.
Sizes: 3 canonicalizers on a failing/hanging devnet with 12 candidates; 2 replicas elsewhere.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable

import pytest

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_devnet.control import DevnetControl
from guardian_testing.canonicalization import (
    Stack,
    Submitted,
    all_of_kind,
    kinds_of,
    seed_candidates,
    start_stack,
    status,
    wait_until,
)
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.fault_proxy import FaultProxy
from guardian_testing.fixtures import StartReplicas

pytestmark = pytest.mark.slow
SHARDS = [pytest.param(1, id="S=1"), pytest.param(16, id="S=16")]


def shards_env(shards: int) -> dict[str, str]:
    return {"GUARDIAN_CANONICALIZATION_SHARDS": str(shards)}


async def status_json(client: CoordinatorClient, s: Submitted) -> dict[str, object]:
    got = await client.custody.GetDelta(pb.GetDeltaRequest(account_id=s.account_id, nonce=s.nonce))
    loaded: dict[str, object] = json.loads(got.delta.status_json)
    return loaded


def promotions(stack: Stack) -> list[tuple[str, int]]:
    return [(w.account_id, w.nonce) for w in stack.journal().promotions]


@pytest.mark.parametrize("shards", SHARDS)
async def test_a_failing_or_hanging_chain_promotes_nothing_counts_retries_once_per_pass_and_recovers(
    start_replicas: StartReplicas, fresh_database_url: str, shards: int
) -> None:
    # No fast pass: every chain call is one full-pass observation, so retries must equal calls.
    stack = start_stack(
        start_replicas,
        fresh_database_url,
        coordinators=2,
        canonicalizers=3,
        GUARDIAN_CANONICALIZATION_FAST_PROMOTION_ENABLED="false",
        GUARDIAN_CANONICALIZATION_SUBMISSION_GRACE_PERIOD_SECONDS="0",
        GUARDIAN_CANONICALIZATION_MAX_RETRIES="100000",
        GUARDIAN_CANONICALIZATION_CHECK_INTERVAL_SECONDS="0.3",
        canonicalizer_overrides=shards_env(shards),
    )
    chain = DevnetControl(stack.devnet_url)
    await chain.fault("unavailable", count=1_000_000)
    async with CoordinatorClient(stack.coordinator_target) as client:
        landed, never = await seed_candidates(client.custody, 6), await seed_candidates(client.custody, 6)
        for s in landed:
            await chain.land(s.account_id, s.new_commitment)  # on chain, but the node does not answer

        async def observed(times: int) -> bool:
            calls = await chain.calls()
            per_account = [sum(1 for c in calls if c["account_id"] == s.account_id) for s in landed + never]
            return min(per_account) >= times

        await wait_until(lambda: observed(3), "three failed observations per account")
        # Unavailable is consumed before hang, so switching in this order never lets a call through.
        await chain.fault("hang", count=1_000_000, seconds=1.0)  # longer than the 0.5 s probe deadline
        await chain.fault("unavailable", count=0)
        await wait_until(lambda: _hung_at_least(chain, 24), "the hanging calls")
        await chain.fault("unavailable", count=1_000_000)
        assert set(await kinds_of(client.custody, landed + never)) == {"candidate"}, (
            "nothing promoted on a bad chain"
        )
        assert promotions(stack) == []

        await chain.fault("none")
        await wait_until(lambda: _all(client, landed, "canonical"), "convergence after the chain recovers")

        for process in stack.canonicalizers:  # quiesce: a stopped replica finishes its in-flight write
            process.signal(signal.SIGTERM)
        for process in stack.canonicalizers:
            assert process.wait_exit(30) == 0
        calls = await chain.calls()
        for s in never:
            retries = (await status_json(client, s))["retry_count"]
            observations = sum(1 for c in calls if c["account_id"] == s.account_id)
            assert retries == observations, (
                f"{s.account_id}: {retries} retries for {observations} observations"
            )
        assert sorted(promotions(stack)) == sorted((s.account_id, s.nonce) for s in landed)


async def _hung_at_least(chain: DevnetControl, count: int) -> bool:
    return sum(1 for c in await chain.calls() if c["fault"] == "hang") >= count


async def _all(client: CoordinatorClient, submitted: list[Submitted], kind: str) -> bool:
    return await all_of_kind(client.custody, submitted, kind)


@pytest.mark.parametrize("shards", SHARDS)
async def test_a_lagging_chain_needs_two_consecutive_foreign_observations_to_diverge(
    start_replicas: StartReplicas, fresh_database_url: str, shards: int
) -> None:
    stack = start_stack(
        start_replicas,
        fresh_database_url,
        coordinators=1,
        canonicalizers=2,
        GUARDIAN_CANONICALIZATION_FAST_PROMOTION_ENABLED="false",
        GUARDIAN_CANONICALIZATION_CHECK_INTERVAL_SECONDS="0.3",
        canonicalizer_overrides=shards_env(shards),
    )
    chain = DevnetControl(stack.devnet_url)
    foreign = "0x" + "ee" * 32
    async with CoordinatorClient(stack.coordinator_target) as client:
        # One stale foreign answer, then the real one: promoted, not diverged. The canonicalizers are
        # frozen while the chain is set up, so no probe can fall between the landings and the fault (one
        # did: it saw the real commitment first and the lagging answer never came).
        for process in stack.canonicalizers:
            process.popen.send_signal(signal.SIGSTOP)
        try:
            [lagged] = await seed_candidates(client.custody, 1)
            await chain.land(lagged.account_id, foreign)
            await chain.land(lagged.account_id, lagged.new_commitment)
            await chain.fault("lag", count=1)
        finally:
            for process in stack.canonicalizers:
                process.popen.send_signal(signal.SIGCONT)
        await wait_until(lambda: _all(client, [lagged], "canonical"), "promotion after one lagging answer")
        calls = await chain.calls(lagged.account_id)
        assert [c["answered"] for c in calls[:2]] == [foreign, lagged.new_commitment]
        deferred = [
            w for w in stack.journal().writes if w.account_id == lagged.account_id and w.op == "counters"
        ]
        assert [w.outcome for w in deferred] == ["divergence_deferred"]

        # The chain really moved elsewhere: retained as diverged after exactly two observations.
        [moved] = await seed_candidates(client.custody, 1)
        await chain.land(moved.account_id, foreign)
        await wait_until(lambda: _all(client, [moved], "retained"), "retention after confirmed divergence")
        assert (await status_json(client, moved))["reason"] == "diverged"
        writes = [
            w for w in stack.journal().writes if w.account_id == moved.account_id and w.result == "applied"
        ]
        assert [(w.op, w.outcome) for w in writes] == [
            ("counters", "divergence_deferred"),
            ("retain", "retained"),
        ]

        # Reconcile: the retained row's transaction lands after all → promoted from `retained`.
        await chain.land(moved.account_id, moved.new_commitment)
        await wait_until(lambda: _all(client, [moved], "canonical"), "reconcile of the late landing")
        state = await client.custody.GetState(pb.GetStateRequest(account_id=moved.account_id))
        assert state.state.commitment == moved.new_commitment


@pytest.mark.parametrize("shards", SHARDS)
async def test_a_database_outage_makes_every_holder_stop_writing_and_canonicalization_resume(
    start_replicas: StartReplicas,
    fresh_database_url: str,
    fault_proxy_for: Callable[[str], FaultProxy],
    shards: int,
) -> None:
    proxy = fault_proxy_for(fresh_database_url)
    stack = start_stack(
        start_replicas,
        proxy.url(),
        coordinators=2,
        canonicalizers=2,
        coordinator_env={
            "GUARDIAN_DB_CONNECT_TIMEOUT_SECONDS": "1",
            "GUARDIAN_DB_POOL_ACQUIRE_TIMEOUT_SECONDS": "1",
        },
        canonicalizer_overrides=shards_env(shards),
    )
    chain = DevnetControl(stack.devnet_url)
    async with CoordinatorClient(stack.coordinator_target) as client:
        before = await seed_candidates(client.custody, 5)
        for s in before:
            await chain.land(s.account_id, s.new_commitment)
        await wait_until(lambda: _all(client, before, "canonical"), "promotion while healthy")
        during = await seed_candidates(client.custody, 8)

        proxy.cut()
        await wait_until(lambda: _nobody_leads(stack), "every replica standing by", within=30)
        promoted_before_cut = len(promotions(stack))
        for s in during:  # transactions land while nobody can write
            await chain.land(s.account_id, s.new_commitment)
        await wait_until(lambda: _passes_advanced(stack), "replicas still ticking during the outage")
        assert len(promotions(stack)) == promoted_before_cut, "nobody wrote during the outage"
        proxy.restore()

        await wait_until(lambda: _all(client, during, "canonical"), "canonicalization resumed", within=60)
        applied = promotions(stack)
        assert sorted(applied) == sorted({*applied}), "no delta promoted twice"
        assert {(s.account_id, s.nonce) for s in before + during} == set(applied)


async def _nobody_leads(stack: Stack) -> bool:
    reported = [await status(p.grpc_target) for p in stack.canonicalizers]
    return all(r.role == "standby" and not r.shards for r in reported)


async def _passes_advanced(stack: Stack) -> bool:
    # Holding no shard, a replica runs no pass; its heartbeats keep failing. A few heartbeats are enough
    # to have seen the landed commitments had anyone been writing.
    logs = [p.log_path.read_text(errors="replace") for p in stack.canonicalizers]
    return all(text.count("heartbeat failed") >= 4 for text in logs)
