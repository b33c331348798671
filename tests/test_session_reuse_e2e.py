"""Wallet session checks reused by the gateways (docs/gateway.md "Session reuse"), on real processes: two gateways,
each on its own auth replica, one coordinator on PostgreSQL. A reused check saves auth and the coordinator a call,
yet a logout answered by one gateway is honoured by the other on the very next request, even though the other
reused a check of that session moments before."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from guardian_client import EVM_COOKIE, NO_RETRY, LoginClient
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import Fleet, start_fleet, write_allowlist
from guardian_testing.identities import wallets
from guardian_testing.metrics import METRICS_ENV, metrics_url, scrape

pytestmark = pytest.mark.slow

# Long enough that, without logout waiting it out, the other gateway's reused check would still answer 200.
REUSE_MS = 2000


@pytest.fixture(scope="module")
def fleet(
    module_services: ServiceStarter, run_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Fleet:
    allowlist = tmp_path_factory.mktemp("reuse") / "operators.json"
    write_allowlist(allowlist, [])
    return start_fleet(
        module_services,
        database_url=run_database_url,
        allowlist=allowlist,
        coordinators=1,
        env={
            **METRICS_ENV,
            "GUARDIAN_RATE_LIMIT_ENABLED": "false",
            "GUARDIAN_SESSION_REUSE_MS": str(REUSE_MS),
        },
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def checks(scraper: httpx.Client, fleet: Fleet, gateway: int) -> dict[str, float]:
    samples = scrape(scraper, metrics_url(fleet.gateways[gateway]))
    return {
        outcome: samples.get(f'guardian_session_checks_total{{outcome="{outcome}"}}', 0.0)
        for outcome in ("asked_auth", "reused")
    }


async def session(http: httpx.AsyncClient, fleet: Fleet, gateway: int, token: str) -> httpx.Response:
    return await http.get(
        f"{fleet.gateway_url(gateway)}/evm/session", headers={"cookie": f"{EVM_COOKIE}={token}"}
    )


async def test_logout_on_one_gateway_is_honoured_by_another_that_reused_the_session(
    http: httpx.AsyncClient, fleet: Fleet, scraper: httpx.Client
) -> None:
    wallet = wallets()[0]
    login = LoginClient([fleet.gateway_url(0), fleet.gateway_url(1)], http=http, retry=NO_RETRY)
    token = (await login.wallet_login(wallet)).token
    before = [checks(scraper, fleet, g) for g in range(2)]
    for g in range(2):
        for _ in range(5):
            response = await session(http, fleet, g, token)
            assert response.status_code == 200 and response.json() == {"address": wallet.address}
    after = [checks(scraper, fleet, g) for g in range(2)]
    for g in range(2):
        # One check asked auth; the other four reused it (the window is far longer than this loop).
        assert after[g]["asked_auth"] - before[g]["asked_auth"] == 1
        assert after[g]["reused"] - before[g]["reused"] == 4

    logout = await http.post(
        f"{fleet.gateway_url(0)}/evm/auth/logout", headers={"cookie": f"{EVM_COOKIE}={token}"}
    )
    assert logout.status_code == 200 and logout.json() == {"success": True}
    refused = await session(http, fleet, 1, token)
    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"
    refused = await session(http, fleet, 0, token)
    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"


async def test_a_made_up_token_is_asked_every_time_and_never_kept(
    http: httpx.AsyncClient, fleet: Fleet, scraper: httpx.Client
) -> None:
    before = checks(scraper, fleet, 1)
    for _ in range(3):
        response = await session(http, fleet, 1, "0x" + "ee" * 32)
        assert response.status_code == 401 and response.json()["code"] == "authentication_failed"
    after = checks(scraper, fleet, 1)
    assert after["reused"] == before["reused"]
