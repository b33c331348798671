"""Issue 5 tests 1, 2, 6 (and the pause gate) through real processes: 2 coordinators on PostgreSQL,
2 auth replicas sharing an ack key file, 2 gateways. Cosigners are ECDSA (fast) except for one Falcon path.

1. push → candidate; a second push → 409 conflict_pending_delta; a stale base → commitment_mismatch with
   the expected commitment; canonical history is never overwritten.
2. signed-request failures → 401 with the documented code, nothing written; the same timestamp sent to two
   gateways at once is accepted exactly once.
6. bad input on every per-account route → the documented 4xx envelope, nothing written.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as cpb
from guardian_client import Cosigner, ack_message, ack_verifies, auth_config, delta_body, new_account_id
from guardian_crypto.errors import CanonicalJsonError
from guardian_network import JsonNetwork
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import Api
from guardian_testing.fleet import Fleet, custody_fleet_fixture
from guardian_testing.identities import operators

NETWORK = JsonNetwork()


def assert_envelope(
    response: httpx.Response, status: int, code: str, retryable: bool | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and isinstance(body["meta"]["retryable"], bool)
    if retryable is not None:
        assert body["meta"]["retryable"] is retryable
    return body


pytestmark = pytest.mark.slow


# --------------------------------------------------------------------------------------------- fixtures


fleet = custody_fleet_fixture("custody")


@pytest.fixture
async def api(fleet: Fleet) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Api(http, [fleet.gateway_url(i) for i in range(len(fleet.gateways))])


@pytest.fixture
async def coordinator(fleet: Fleet) -> AsyncIterator[CoordinatorClient]:
    async with CoordinatorClient(fleet.coordinator_target) as client:
        yield client


@dataclass
class Account:
    account_id: str
    signer: Cosigner
    state: dict[str, Any]
    commitment: str


async def configured(
    api: Api, signer: Cosigner | None = None, state: dict[str, Any] | None = None
) -> Account:
    signer = signer or Cosigner.ecdsa()
    account_id = new_account_id()
    state = state if state is not None else {"balance": 10, "owner": "alice"}
    await api.client.configure(signer, account_id, state)
    return Account(account_id, signer, state, NETWORK.commitment(state))


def rows(database_url: str, account_id: str) -> dict[str, Any]:
    """Everything stored about one account, to prove that a refused request wrote nothing."""
    with psycopg.connect(database_url) as conn:
        return {
            table: conn.execute(
                f"SELECT to_jsonb(t)::text FROM {table} t WHERE account_id = %s ORDER BY 1", (account_id,)
            ).fetchall()
            for table in ("account_metadata", "states", "deltas", "account_auth_state", "admin_actions")
        }


async def promote(
    coordinator: CoordinatorClient, account: Account, nonce: int, new_state: dict[str, Any]
) -> str:
    """What the canonicalizer will do: a fenced promotion of the candidate."""
    acquired = await coordinator.leases.Acquire(
        cpb.AcquireRequest(name=f"test-{secrets.token_hex(4)}", holder_id="test", ttl_ms=60_000)
    )
    assert acquired.acquired
    commitment = NETWORK.commitment(new_state)
    reply = await coordinator.custody.Promote(
        cpb.PromoteRequest(
            lease=acquired.lease,
            account_id=account.account_id,
            nonce=nonce,
            source_kind=cpb.DELTA_KIND_CANDIDATE,
            new_commitment=commitment,
            new_state_json=json.dumps(new_state),
        )
    )
    assert reply.outcome == cpb.WRITE_OUTCOME_APPLIED
    return commitment


# ------------------------------------------------------------------------------------------------ test 1


async def test_push_conflict_stale_base_and_canonical_history(
    api: Api, coordinator: CoordinatorClient
) -> None:
    account = await configured(api)
    pubkey = (await api.http.get(f"{api.url(0)}/pubkey", params={"scheme": "ecdsa"})).json()

    body = delta_body(account.account_id, 1, account.commitment, {"balance": 7, "memo": "rent"})
    pushed = await api.push(account.signer, body, gateway=0)
    assert pushed.status_code == 200, pushed.text
    delta = pushed.json()
    expected_state = {"balance": 7, "memo": "rent", "owner": "alice"}
    assert delta["new_commitment"] == NETWORK.commitment(expected_state)
    assert delta["status"]["status"] == "candidate" and delta["status"]["retry_count"] == 0
    assert delta["ack_scheme"] == "ecdsa" and delta["ack_pubkey"] == pubkey["pubkey"]
    message = ack_message(
        account.account_id, 1, account.commitment, delta["new_commitment"], body["delta_payload"]
    )
    assert ack_verifies(message, delta["ack_sig"], pubkey["pubkey"])

    # One candidate per account, whatever the nonce, on either gateway.
    for nonce, gateway in ((1, 1), (2, 0)):
        again = delta_body(account.account_id, nonce, account.commitment, {"balance": 1})
        assert_envelope(await api.push(account.signer, again, gateway=gateway), 409, "conflict_pending_delta")
    read = await api.get_delta(account.signer, account.account_id, 1)
    assert read.status_code == 200 and read.json()["new_commitment"] == delta["new_commitment"]

    # The worker promotes it: the state advances and nonce 1 is canonical history.
    new_commitment = await promote(coordinator, account, 1, expected_state)
    state = await api.get_state(account.signer, account.account_id)
    assert state.json()["commitment"] == new_commitment and state.json()["state_json"] == expected_state
    assert state.json()["auth_scheme"] == "ecdsa"

    stale = delta_body(account.account_id, 2, account.commitment, {"balance": 0})
    refused = assert_envelope(await api.push(account.signer, stale), 400, "commitment_mismatch")
    assert refused["meta"]["expected"] == new_commitment
    overwrite = delta_body(account.account_id, 1, new_commitment, {"balance": 0})
    assert_envelope(await api.push(account.signer, overwrite), 409, "conflict_pending_delta")
    history = await api.get_delta(account.signer, account.account_id, 1)
    assert history.json()["status"]["status"] == "canonical"
    assert history.json()["delta_payload"] == body["delta_payload"]

    second = await api.push(account.signer, delta_body(account.account_id, 2, new_commitment, {"memo": None}))
    assert second.status_code == 200, second.text
    await promote(coordinator, account, 2, {"balance": 7, "owner": "alice"})
    merged = await api.client.get_deltas_since(account.signer, account.account_id, 1)
    assert merged.nonce == 2 and merged.prev_commitment == account.commitment
    assert merged.delta_payload == {"patches": [{"balance": 7, "memo": "rent"}, {"memo": None}]}
    assert_envelope(
        await api.get_delta(account.signer, account.account_id, 3, path="/delta/since"),
        404,
        "delta_not_found",
    )


async def test_abandon_records_the_intent_once_and_reports_resolved_rows(api: Api) -> None:
    account = await configured(api)
    pushed = await api.push(account.signer, delta_body(account.account_id, 1, account.commitment, {"a": 1}))
    assert pushed.status_code == 200
    first = await api.abandon(account.signer, account.account_id, 1, gateway=0)
    assert first.status_code == 202, first.text
    assert first.json()["state"] == "pending"
    retry = await api.abandon(account.signer, account.account_id, 1, gateway=1)
    assert retry.status_code == 202 and retry.json() == first.json()
    assert_envelope(await api.abandon(account.signer, account.account_id, 9), 404, "delta_not_found")


async def test_paused_account_refuses_push_and_abandon_but_serves_reads(
    api: Api, coordinator: CoordinatorClient, run_database_url: str
) -> None:
    account = await configured(api)
    assert (
        await api.push(account.signer, delta_body(account.account_id, 1, account.commitment, {"a": 1}))
    ).status_code == 200
    await coordinator.custody.Pause(
        cpb.PauseRequest(
            account_id=account.account_id, operator_commitment="0x" + "ab" * 32, reason="incident 7"
        )
    )
    before = rows(run_database_url, account.account_id)
    for response in (
        await api.push(account.signer, delta_body(account.account_id, 2, account.commitment, {"a": 2})),
        await api.abandon(account.signer, account.account_id, 1),
    ):
        refused = assert_envelope(response, 409, "GUARDIAN_ACCOUNT_PAUSED", retryable=False)
        assert refused["meta"]["paused_reason"] == "incident 7" and refused["meta"]["paused_at"]
    after = rows(run_database_url, account.account_id)
    assert after["deltas"] == before["deltas"]
    assert (await api.get_state(account.signer, account.account_id)).status_code == 200


async def test_a_falcon_cosigner_configures_and_pushes(api: Api, run_database_url: str) -> None:
    falcon = Cosigner.falcon(operators()[1].secret_key)
    account = await configured(api, falcon)
    body = delta_body(account.account_id, 1, account.commitment, {"k": "v"})
    headers = falcon.headers(account.account_id, body)
    headers["x-signature"] += "00" * 7  # trailing bytes after a Falcon signature are ignored
    pushed = await api.push(falcon, body, headers=headers)
    assert pushed.status_code == 200, pushed.text
    state = await api.get_state(falcon, account.account_id)
    assert state.json()["auth_scheme"] == "falcon"

    outsider = Cosigner.falcon(operators()[0].secret_key)
    before = rows(run_database_url, account.account_id)
    assert_envelope(await api.get_state(outsider, account.account_id), 401, "authentication_failed")
    assert rows(run_database_url, account.account_id) == before


async def test_reconfigure_needs_a_stored_cosigner_and_keeps_the_state(api: Api) -> None:
    owner = Cosigner.ecdsa()
    account = await configured(api, owner)
    newcomer = Cosigner.ecdsa()
    takeover = await api.configure(newcomer, account.account_id, auth_config(newcomer), {"stolen": True})
    assert_envelope(takeover, 401, "authentication_failed")

    rotated = await api.configure(owner, account.account_id, auth_config(newcomer), {"ignored": True})
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["message"] == f"Account '{account.account_id}' configured successfully"
    state = await api.get_state(newcomer, account.account_id)
    assert state.status_code == 200 and state.json()["state_json"] == account.state
    assert_envelope(await api.get_state(owner, account.account_id), 401, "authentication_failed")


# ------------------------------------------------------------------------------------------------ test 2


async def test_signed_request_failures_are_401_and_write_nothing(api: Api, run_database_url: str) -> None:
    account = await configured(api)
    signer, account_id = account.signer, account.account_id
    body = delta_body(account_id, 1, account.commitment, {"balance": 1})
    before = rows(run_database_url, account_id)

    stranger = Cosigner.ecdsa()
    cases: dict[str, dict[str, str]] = {
        # signed by a key that is not a cosigner, naming it in x-pubkey
        "key not among the cosigners": stranger.headers(account_id, body),
        # the cosigner's x-pubkey, but a signature by another key
        "wrong key": {**stranger.headers(account_id, body), "x-pubkey": signer.pubkey},
        "timestamp outside the window": signer.headers(account_id, body, signer.now_ms() - 300_001),
        "timestamp in the future": signer.headers(account_id, body, signer.now_ms() + 300_500),
        "tampered body": signer.headers(account_id, {**body, "nonce": 2}),
        "not a timestamp": {**signer.headers(account_id, body), "x-timestamp": "soon"},
        "signature not hex": {**signer.headers(account_id, body), "x-signature": "0xzz"},
    }
    for case, headers in cases.items():
        response = await api.http.post(f"{api.url(None)}/delta", json=body, headers=headers)
        assert_envelope(response, 401, "authentication_failed", retryable=False), case
    for missing in ("x-pubkey", "x-signature", "x-timestamp"):
        headers = {k: v for k, v in signer.headers(account_id, body).items() if k != missing}
        assert_envelope(
            await api.http.post(f"{api.url(None)}/delta", json=body, headers=headers),
            401,
            "authentication_failed",
        )
    assert rows(run_database_url, account_id) == before

    # A replay inside the window: the first use wins, the identical second one is refused (retryable).
    headers = signer.headers(account_id, {"account_id": account_id})
    first = await api.http.get(f"{api.url(0)}/state", params={"account_id": account_id}, headers=headers)
    assert first.status_code == 200
    second = await api.http.get(f"{api.url(1)}/state", params={"account_id": account_id}, headers=headers)
    assert_envelope(second, 401, "authentication_replay", retryable=True)


async def test_one_timestamp_sent_to_two_gateways_at_once_is_accepted_exactly_once(
    api: Api, run_database_url: str
) -> None:
    account = await configured(api)
    signer, account_id = account.signer, account.account_id
    for round_ in range(5):
        body = delta_body(account_id, 1, account.commitment, {"round": round_})
        headers = {**signer.headers(account_id, body), "content-type": "application/json"}
        content = json.dumps(body)
        answers = await asyncio.gather(
            *(api.http.post(f"{api.url(g)}/delta", content=content, headers=headers) for g in (0, 1))
        )
        codes = sorted(a.status_code for a in answers)
        if round_ == 0:
            assert codes == [200, 401], [a.text for a in answers]
        else:  # the winner now meets the candidate of round 0
            assert codes == [401, 409], [a.text for a in answers]
        loser = next(a for a in answers if a.status_code == 401)
        assert_envelope(loser, 401, "authentication_replay", retryable=True)
    stored = rows(run_database_url, account_id)
    assert len(stored["deltas"]) == 1 and '"round": 0' in stored["deltas"][0][0]


# ------------------------------------------------------------------------------------------------ test 6


async def test_bad_input_on_every_route_is_a_4xx_envelope_and_writes_nothing(
    api: Api, coordinator: CoordinatorClient, run_database_url: str
) -> None:
    account = await configured(api)
    signer, account_id = account.signer, account.account_id
    base = api.url(0)
    # A well-formed read of a missing row is not bad input (it consumes the timestamp, as upstream).
    assert_envelope(await api.get_delta(signer, account_id, 5), 404, "delta_not_found")
    before = rows(run_database_url, account_id)

    async def post(
        path: str, body: Any, *, sign_as: Any = None, content_type: str = "application/json"
    ) -> httpx.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        target = account_id if sign_as is None else sign_as
        try:  # bodies that have no canonical form are signed as {}: they are refused before auth anyway
            headers = signer.headers(target, body if not isinstance(body, bytes) else {})
        except CanonicalJsonError:
            headers = signer.headers(target, {})
        return await api.http.post(
            f"{base}{path}", content=content, headers={**headers, "content-type": content_type}
        )

    good_push = delta_body(account_id, 1, account.commitment, {"a": 1})
    fresh_id = new_account_id()
    good_config = {"account_id": fresh_id, "auth": auth_config(signer), "initial_state": {"x": 1}}
    expectations: list[tuple[httpx.Response, int, str]] = [
        (await post("/delta", good_push, content_type="text/plain"), 415, "unsupported_media_type"),
        (await post("/delta", b"{not json"), 400, "invalid_input"),
        (await post("/delta", [1, 2]), 400, "invalid_input"),
        (await post("/delta", {**good_push, "nonce": -1}), 400, "invalid_input"),
        (await post("/delta", {**good_push, "nonce": True}), 400, "invalid_input"),
        (await post("/delta", {**good_push, "nonce": 1 << 63}), 400, "invalid_input"),
        (await post("/delta", {k: v for k, v in good_push.items() if k != "nonce"}), 400, "invalid_input"),
        (
            await post("/delta", {**good_push, "prev_commitment": account.commitment.upper()}),
            400,
            "invalid_input",
        ),
        (await post("/delta", {**good_push, "delta_payload": "patch"}), 400, "invalid_input"),
        (await post("/delta", {**good_push, "delta_payload": {"patch": {"f": 1.5}}}), 400, "invalid_input"),
        (
            await post("/delta", {**good_push, "delta_payload": {"patch": {"f": "\u0000"}}}),
            400,
            "invalid_input",
        ),
        (await post("/delta", {**good_push, "account_id": "0xABC"}), 400, "invalid_input"),
        (await post("/delta", {**good_push, "delta_payload": {"patch": 5}}), 400, "invalid_delta"),
        (await post("/delta", {**good_push, "delta_payload": {"replace": {}}}), 400, "invalid_delta"),
        (
            await post("/delta", {**good_push, "account_id": fresh_id}, sign_as=fresh_id),
            404,
            "account_not_found",
        ),
        (await post("/configure", {**good_config, "account_id": "0x12"}), 400, "invalid_input"),
        (
            await post("/configure", {**good_config, "auth": {"EvmEcdsa": {"signers": []}}}),
            400,
            "unsupported_for_network",
        ),
        (
            await post("/configure", {**good_config, "auth": {"MidenEcdsa": {"cosigner_commitments": []}}}),
            400,
            "invalid_input",
        ),
        (
            await post(
                "/configure",
                {**good_config, "auth": {"MidenEcdsa": {"cosigner_commitments": [signer.commitment] * 2}}},
            ),
            400,
            "invalid_input",
        ),
        (await post("/configure", {**good_config, "auth": {"Other": {}}}), 400, "invalid_input"),
        (await post("/configure", {**good_config, "initial_state": [1]}), 400, "invalid_input"),
        (await post("/configure", {**good_config, "initial_state": {"f": 0.5}}), 400, "invalid_input"),
        (
            await post(
                "/configure", {**good_config, "network_config": {"kind": "miden", "network_type": "x"}}
            ),
            400,
            "invalid_network_config",
        ),
        (
            await post("/configure", {**good_config, "network_config": {"kind": "evm"}}),
            400,
            "unsupported_for_network",
        ),
        (
            await post("/delta/candidate/abandon", {"account_id": account_id, "nonce": "1"}),
            400,
            "invalid_input",
        ),
        (await post("/delta/candidate/abandon", {"account_id": account_id}), 400, "invalid_input"),
    ]
    state_headers = signer.headers(account_id, {"account_id": account_id})
    for params in (
        httpx.QueryParams(),
        httpx.QueryParams({"account_id": "nope"}),
        httpx.QueryParams([("account_id", account_id), ("account_id", account_id)]),
    ):
        expectations.append(
            (await api.http.get(f"{base}/state", params=params, headers=state_headers), 400, "invalid_input")
        )
    for path in ("/delta", "/delta/since"):
        for nonce in ("x", "-1", "1.0", str(1 << 63), ""):
            response = await api.http.get(
                f"{base}{path}", params={"account_id": account_id, "nonce": nonce}, headers=state_headers
            )
            expectations.append((response, 400, "invalid_input"))
    unknown = new_account_id()
    expectations.append((await api.get_state(signer, unknown), 404, "account_not_found"))

    # An account this API does not serve (EVM auth, configured behind the API's back).
    evm_id = new_account_id()
    await coordinator.custody.ConfigureAccount(
        cpb.ConfigureAccountRequest(
            account_id=evm_id,
            auth_json=json.dumps({"EvmEcdsa": {"signers": ["0x" + "11" * 20]}}),
            network_config_json="{}",
            initial_state_json="{}",
            initial_commitment=NETWORK.commitment({}),
        )
    )
    expectations.append((await api.get_state(signer, evm_id), 400, "unsupported_for_network"))

    for response, status, code in expectations:
        assert_envelope(response, status, code)
    assert rows(run_database_url, account_id) == before
    assert rows(run_database_url, fresh_id)["account_metadata"] == []
