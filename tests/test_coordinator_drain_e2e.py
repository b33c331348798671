"""A coordinator replica that drains (SIGTERM) while the gateway's reads are in flight: every answer is the
read itself or a retryable refusal, never internal_error. Calls that reach a replica just as it starts draining
are answered CANCELLED (seen as a 500 internal_error in a rolling restart of the container fleet); the gateway treats
them like a deadline: a retryable error, the outcome unknown.

Real processes on one PostgreSQL database: auth talks to a coordinator that stays up, the gateway to one
that is stopped under load, so every failure the gateway sees is its own coordinator's."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

import httpx
import pytest

from guardian_client import Cosigner, delta_body, new_account_id
from guardian_network import JsonNetwork
from guardian_testing.custody_api import Api, auth_of, write_ack_key
from guardian_testing.fixtures import StartService
from guardian_testing.processes import ServiceProcess

pytestmark = pytest.mark.slow

READERS = 48
ROUNDS = 3  # calls race the drain in most rounds, not in every one


async def drain_under_load(
    api: Api,
    signers: list[Cosigner],
    account_id: str,
    outcomes: Counter[tuple[int, str, bool]],
    coordinator: ServiceProcess,
) -> None:
    """READERS signed GET /delta loops; once each has been served a few times, the gateway's coordinator
    gets SIGTERM; the loops end at their first refusal after it has exited. Counts (status, code,
    retryable) into `outcomes`."""
    drained = asyncio.Event()
    first_refusal = asyncio.Event()
    under_way = asyncio.Event()  # each reader has been served a few times
    served = 0

    async def reader(signer: Cosigner) -> None:
        nonlocal served
        while not (drained.is_set() and first_refusal.is_set()):
            response = await api.get_delta(signer, account_id, 1)
            if response.status_code == 200:
                outcomes[(200, "", False)] += 1
                served += 1
                if served >= 4 * READERS:
                    under_way.set()
                continue
            error = response.json()
            outcomes[(response.status_code, error["code"], error["meta"]["retryable"])] += 1
            if drained.is_set():
                first_refusal.set()

    readers = [asyncio.create_task(reader(signer)) for signer in signers]
    await asyncio.wait_for(under_way.wait(), timeout=60)
    coordinator.signal(signal.SIGTERM)
    assert await asyncio.to_thread(coordinator.wait_exit) == 0
    drained.set()
    await asyncio.wait_for(asyncio.gather(*readers), timeout=60)


async def test_reads_in_flight_when_a_coordinator_drains_get_a_retryable_answer(
    start_service: StartService, run_database_url: str, tmp_path: Path
) -> None:
    allowlist = tmp_path / "operators.json"
    allowlist.write_text("[]")
    common = {"GUARDIAN_RATE_LIMIT_ENABLED": "false", "DATABASE_URL": run_database_url}
    stays = start_service("guardian-coordinator", "coordinator-auth", **common)
    drains = start_service("guardian-coordinator", "coordinator-gateway", **common)
    auth = start_service(
        "guardian-auth",
        GUARDIAN_COORDINATOR_TARGET=stays.grpc_target,
        GUARDIAN_ACK_ECDSA_KEY_FILE=str(write_ack_key(tmp_path)),
        GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE=str(allowlist),
        GUARDIAN_RATE_LIMIT_ENABLED="false",
    )
    gateway = start_service(
        "guardian-gateway",
        GUARDIAN_COORDINATOR_TARGET=drains.grpc_target,
        GUARDIAN_AUTH_TARGET=auth.grpc_target,
        GUARDIAN_RATE_LIMIT_ENABLED="false",
    )
    # One cosigner per reader: requests signed by one key in the same millisecond would meet the replay
    # floor instead of the coordinator.
    signers = [Cosigner.ecdsa() for _ in range(READERS)]
    async with httpx.AsyncClient(timeout=30) as http:
        api = Api(http, [f"http://{gateway.addresses['http']}"])
        account_id = new_account_id()
        state = {"balance": 0}
        configured = await api.configure(signers[0], account_id, auth_of(*signers), state)
        assert configured.status_code == 200, configured.text
        body = delta_body(account_id, 1, JsonNetwork().commitment(state), {"balance": 1})
        assert (pushed := await api.push(signers[0], body)).status_code == 200, pushed.text

        outcomes: Counter[tuple[int, str, bool]] = Counter()
        for _ in range(ROUNDS):
            await drain_under_load(api, signers, account_id, outcomes, drains)
            # The next round's replica listens where this one did: the gateway's channel reconnects.
            drains = start_service(
                "guardian-coordinator", "coordinator-gateway", GUARDIAN_GRPC_ADDR=drains.grpc_target, **common
            )

    refusals = {outcome: n for outcome, n in outcomes.items() if outcome[0] != 200}
    assert refusals, "the stopped coordinator was never missed"
    assert all(
        code in ("storage_error", "service_unavailable") and retryable for _, code, retryable in refusals
    ), outcomes
