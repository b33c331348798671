"""Expiry and fleet-wide limits with real processes: 1 coordinator on PostgreSQL, 2 auth, 2 gateways,
GUARDIAN_MAX_REPLICAS=2 and short TTLs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import Fleet, start_fleet, write_allowlist
from guardian_testing.identities import operators, wallets

pytestmark = pytest.mark.slow

GLOBAL_PER_MIN = 40
GLOBAL_COMMITMENT_PER_MIN = 6
# Short enough to wait out, long enough that a login on a loaded machine finishes within them.
CHALLENGE_TTL_S, SESSION_TTL_S = 3, 4


@pytest.fixture(scope="module")
def fleet(
    module_services: ServiceStarter, run_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Fleet:
    allowlist: Path = tmp_path_factory.mktemp("strict") / "operators.json"
    write_allowlist(allowlist, [(op, ["dashboard:read"]) for op in operators()[:2]])
    return start_fleet(
        module_services,
        database_url=run_database_url,
        allowlist=allowlist,
        coordinators=1,
        env={
            "GUARDIAN_MAX_REPLICAS": "2",
            "GUARDIAN_RATE_LIMIT_ENABLED": "true",
            "GUARDIAN_RATE_BURST_PER_SEC": "1000",
            "GUARDIAN_RATE_PER_MIN": str(GLOBAL_PER_MIN),
            "GUARDIAN_DASHBOARD_COMMITMENT_RATE_BURST_PER_SEC": "1000",
            "GUARDIAN_DASHBOARD_COMMITMENT_RATE_PER_MIN": str(GLOBAL_COMMITMENT_PER_MIN),
            "GUARDIAN_OPERATOR_CHALLENGE_TTL_SECONDS": str(CHALLENGE_TTL_S),
            "GUARDIAN_OPERATOR_SESSION_TTL_SECONDS": str(SESSION_TTL_S),
            "GUARDIAN_EVM_CHALLENGE_TTL_SECONDS": str(CHALLENGE_TTL_S),
            "GUARDIAN_EVM_SESSION_TTL_SECONDS": str(SESSION_TTL_S),
        },
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def client_ip(n: int) -> dict[str, str]:
    """Each test speaks as its own client (the gateways trust the rightmost X-Forwarded-For entry)."""
    return {"x-forwarded-for": f"198.51.100.{n}"}


async def test_global_limit_holds_for_the_fleet_as_a_whole(http: httpx.AsyncClient, fleet: Fleet) -> None:
    responses = await asyncio.gather(
        *(http.get(f"{fleet.gateway_url(i)}/status", headers=client_ip(1)) for i in range(3 * GLOBAL_PER_MIN))
    )
    accepted = sum(r.status_code == 200 for r in responses)
    refused = [r for r in responses if r.status_code == 429]
    assert accepted + len(refused) == len(responses)
    assert accepted <= GLOBAL_PER_MIN, (
        f"{accepted} accepted through 2 gateways, global limit {GLOBAL_PER_MIN}/min"
    )
    assert accepted == GLOBAL_PER_MIN, "each gateway admits exactly its share while the window lasts"
    assert all(
        r.headers["retry-after"] == "60" and r.json()["code"] == "rate_limit_exceeded" for r in refused
    )
    other_client = await http.get(f"{fleet.gateway_url(0)}/status", headers=client_ip(2))
    assert other_client.status_code == 200, "another client has its own budget"


async def test_per_commitment_budget_holds_across_auth_replicas(
    http: httpx.AsyncClient, fleet: Fleet
) -> None:
    commitment = operators()[0].commitment
    responses = [
        await http.get(
            f"{fleet.gateway_url(i)}/auth/challenge", params={"commitment": commitment}, headers=client_ip(3)
        )
        for i in range(4 * GLOBAL_COMMITMENT_PER_MIN)
    ]
    accepted = sum(r.status_code == 200 for r in responses)
    assert accepted == GLOBAL_COMMITMENT_PER_MIN, (
        f"{accepted} challenges for one commitment through 2 auth replicas"
    )
    refused = [r for r in responses if r.status_code == 429]
    assert refused and all(
        r.json()["code"] == "rate_limit_exceeded" and r.headers["retry-after"] for r in refused
    )


async def test_expired_challenges_and_sessions_are_refused_everywhere(
    http: httpx.AsyncClient, fleet: Fleet
) -> None:
    op, wallet = operators()[1], wallets()[0]
    challenge = await http.get(
        f"{fleet.gateway_url(0)}/auth/challenge", params={"commitment": op.commitment}, headers=client_ip(4)
    )
    signature = op.sign_digest(challenge.json()["challenge"]["signing_digest"])
    evm = (
        await http.get(
            f"{fleet.gateway_url(1)}/evm/auth/challenge",
            params={"address": wallet.address},
            headers=client_ip(4),
        )
    ).json()
    evm_body = {
        "address": wallet.address,
        "nonce": evm["nonce"],
        "signature": wallet.sign_session(evm["nonce"], evm["issued_at"], evm["expires_at"]),
    }
    await asyncio.sleep(CHALLENGE_TTL_S + 0.3)  # the challenges' own lifetime
    for g in range(2):
        late = await http.post(
            f"{fleet.gateway_url(g)}/auth/verify",
            json={"commitment": op.commitment, "signature": signature},
            headers=client_ip(4),
        )
        assert late.status_code == 401 and late.json()["code"] == "authentication_failed"
        late = await http.post(f"{fleet.gateway_url(g)}/evm/auth/verify", json=evm_body, headers=client_ip(4))
        assert late.status_code == 401

    challenge = await http.get(
        f"{fleet.gateway_url(0)}/auth/challenge", params={"commitment": op.commitment}, headers=client_ip(5)
    )
    verify = await http.post(
        f"{fleet.gateway_url(1)}/auth/verify",
        json={
            "commitment": op.commitment,
            "signature": op.sign_digest(challenge.json()["challenge"]["signing_digest"]),
        },
        headers=client_ip(5),
    )
    assert verify.status_code == 200
    cookie = verify.headers["set-cookie"].split(";", 1)[0]
    assert f"Max-Age={SESSION_TTL_S}" in verify.headers["set-cookie"]
    assert (
        await http.get(
            f"{fleet.gateway_url(0)}/dashboard/session", headers={"cookie": cookie, **client_ip(5)}
        )
    ).status_code == 200
    await asyncio.sleep(SESSION_TTL_S + 0.3)  # the session's own lifetime
    for g in range(2):
        expired = await http.get(
            f"{fleet.gateway_url(g)}/dashboard/session", headers={"cookie": cookie, **client_ip(5)}
        )
        assert expired.status_code == 401 and expired.json()["code"] == "authentication_failed"
