"""The dashboard's proposal feeds (issue 17 item 1) through real processes: two coordinators on PostgreSQL, two
auth replicas, two gateways sharing the cursor key. Proposals made through the client routes appear in
/dashboard/proposals and /dashboard/accounts/{id}/proposals as ProposalEntry objects; keyset pages walked
across both gateways see each pending proposal once in the documented order; superseded ones are flagged,
finalized ones leave; cursors are bound to their feed and account."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as cpb
from guardian_client import NO_RETRY, Cosigner, LoginClient, auth_config, delta_body, new_account_id
from guardian_client.proposals import create_proposal_call, sign_proposal_call
from guardian_network import JsonNetwork
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import Api
from guardian_testing.fleet import Fleet, custody_fleet_fixture
from guardian_testing.identities import operators

pytestmark = pytest.mark.slow

NETWORK = JsonNetwork()


fleet = custody_fleet_fixture(
    "proposal-feeds",
    operators=lambda: [(operators()[1], ["dashboard:read"])],
    env={"GUARDIAN_DASHBOARD_CURSOR_SECRET": secrets.token_hex(32)},
)


@pytest.fixture
async def api(fleet: Fleet) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Api(http, [fleet.gateway_url(i) for i in range(len(fleet.gateways))])


async def reader_headers(api: Api) -> dict[str, str]:
    session = await LoginClient(api.url(0), http=api.http, retry=NO_RETRY).operator_login(operators()[1])
    api.http.cookies.clear()
    return session.headers


async def walk(api: Api, headers: dict[str, str], path: str, limit: int) -> list[dict[str, Any]]:
    """Every page of a feed, alternating gateways."""
    items: list[dict[str, Any]] = []
    cursor = None
    page = 0
    while True:
        params = {"limit": str(limit)} if cursor is None else {"limit": str(limit), "cursor": cursor}
        response = await api.http.get(f"{api.url(page % 2)}{path}", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor, page = body["next_cursor"], page + 1
        if cursor is None:
            return items


async def test_feeds_list_pending_proposals_in_keyset_pages(api: Api, fleet: Fleet) -> None:
    signers = [Cosigner.ecdsa(), Cosigner.ecdsa()]
    accounts = [new_account_id(), new_account_id()]
    state = {"v": 0}
    made: dict[str, dict[str, Any]] = {}
    headers = await reader_headers(api)
    in_flight = await info_in_flight(api, headers)
    for account_id in accounts:
        await api.client.configure(signers[0], account_id, state, auth=auth_config(*signers))
        for nonce in (1, 2):
            for variant in (1, 2):
                call = create_proposal_call(account_id, nonce, {"v": nonce, "w": variant})
                created = await api.client.send(call, signers[0], base_url=api.url(nonce))
                assert created.status_code == 200, created.text
                made[created.json()["commitment"]] = created.json()["delta"]
    assert await info_in_flight(api, headers) == in_flight + len(made)
    first = accounts[0]
    signed_one = next(c for c, p in made.items() if p["account_id"] == first)
    sign = await api.client.send(sign_proposal_call(first, signed_one), signers[1], base_url=api.url(1))
    assert sign.status_code == 200, sign.text

    for limit in (1, 3, 50):
        entries = await walk(api, headers, f"/dashboard/accounts/{first}/proposals", limit)
        mine = sorted(
            (p for p in made.values() if p["account_id"] == first),
            key=lambda p: (p["nonce"], p["commitment"]),
            reverse=True,
        )
        assert [e["commitment"] for e in entries] == [p["commitment"] for p in mine]
        for entry in entries:
            proposal = made[entry["commitment"]]
            assert "account_id" not in entry
            assert entry["nonce"] == proposal["nonce"] and entry["prev_commitment"] == NETWORK.commitment(
                state
            )
            assert entry["new_commitment"] == proposal["new_commitment"]
            assert entry["proposer_id"] == signers[0].commitment and entry["signatures_required"] == 2
            assert entry["signatures_collected"] == (1 if entry["commitment"] == signed_one else 0)
            assert entry["originating_timestamp"] == proposal["status"]["timestamp"]
            assert entry["proposal_type"] is None and entry["superseded"] is False

    for limit in (2, 500):
        feed = await walk(api, headers, "/dashboard/proposals", limit)
        keys = [(e["originating_timestamp"], e["account_id"], e["nonce"], e["commitment"]) for e in feed]
        assert len(set(keys)) == len(keys)
        # originating_timestamp DESC (RFC 3339 with fixed digits sorts as text), then the rest ASC.
        assert keys == sorted(keys, key=lambda k: (_desc(k[0]), k[1], k[2], k[3]))
        assert {e["commitment"] for e in feed if e["account_id"] in accounts} == set(made)

    # The account's state moves on (one proposal pushed and promoted): the pushed one leaves the feeds,
    # the others stay, flagged superseded.
    pushed = next(p for p in made.values() if p["account_id"] == first and p["nonce"] == 1)
    body = delta_body(first, 1, pushed["prev_commitment"], pushed["delta_payload"]["patch"])
    assert (await api.push(signers[0], body)).status_code == 200
    new_state = {**state, **pushed["delta_payload"]["patch"]}
    async with CoordinatorClient(fleet.coordinator_target) as coordinator:
        lease = await coordinator.leases.Acquire(
            cpb.AcquireRequest(name=f"test-{secrets.token_hex(4)}", holder_id="test", ttl_ms=60_000)
        )
        promoted = await coordinator.custody.Promote(
            cpb.PromoteRequest(
                lease=lease.lease,
                account_id=first,
                nonce=1,
                source_kind=cpb.DELTA_KIND_CANDIDATE,
                new_commitment=NETWORK.commitment(new_state),
                new_state_json=json.dumps(new_state),
            )
        )
        assert promoted.outcome == cpb.WRITE_OUTCOME_APPLIED
    entries = await walk(api, headers, f"/dashboard/accounts/{first}/proposals", 2)
    assert pushed["commitment"] not in {e["commitment"] for e in entries}
    assert len(entries) == 3 and all(e["superseded"] for e in entries)
    others = await walk(api, headers, f"/dashboard/accounts/{accounts[1]}/proposals", 2)
    assert len(others) == 4 and not any(e["superseded"] for e in others)
    # In flight: the viable pending ones (the pushed one is finalized, three are superseded).
    assert await info_in_flight(api, headers) == in_flight + 4


async def info_in_flight(api: Api, headers: dict[str, str]) -> int:
    info = await api.http.get(f"{api.url(1)}/dashboard/info", headers=headers)
    assert info.status_code == 200, info.text
    count: int = info.json()["in_flight_proposal_count"]
    return count


def _desc(moment: str) -> str:
    """A key that sorts RFC 3339 instants (same format) newest first."""
    return "".join(chr(0x10FFFF - ord(c)) for c in moment)


async def test_cursors_are_bound_to_their_feed_and_account(api: Api) -> None:
    signer = Cosigner.ecdsa()
    accounts = [new_account_id(), new_account_id()]
    for account_id in accounts:
        await api.client.configure(signer, account_id, {"v": 0})
        for variant in range(3):
            call = create_proposal_call(account_id, 1, {"w": variant})
            assert (await api.client.send(call, signer, base_url=api.url(0))).status_code == 200
    headers = await reader_headers(api)
    first_page = await api.http.get(
        f"{api.url(0)}/dashboard/accounts/{accounts[0]}/proposals", params={"limit": "1"}, headers=headers
    )
    account_cursor = first_page.json()["next_cursor"]
    global_page = await api.http.get(
        f"{api.url(1)}/dashboard/proposals", params={"limit": "1"}, headers=headers
    )
    global_cursor = global_page.json()["next_cursor"]
    assert account_cursor and global_cursor
    refused = [
        (f"/dashboard/accounts/{accounts[1]}/proposals", account_cursor),  # another account
        (f"/dashboard/accounts/{accounts[0]}/proposals", global_cursor),  # another feed
        ("/dashboard/proposals", account_cursor),
        ("/dashboard/proposals", global_cursor[:-3]),
    ]
    for path, cursor in refused:
        for gateway in (0, 1):
            response = await api.http.get(
                f"{api.url(gateway)}{path}", params={"cursor": cursor}, headers=headers
            )
            assert response.status_code == 400 and response.json()["code"] == "invalid_cursor", response.text
    missing = await api.http.get(
        f"{api.url(0)}/dashboard/accounts/{new_account_id()}/proposals", headers=headers
    )
    assert missing.status_code == 404 and missing.json()["code"] == "account_not_found"
