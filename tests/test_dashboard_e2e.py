"""Issue 5 tests 4, 5 and 6 (dashboard part) through real processes: 2 coordinators on a fresh PostgreSQL
database, 2 auth replicas, 2 gateways sharing GUARDIAN_DASHBOARD_CURSOR_SECRET and 2 gateways without it.

4. Pagination across replicas: 100 page transitions alternating gateways continue correctly; tampered and
   wrong-kind cursors → 400 invalid_cursor on every gateway; without the shared secret, a cursor minted
   by one gateway is refused by another.
5. Permissions: dashboard:read for reads, accounts:pause for pause/unpause, 403 with the sorted
   missing_permissions otherwise; pause and unpause are idempotent and audited.
6. Bad dashboard input → the documented 4xx envelope, nothing written.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as cpb
from guardian_client import NO_RETRY, LoginClient
from guardian_network import JsonNetwork
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.database import DatabaseServer
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import Fleet, start_fleet, write_allowlist
from guardian_testing.identities import OperatorIdentity, operators

pytestmark = pytest.mark.slow

ACCOUNTS = 101
CURSOR_SECRET = secrets.token_hex(32)
NETWORK = JsonNetwork()


@pytest.fixture(scope="module")
def database_url(db_server: DatabaseServer) -> str:
    return db_server.create_database()


@pytest.fixture(scope="module")
def fleet(
    module_services: ServiceStarter, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Fleet:
    allowlist = tmp_path_factory.mktemp("dashboard") / "operators.json"
    admin, reader, nobody = operators()
    write_allowlist(
        allowlist, [(admin, ["dashboard:read", "accounts:pause"]), (reader, ["dashboard:read"]), (nobody, [])]
    )
    env = {
        "GUARDIAN_RATE_LIMIT_ENABLED": "false",
        "GUARDIAN_DASHBOARD_COMMITMENT_RATE_BURST_PER_SEC": "1000",
        "GUARDIAN_DASHBOARD_COMMITMENT_RATE_PER_MIN": "100000",
    }
    fleet = start_fleet(
        module_services,
        database_url=database_url,
        allowlist=allowlist,
        env={**env, "GUARDIAN_DASHBOARD_CURSOR_SECRET": CURSOR_SECRET},
    )
    # Two more gateways without the shared secret: each signs cursors with its own random key.
    for i in range(2):
        fleet.gateways.append(
            module_services.one(
                "guardian-gateway",
                f"guardian-gateway-ephemeral-{i}",
                GUARDIAN_COORDINATOR_TARGET=fleet.coordinator_target,
                GUARDIAN_AUTH_TARGET=fleet.auth[i].grpc_target,
                **env,
            )
        )
    return fleet


async def _seed(target: str) -> list[str]:
    """ACCOUNTS accounts, each with one candidate delta (written straight into the coordinator)."""
    async with CoordinatorClient(target) as coordinator:

        async def one(i: int) -> str:
            account_id = "0x" + f"{i:04x}" + secrets.token_hex(13)
            state = {"i": i}
            auth = {"MidenEcdsa": {"cosigner_commitments": ["0x" + f"{i:064x}"]}}
            await coordinator.custody.ConfigureAccount(
                cpb.ConfigureAccountRequest(
                    account_id=account_id,
                    auth_json=json.dumps(auth),
                    network_config_json="{}",
                    initial_state_json=json.dumps(state),
                    initial_commitment=NETWORK.commitment(state),
                )
            )
            submitted = await coordinator.custody.SubmitCandidate(
                cpb.SubmitCandidateRequest(
                    account_id=account_id,
                    nonce=0,
                    prev_commitment=NETWORK.commitment(state),
                    new_commitment=NETWORK.commitment({"i": i + 1}),
                    delta_payload_json=json.dumps({"patch": {"i": i + 1}}),
                )
            )
            assert submitted.outcome == cpb.SUBMIT_OUTCOME_SUBMITTED
            return account_id

        return list(await asyncio.gather(*(one(i) for i in range(ACCOUNTS))))


@pytest.fixture(scope="module")
def seeded(fleet: Fleet) -> list[str]:
    return asyncio.run(_seed(fleet.coordinator_target))


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def login(http: httpx.AsyncClient, url: str, op: OperatorIdentity) -> dict[str, str]:
    session = await LoginClient(url, http=http, retry=NO_RETRY).operator_login(op)
    http.cookies.clear()  # httpx kept the cookie; every request names its operator explicitly
    return session.headers


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code and isinstance(body["message"], str) and body["meta"]["retryable"] is False
    return body


def urls(fleet: Fleet) -> list[str]:
    return [f"http://{g.addresses['http']}" for g in fleet.gateways]


async def walk(
    http: httpx.AsyncClient, gateways: list[str], path: str, cookie: dict[str, str], **params: str
) -> tuple[list[dict[str, Any]], int]:
    """Follows next_cursor to the end, one gateway after the other; returns the items and transitions."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    transitions = 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = await http.get(f"{gateways[transitions % len(gateways)]}{path}", params=query, headers=cookie)
        assert page.status_code == 200, page.text
        items.extend(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items, transitions
        transitions += 1


def tampered(cursor: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[5] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


# ------------------------------------------------------------------------------------------------ test 4


async def test_cursors_continue_across_gateways_sharing_the_secret(
    http: httpx.AsyncClient, fleet: Fleet, seeded: list[str]
) -> None:
    shared = urls(fleet)[:2]
    cookie = await login(http, shared[0], operators()[1])
    everything = (
        await http.get(f"{shared[1]}/dashboard/deltas", params={"limit": "500"}, headers=cookie)
    ).json()
    assert everything["next_cursor"] is None and len(everything["items"]) == ACCOUNTS
    keys = [(d["status_timestamp"], d["account_id"], d["nonce"]) for d in everything["items"]]
    by_key = sorted(keys, key=lambda k: (k[1], k[2]))
    assert keys == sorted(
        by_key, key=lambda k: k[0], reverse=True
    )  # status_timestamp DESC, id ASC, nonce ASC

    items, transitions = await walk(http, shared, "/dashboard/deltas", cookie, limit="1", status="candidate")
    assert transitions == 100
    assert items == everything["items"]

    accounts, transitions = await walk(http, shared, "/dashboard/accounts", cookie, limit="2")
    assert transitions == 50 and sorted(a["account_id"] for a in accounts) == sorted(seeded)
    assert all(a["has_pending_candidate"] and a["auth_scheme"] == "ecdsa" for a in accounts)


async def test_tampered_and_wrong_kind_cursors_are_refused_everywhere(
    http: httpx.AsyncClient, fleet: Fleet, seeded: list[str]
) -> None:
    gateways = urls(fleet)
    cookie = await login(http, gateways[0], operators()[1])
    deltas_cursor = (
        await http.get(f"{gateways[0]}/dashboard/deltas", params={"limit": "3"}, headers=cookie)
    ).json()["next_cursor"]
    accounts_cursor = (
        await http.get(f"{gateways[1]}/dashboard/accounts", params={"limit": "3"}, headers=cookie)
    ).json()["next_cursor"]
    assert deltas_cursor and accounts_cursor
    refused = [
        ("/dashboard/deltas", {"cursor": tampered(deltas_cursor)}),
        ("/dashboard/deltas", {"cursor": deltas_cursor[:-2]}),
        ("/dashboard/deltas", {"cursor": "not a cursor!"}),
        ("/dashboard/deltas", {"cursor": accounts_cursor}),  # another feed
        ("/dashboard/deltas", {"cursor": deltas_cursor, "status": "canonical"}),  # another filter
        ("/dashboard/accounts", {"cursor": deltas_cursor}),
        ("/dashboard/accounts", {"cursor": accounts_cursor, "paused": "true"}),
        (f"/dashboard/accounts/{seeded[0]}/deltas", {"cursor": deltas_cursor}),
        ("/dashboard/proposals", {"cursor": deltas_cursor}),
        (f"/dashboard/accounts/{seeded[0]}/proposals", {"cursor": accounts_cursor}),
    ]
    for url in gateways:
        for path, params in refused:
            assert_envelope(
                await http.get(f"{url}{path}", params=params, headers=cookie), 400, "invalid_cursor"
            )


async def test_without_the_shared_secret_a_cursor_only_works_where_it_was_minted(
    http: httpx.AsyncClient, fleet: Fleet, seeded: list[str]
) -> None:
    first, second = urls(fleet)[2:]
    cookie = await login(http, first, operators()[1])
    cursor = (await http.get(f"{first}/dashboard/deltas", params={"limit": "5"}, headers=cookie)).json()[
        "next_cursor"
    ]
    same = await http.get(
        f"{first}/dashboard/deltas", params={"limit": "5", "cursor": cursor}, headers=cookie
    )
    assert same.status_code == 200 and len(same.json()["items"]) == 5
    assert_envelope(
        await http.get(f"{second}/dashboard/deltas", params={"limit": "5", "cursor": cursor}, headers=cookie),
        400,
        "invalid_cursor",
    )


# ------------------------------------------------------------------------------------------------ test 5


async def test_permissions_gate_reads_and_pause(
    http: httpx.AsyncClient, fleet: Fleet, seeded: list[str]
) -> None:
    url = urls(fleet)[0]
    account = seeded[1]
    reads = [
        "/dashboard/info",
        "/dashboard/accounts",
        f"/dashboard/accounts/{account}",
        f"/dashboard/accounts/{account}/deltas",
        f"/dashboard/accounts/{account}/deltas/0",
        f"/dashboard/accounts/{account}/proposals",
        "/dashboard/deltas",
        "/dashboard/proposals",
    ]
    writes = [f"/dashboard/accounts/{account}/pause", f"/dashboard/accounts/{account}/unpause"]
    reader = await login(http, url, operators()[1])
    nobody = await login(http, url, operators()[2])
    for path in reads:
        assert (await http.get(f"{url}{path}", headers=reader)).status_code == 200, path
        denied = assert_envelope(
            await http.get(f"{url}{path}", headers=nobody), 403, "GUARDIAN_INSUFFICIENT_OPERATOR_PERMISSION"
        )
        assert denied["meta"]["missing_permissions"] == ["dashboard:read"]
        assert_envelope(await http.get(f"{url}{path}"), 401, "authentication_failed")
    for path in writes:
        for cookie in (reader, nobody):
            denied = assert_envelope(
                await http.post(f"{url}{path}", json={"reason": "x"}, headers=cookie),
                403,
                "GUARDIAN_INSUFFICIENT_OPERATOR_PERMISSION",
            )
            assert denied["meta"]["missing_permissions"] == ["accounts:pause"]
        assert_envelope(await http.post(f"{url}{path}", json={"reason": "x"}), 401, "authentication_failed")


async def test_pause_and_unpause_are_idempotent_and_audited(
    http: httpx.AsyncClient, fleet: Fleet, seeded: list[str]
) -> None:
    gateways = urls(fleet)
    admin = operators()[0]
    cookie = await login(http, gateways[0], admin)
    account = seeded[2]
    base = f"/dashboard/accounts/{account}"

    first = await http.post(f"{gateways[0]}{base}/pause", json={"reason": "incident 42"}, headers=cookie)
    assert first.status_code == 200, first.text
    assert first.json()["before_state"] == "active" and first.json()["after_state"] == "paused"
    again = await http.post(f"{gateways[1]}{base}/pause", json={"reason": "other"}, headers=cookie)
    assert again.json()["before_state"] == "paused" and again.json()["after_state"] == "paused"
    assert again.json()["paused_at"] == first.json()["paused_at"]
    assert again.json()["paused_reason"] == "incident 42"

    detail = (await http.get(f"{gateways[1]}{base}", headers=cookie)).json()
    assert detail["paused_at"] == first.json()["paused_at"] and detail["paused_reason"] == "incident 42"
    paused = (
        await http.get(f"{gateways[0]}/dashboard/accounts", params={"paused": "true"}, headers=cookie)
    ).json()
    assert [a["account_id"] for a in paused["items"]] == [account]

    resumed = await http.post(f"{gateways[0]}{base}/unpause", headers=cookie)  # no body at all
    assert resumed.status_code == 200, resumed.text
    assert resumed.json() == {
        "account_id": account,
        "before_state": "paused",
        "after_state": "active",
        "reason": None,
    }
    noop = await http.post(f"{gateways[1]}{base}/unpause", json={"reason": "double check"}, headers=cookie)
    assert noop.json()["before_state"] == "active" and noop.json()["reason"] == "double check"

    async with CoordinatorClient(fleet.coordinator_target) as coordinator:
        audit = await coordinator.custody.ListAdminActions(
            cpb.ListAdminActionsRequest(account_id=account, limit=10)
        )
    trail = [
        (a.action, a.before_state, a.after_state, a.reason, a.operator_commitment) for a in audit.actions
    ]
    assert trail[::-1] == [
        ("accounts.pause", "active", "paused", "incident 42", admin.commitment),
        ("accounts.pause", "paused", "paused", "other", admin.commitment),
        ("accounts.unpause", "paused", "active", "", admin.commitment),
        ("accounts.unpause", "active", "active", "double check", admin.commitment),
    ]


# ------------------------------------------------------------------------------------------------ test 6


def _snapshot(database_url: str) -> list[Any]:
    with psycopg.connect(database_url) as conn:
        return [
            conn.execute(
                f"SELECT md5(coalesce(string_agg(to_jsonb(t)::text, ',' ORDER BY 1), '')) FROM {table} t"
            ).fetchone()
            for table in ("account_metadata", "states", "deltas", "admin_actions")
        ]


async def test_bad_dashboard_input_is_a_4xx_envelope_and_writes_nothing(
    http: httpx.AsyncClient, fleet: Fleet, seeded: list[str], database_url: str, tmp_path: Path
) -> None:
    url = urls(fleet)[1]
    cookie = await login(http, url, operators()[0])
    account = seeded[3]
    unknown = "0x" + "ee" * 15
    before = _snapshot(database_url)
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("GET", "/dashboard/accounts", {"params": {"limit": "0"}}, 400, "invalid_limit"),
        ("GET", "/dashboard/accounts", {"params": {"limit": "501"}}, 400, "invalid_limit"),
        ("GET", "/dashboard/deltas", {"params": {"limit": "ten"}}, 400, "invalid_limit"),
        ("GET", "/dashboard/proposals", {"params": {"limit": "-1"}}, 400, "invalid_limit"),
        ("GET", "/dashboard/deltas", {"params": {"status": "pending"}}, 400, "invalid_status_filter"),
        ("GET", "/dashboard/deltas", {"params": {"status": "candidate,"}}, 400, "invalid_status_filter"),
        ("GET", "/dashboard/accounts", {"params": {"paused": "yes"}}, 400, "invalid_input"),
        ("GET", "/dashboard/accounts/0xNOPE", {}, 400, "invalid_input"),
        ("GET", f"/dashboard/accounts/{unknown}", {}, 404, "account_not_found"),
        ("GET", f"/dashboard/accounts/{unknown}/deltas", {}, 404, "account_not_found"),
        ("GET", f"/dashboard/accounts/{account}/deltas/01", {}, 400, "invalid_input"),
        ("GET", f"/dashboard/accounts/{account}/deltas/+1", {}, 400, "invalid_input"),
        ("GET", f"/dashboard/accounts/{account}/deltas/{1 << 63}", {}, 400, "invalid_input"),
        ("GET", f"/dashboard/accounts/{account}/deltas/7", {}, 404, "delta_not_found"),
        ("GET", f"/dashboard/accounts/{account}/snapshot", {}, 400, "unsupported_for_network"),
        ("POST", f"/dashboard/accounts/{account}/pause", {"json": {}}, 400, "invalid_input"),
        ("POST", f"/dashboard/accounts/{account}/pause", {"json": {"reason": "   "}}, 400, "invalid_input"),
        (
            "POST",
            f"/dashboard/accounts/{account}/pause",
            {"json": {"reason": "r" * 513}},
            400,
            "invalid_input",
        ),
        ("POST", f"/dashboard/accounts/{account}/pause", {"json": {"reason": 5}}, 400, "invalid_input"),
        (
            "POST",
            f"/dashboard/accounts/{account}/pause",
            {"content": b"{", "headers": {"content-type": "application/json"}},
            400,
            "invalid_input",
        ),
        (
            "POST",
            f"/dashboard/accounts/{account}/pause",
            {"content": b'{"reason":"x"}', "headers": {"content-type": "text/plain"}},
            415,
            "unsupported_media_type",
        ),
        ("POST", f"/dashboard/accounts/{account}/unpause", {"json": {"reason": ""}}, 400, "invalid_input"),
        ("POST", f"/dashboard/accounts/{unknown}/pause", {"json": {"reason": "x"}}, 404, "account_not_found"),
        ("POST", f"/dashboard/accounts/{unknown}/unpause", {}, 404, "account_not_found"),
    ]
    for method, path, options, status, code in cases:
        headers = {**cookie, **options.pop("headers", {})}
        response = await http.request(method, f"{url}{path}", headers=headers, **options)
        assert_envelope(response, status, code)
    assert _snapshot(database_url) == before
