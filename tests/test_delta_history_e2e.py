"""GET /delta/history (issue 17 item 2) through real processes: one coordinator on PostgreSQL, two auth
replicas, two gateways sharing a cursor key. Paging alternates gateways and sees every canonical delta once,
newest first; candidates stay out; the limit and the cursor are checked before the signature; a cursor is
bound to its kind and account; HEAD answers like GET."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as cpb
from guardian_client import Cosigner, SignedCall, delta_body, new_account_id
from guardian_gateway.domain.cursors import CursorCodec, CursorKind
from guardian_network import JsonNetwork
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import Api
from guardian_testing.fleet import Fleet, custody_fleet_fixture

pytestmark = pytest.mark.slow

NETWORK = JsonNetwork()
CANONICAL = 7


fleet = custody_fleet_fixture(
    "history", env={"GUARDIAN_DASHBOARD_CURSOR_SECRET": secrets.token_hex(32)}, coordinators=1
)


@pytest.fixture
async def api(fleet: Fleet) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Api(http, [fleet.gateway_url(i) for i in range(len(fleet.gateways))])


def history_call(account_id: str, limit: str | None = None, cursor: str | None = None) -> SignedCall:
    """Signed payload: the query as sent, absent keys left out, `limit` as a string."""
    query = {"account_id": account_id}
    if limit is not None:
        query["limit"] = limit
    if cursor is not None:
        query["cursor"] = cursor
    return SignedCall("GET", "/delta/history", account_id, dict(query), params=query, idempotent=True)


async def history(
    api: Api,
    signer: Cosigner,
    account_id: str,
    gateway: int,
    limit: str | None = None,
    cursor: str | None = None,
) -> httpx.Response:
    return await api.client.send(history_call(account_id, limit, cursor), signer, base_url=api.url(gateway))


async def promote(target: str, account_id: str, nonce: int, new_state: dict[str, Any]) -> str:
    """What the canonicalizer does: a fenced promotion of the candidate."""
    async with CoordinatorClient(target) as coordinator:
        acquired = await coordinator.leases.Acquire(
            cpb.AcquireRequest(name=f"test-{secrets.token_hex(4)}", holder_id="test", ttl_ms=60_000)
        )
        commitment = NETWORK.commitment(new_state)
        reply = await coordinator.custody.Promote(
            cpb.PromoteRequest(
                lease=acquired.lease,
                account_id=account_id,
                nonce=nonce,
                source_kind=cpb.DELTA_KIND_CANDIDATE,
                new_commitment=commitment,
                new_state_json=json.dumps(new_state),
            )
        )
        assert reply.outcome == cpb.WRITE_OUTCOME_APPLIED
        return commitment


async def account_with_history(api: Api, fleet: Fleet, signer: Cosigner) -> tuple[str, dict[int, str]]:
    """An account with CANONICAL canonical deltas (nonces 1..CANONICAL) and one pending candidate after them;
    returns the new commitment of each canonical nonce."""
    account_id = new_account_id()
    state: dict[str, Any] = {"balance": 0}
    await api.client.configure(signer, account_id, state)
    commitment, commitments = NETWORK.commitment(state), {}
    for nonce in range(1, CANONICAL + 1):
        pushed = await api.push(signer, delta_body(account_id, nonce, commitment, {"balance": nonce}))
        assert pushed.status_code == 200, pushed.text
        commitment = await promote(fleet.coordinator_target, account_id, nonce, {"balance": nonce})
        commitments[nonce] = commitment
    candidate = delta_body(account_id, CANONICAL + 1, commitment, {"balance": -1})
    assert (await api.push(signer, candidate)).status_code == 200
    return account_id, commitments


def assert_envelope(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and isinstance(body["message"], str)
    assert isinstance(body["meta"]["retryable"], bool)


async def test_paging_across_gateways_sees_every_canonical_delta_once(api: Api, fleet: Fleet) -> None:
    signer = Cosigner.ecdsa()
    account_id, commitments = await account_with_history(api, fleet, signer)

    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        response = await history(api, signer, account_id, gateway=pages % 2, limit="2", cursor=cursor)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"items", "next_cursor"}
        for item in body["items"]:
            assert set(item) == {
                "nonce",
                "status",
                "timestamp",
                "new_commitment",
                "input_notes",
                "output_notes",
            }
            assert item["status"] == "canonical" and item["input_notes"] == item["output_notes"] == []
            assert item["new_commitment"] == commitments[item["nonce"]]
            assert item["timestamp"].endswith("Z")
        seen.extend(item["nonce"] for item in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    # Newest first, no duplicate, no skip, and the pending candidate is not history.
    assert seen == list(range(CANONICAL, 0, -1))
    assert pages == (CANONICAL + 1) // 2

    whole = (await history(api, signer, account_id, gateway=1)).json()
    assert [item["nonce"] for item in whole["items"]] == seen and whole["next_cursor"] is None

    # HEAD answers like GET without a body, on a real server and a signed route.
    call = history_call(account_id, "3")
    headers = call.headers(signer)
    get = await api.http.get(f"{api.url(0)}/delta/history", params=call.params, headers=headers)
    head = await api.http.head(
        f"{api.url(0)}/delta/history", params=call.params, headers=call.headers(signer)
    )
    assert get.status_code == head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"] != "0"
    assert head.headers["content-type"] == get.headers["content-type"] == "application/json"


async def test_an_account_without_canonical_deltas_has_an_empty_history(api: Api) -> None:
    signer = Cosigner.ecdsa()
    account_id = new_account_id()
    await api.client.configure(signer, account_id, {"n": 1})
    response = await history(api, signer, account_id, gateway=0)
    assert response.status_code == 200 and response.json() == {"items": [], "next_cursor": None}


async def test_refusals(api: Api, fleet: Fleet) -> None:
    signer, stranger = Cosigner.ecdsa(), Cosigner.ecdsa()
    account_id, _ = await account_with_history(api, fleet, signer)
    other = new_account_id()
    await api.client.configure(signer, other, {"n": 1})
    first = (await history(api, signer, account_id, gateway=0, limit="2")).json()
    cursor = first["next_cursor"]
    assert isinstance(cursor, str)

    # The limit and the cursor are checked before the signature (a stranger gets the 400, not a 401).
    for limit in ("0", "501", "abc", "-1", "2.0"):
        assert_envelope(
            await history(api, stranger, account_id, gateway=0, limit=limit), 400, "invalid_limit"
        )
    tampered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    for bad in (tampered, "!!", "x" * 3000):
        assert_envelope(
            await history(api, stranger, account_id, gateway=1, cursor=bad), 400, "invalid_cursor"
        )
    # A cursor is bound to its account and to its kind.
    assert_envelope(await history(api, signer, other, gateway=0, cursor=cursor), 400, "invalid_cursor")
    codec = CursorCodec(bytes.fromhex(fleet.env["GUARDIAN_DASHBOARD_CURSOR_SECRET"]))
    dashboard_kind = codec.mint(CursorKind.ACCOUNT_DELTAS, account_id, {"n": 5})
    assert_envelope(
        await history(api, signer, account_id, gateway=1, cursor=dashboard_kind), 400, "invalid_cursor"
    )
    resumed = await history(
        api,
        signer,
        account_id,
        gateway=1,
        cursor=codec.mint(CursorKind.ACCOUNT_DELTA_HISTORY, account_id, {"n": 5}),
    )
    assert [item["nonce"] for item in resumed.json()["items"]] == [4, 3, 2, 1]

    assert_envelope(await history(api, stranger, account_id, gateway=0), 401, "authentication_failed")
    assert_envelope(await history(api, signer, new_account_id(), gateway=1), 404, "account_not_found")
    unsigned = await api.http.get(f"{api.url(0)}/delta/history", params={"account_id": account_id})
    assert_envelope(unsigned, 401, "authentication_failed")
    missing = await api.client.send(
        SignedCall("GET", "/delta/history", account_id, {}, params={}), signer, base_url=api.url(0)
    )
    assert_envelope(missing, 400, "invalid_input")
    repeated = await api.http.get(
        f"{api.url(1)}/delta/history?account_id={account_id}&limit=1&limit=2",
        headers=history_call(account_id, "1").headers(signer),
    )
    assert_envelope(repeated, 400, "invalid_input")
    # A signature over other query values than those sent does not authenticate.
    mismatched = await api.http.get(
        f"{api.url(0)}/delta/history",
        params={"account_id": account_id, "limit": "3"},
        headers=history_call(account_id, "2").headers(signer),
    )
    assert_envelope(mismatched, 401, "authentication_failed")


async def test_history_is_served_while_the_account_is_paused(api: Api, fleet: Fleet) -> None:
    signer = Cosigner.ecdsa()
    account_id, _ = await account_with_history(api, fleet, signer)
    async with CoordinatorClient(fleet.coordinator_target) as coordinator:
        paused = await coordinator.custody.Pause(
            cpb.PauseRequest(account_id=account_id, operator_commitment="0x" + "0f" * 32, reason="test")
        )
    assert paused.found
    response = await history(api, signer, account_id, gateway=1, limit="500")
    assert response.status_code == 200, response.text
    assert [item["nonce"] for item in response.json()["items"]] == list(range(CANONICAL, 0, -1))
