"""Operator and wallet logins across replicas: 2 coordinators on one PostgreSQL, 2 auth, 2 gateways.

Every step of a flow is forced onto a different gateway (and so a different auth replica).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import psycopg
import pytest

from guardian_client import EVM_COOKIE, NO_RETRY, OPERATOR_COOKIE, LoginClient
from guardian_testing.fault_proxy import FaultProxy
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import Fleet, start_fleet, write_allowlist
from guardian_testing.identities import OperatorIdentity, WalletIdentity, operators, wallets

pytestmark = pytest.mark.slow

ALL = ["dashboard:read", "accounts:pause"]


@pytest.fixture(scope="module")
def proxy(module_fault_proxy_for: Callable[[str], FaultProxy], run_database_url: str) -> FaultProxy:
    return module_fault_proxy_for(run_database_url)


@pytest.fixture(scope="module")
def allowlist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("allowlist") / "operators.json"
    write_allowlist(path, [(op, ALL) for op in operators()[:2]])
    return path


@pytest.fixture(scope="module")
def fleet(module_services: ServiceStarter, proxy: FaultProxy, allowlist: Path) -> Fleet:
    return start_fleet(
        module_services,
        database_url=proxy.url(),
        allowlist=allowlist,
        env={
            "GUARDIAN_RATE_LIMIT_ENABLED": "false",
            "GUARDIAN_DASHBOARD_COMMITMENT_RATE_BURST_PER_SEC": "1000",
            "GUARDIAN_DASHBOARD_COMMITMENT_RATE_PER_MIN": "100000",
            "GUARDIAN_DB_CONNECT_TIMEOUT_SECONDS": "2",
        },
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def logins(http: httpx.AsyncClient, fleet: Fleet, first: int) -> LoginClient:
    """Logins whose challenge goes to gateway `first` and whose verify goes to the next one."""
    return LoginClient([fleet.gateway_url(first), fleet.gateway_url(first + 1)], http=http, retry=NO_RETRY)


async def operator_login(http: httpx.AsyncClient, fleet: Fleet, op: OperatorIdentity, first: int = 0) -> str:
    session = await logins(http, fleet, first).operator_login(op)
    assert session.operator_id == op.commitment
    return session.token


async def wallet_login(http: httpx.AsyncClient, fleet: Fleet, wallet: WalletIdentity, first: int = 0) -> str:
    session = await logins(http, fleet, first).wallet_login(wallet)
    assert session.address == wallet.address
    return session.token


async def operator_session(http: httpx.AsyncClient, url: str, token: str) -> httpx.Response:
    return await http.get(f"{url}/dashboard/session", headers={"cookie": f"{OPERATOR_COOKIE}={token}"})


async def evm_session(http: httpx.AsyncClient, url: str, token: str) -> httpx.Response:
    return await http.get(f"{url}/evm/session", headers={"cookie": f"{EVM_COOKIE}={token}"})


def assert_envelope(response: httpx.Response, status: int, code: str, retryable: bool | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and isinstance(body["message"], str)
    if retryable is not None:
        assert body["meta"]["retryable"] is retryable


async def test_twenty_operator_and_twenty_wallet_logins_across_replicas(
    http: httpx.AsyncClient, fleet: Fleet
) -> None:
    ops, ws = operators()[:2], wallets()
    # At most 8 challenges may be pending per principal, so keep fewer logins than that in flight.
    in_flight = asyncio.Semaphore(6)

    async def bounded(login: Awaitable[str]) -> str:
        async with in_flight:
            return await login

    operator_tokens = await asyncio.gather(
        *(bounded(operator_login(http, fleet, ops[i % 2], i)) for i in range(20))
    )
    wallet_tokens = await asyncio.gather(
        *(bounded(wallet_login(http, fleet, ws[i % 3], i)) for i in range(20))
    )
    assert len(set(operator_tokens)) == 20 and len(set(wallet_tokens)) == 20
    for i, token in enumerate(operator_tokens):
        for g in range(2):
            response = await operator_session(http, fleet.gateway_url(g), token)
            assert response.status_code == 200, response.text
            assert response.json() == {"operator_id": ops[i % 2].commitment, "permissions": sorted(ALL)}
    for i, token in enumerate(wallet_tokens):
        for g in range(2):
            response = await evm_session(http, fleet.gateway_url(g), token)
            assert response.status_code == 200 and response.json() == {"address": ws[i % 3].address}


async def test_logout_on_one_gateway_is_honoured_by_the_other_at_once(
    http: httpx.AsyncClient, fleet: Fleet
) -> None:
    token = await operator_login(http, fleet, operators()[0])
    logout = await http.post(
        f"{fleet.gateway_url(0)}/auth/logout", headers={"cookie": f"{OPERATOR_COOKIE}={token}"}
    )
    assert logout.status_code == 200 and logout.json() == {"success": True}
    assert any("Max-Age=0" in h for h in logout.headers.get_list("set-cookie"))
    assert_envelope(await operator_session(http, fleet.gateway_url(1), token), 401, "authentication_failed")

    wallet_token = await wallet_login(http, fleet, wallets()[0])
    logout = await http.post(
        f"{fleet.gateway_url(1)}/evm/auth/logout", headers={"cookie": f"{EVM_COOKIE}={wallet_token}"}
    )
    assert logout.status_code == 200
    assert_envelope(await evm_session(http, fleet.gateway_url(0), wallet_token), 401, "authentication_failed")


async def test_one_signed_verify_sent_to_both_gateways_succeeds_exactly_once(
    http: httpx.AsyncClient, fleet: Fleet
) -> None:
    op, wallet = operators()[1], wallets()[1]
    for _ in range(10):
        challenge = await http.get(
            f"{fleet.gateway_url(0)}/auth/challenge", params={"commitment": op.commitment}
        )
        body = {
            "commitment": op.commitment,
            "signature": op.sign_digest(challenge.json()["challenge"]["signing_digest"]),
        }
        results = await asyncio.gather(
            *(http.post(f"{fleet.gateway_url(g)}/auth/verify", json=body) for g in range(2))
        )
        assert sorted(r.status_code for r in results) == [200, 401]

        c = (
            await http.get(f"{fleet.gateway_url(1)}/evm/auth/challenge", params={"address": wallet.address})
        ).json()
        body = {
            "address": wallet.address,
            "nonce": c["nonce"],
            "signature": wallet.sign_session(c["nonce"], c["issued_at"], c["expires_at"]),
        }
        results = await asyncio.gather(
            *(http.post(f"{fleet.gateway_url(g)}/evm/auth/verify", json=body) for g in range(2))
        )
        assert sorted(r.status_code for r in results) == [200, 401]


async def test_removed_operator_is_revoked_for_good_and_permissions_apply_at_once(
    http: httpx.AsyncClient, fleet: Fleet
) -> None:
    first, second = operators()[0], operators()[1]
    token = await operator_login(http, fleet, second)
    write_allowlist(fleet.allowlist, [(first, ALL), (second, ["dashboard:read"])])
    assert (await operator_session(http, fleet.gateway_url(1), token)).json()["permissions"] == [
        "dashboard:read"
    ]

    write_allowlist(fleet.allowlist, [(first, ALL)])
    assert_envelope(await operator_session(http, fleet.gateway_url(0), token), 401, "authentication_failed")
    write_allowlist(fleet.allowlist, [(first, ALL), (second, ALL)])
    for g in range(2):
        assert_envelope(
            await operator_session(http, fleet.gateway_url(g), token), 401, "authentication_failed"
        )
    fresh = await operator_login(http, fleet, second)
    assert (await operator_session(http, fleet.gateway_url(1), fresh)).status_code == 200


async def test_unknown_commitment_gets_a_decoy_and_nothing_is_stored(
    http: httpx.AsyncClient, fleet: Fleet, run_database_url: str
) -> None:
    unknown = operators()[2].commitment
    decoy = await http.get(f"{fleet.gateway_url(0)}/auth/challenge", params={"commitment": unknown})
    real = await http.get(
        f"{fleet.gateway_url(0)}/auth/challenge", params={"commitment": operators()[0].commitment}
    )
    assert decoy.status_code == real.status_code == 200
    assert set(decoy.json()["challenge"]) == set(real.json()["challenge"])
    malformed = await http.get(f"{fleet.gateway_url(1)}/auth/challenge", params={"commitment": "0xnot-hex"})
    assert malformed.status_code == 200 and malformed.json()["challenge"]["commitment"] == "0xnot-hex"
    with psycopg.connect(run_database_url) as conn:
        rows = conn.execute(
            "SELECT count(*) FROM auth_challenges WHERE principal IN (%s, %s)", (unknown, "0xnot-hex")
        ).fetchone()
    assert rows == (0,)


async def test_store_outage_fails_closed_everywhere_and_recovers_without_restarts(
    http: httpx.AsyncClient, fleet: Fleet, proxy: FaultProxy
) -> None:
    op, wallet = operators()[0], wallets()[2]
    token = await operator_login(http, fleet, op)
    wallet_token = await wallet_login(http, fleet, wallet)
    challenge = await http.get(f"{fleet.gateway_url(0)}/auth/challenge", params={"commitment": op.commitment})
    pending_signature = op.sign_digest(challenge.json()["challenge"]["signing_digest"])

    proxy.cut()
    try:
        for g in range(2):
            url = fleet.gateway_url(g)
            for response in [
                await http.get(f"{url}/auth/challenge", params={"commitment": op.commitment}),
                await http.post(
                    f"{url}/auth/verify", json={"commitment": op.commitment, "signature": pending_signature}
                ),
                await operator_session(http, url, token),
                await http.post(f"{url}/auth/logout", headers={"cookie": f"{OPERATOR_COOKIE}={token}"}),
                await http.get(f"{url}/evm/auth/challenge", params={"address": wallet.address}),
                await evm_session(http, url, wallet_token),
                await http.post(f"{url}/evm/auth/logout", headers={"cookie": f"{EVM_COOKIE}={wallet_token}"}),
            ]:
                assert_envelope(response, 500, "storage_error", retryable=True)
                assert not response.headers.get_list("set-cookie"), (
                    "no cookie is set or cleared while failing"
                )
    finally:
        proxy.restore()

    # Back without restarting anything; the session survived and the pending challenge is still good.
    for attempt in range(5):
        response = await operator_session(http, fleet.gateway_url(attempt), token)
        if response.status_code == 200:
            break
        assert_envelope(response, 500, "storage_error", retryable=True)
    assert response.status_code == 200
    verify = await http.post(
        f"{fleet.gateway_url(1)}/auth/verify",
        json={"commitment": op.commitment, "signature": pending_signature},
    )
    assert verify.status_code == 200
    logout = await http.post(
        f"{fleet.gateway_url(0)}/auth/logout", headers={"cookie": f"{OPERATOR_COOKIE}={token}"}
    )
    assert logout.status_code == 200
    assert all(p.popen.poll() is None for p in fleet.coordinators + fleet.auth + fleet.gateways)


async def test_disabled_limiter_never_answers_429(http: httpx.AsyncClient, fleet: Fleet) -> None:
    responses = await asyncio.gather(*(http.get(f"{fleet.gateway_url(i)}/status") for i in range(100)))
    assert {r.status_code for r in responses} == {200}


async def test_bad_input_gets_the_documented_envelope_and_writes_nothing(
    http: httpx.AsyncClient, fleet: Fleet, run_database_url: str
) -> None:
    url, op = fleet.gateway_url(0), operators()[0]
    with psycopg.connect(run_database_url) as conn:
        before = conn.execute(
            "SELECT (SELECT count(*) FROM auth_sessions), (SELECT count(*) FROM auth_challenges)"
        ).fetchone()
    good_sig = "0x" + "00" * 1524
    cases = [
        await http.post(f"{url}/auth/verify", json={"commitment": op.commitment, "signature": "0x1234"}),
        await http.post(f"{url}/auth/verify", json={"commitment": op.commitment, "signature": good_sig}),
        await http.post(f"{url}/auth/verify", json={"commitment": "nonsense", "signature": good_sig}),
        await http.post(
            f"{url}/auth/verify", json={"commitment": operators()[2].commitment, "signature": good_sig}
        ),
        await operator_session(http, url, "f" * 64),
        await operator_session(http, url, "not-a-token"),
        await http.get(f"{url}/dashboard/session"),
        await evm_session(http, url, "0x" + "a" * 64),
        await evm_session(http, url, "garbage"),
    ]
    for response in cases:
        assert_envelope(response, 401, "authentication_failed", retryable=False)
    assert_envelope(
        await http.get(f"{url}/evm/auth/challenge", params={"address": "0x1234"}), 400, "invalid_input"
    )
    assert_envelope(
        await http.get(f"{url}/evm/auth/challenge", params={"address": "0X" + "a" * 40}), 400, "invalid_input"
    )
    bad_sig = await http.post(
        f"{url}/evm/auth/verify",
        json={"address": wallets()[0].address, "nonce": "0x" + "1" * 64, "signature": "0x12"},
    )
    assert_envelope(bad_sig, 400, "invalid_evm_proposal")
    for response in [
        await http.get(f"{url}/auth/challenge"),
        await http.get(f"{url}/evm/auth/challenge"),
        await http.post(
            f"{url}/auth/verify", content=b"{not json", headers={"content-type": "application/json"}
        ),
        await http.post(f"{url}/auth/verify", json={"commitment": op.commitment}),
        await http.post(f"{url}/evm/auth/verify", json=["a"]),
    ]:
        assert 400 <= response.status_code < 500 and set(response.json()) == {"code", "message", "meta"}, (
            response.text
        )
    huge = await http.post(
        f"{url}/auth/verify",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413 and set(huge.json()) == {"code", "message", "meta"}
    with psycopg.connect(run_database_url) as conn:
        after = conn.execute(
            "SELECT (SELECT count(*) FROM auth_sessions), (SELECT count(*) FROM auth_challenges)"
        ).fetchone()
    assert after == before
