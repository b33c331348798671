"""Issue 13 part 1: every signed per-account route makes at most two internal calls in sequence.

Real processes: a gateway, an auth replica and two coordinators on one PostgreSQL database, the gateway's
coordinator apart from auth's, so the gRPC request metrics each serves tell whose call is whose. Around
each request, the gateway's calls are what auth and the gateway's coordinator served; auth's own are what
its coordinator served. Nothing else calls these coordinators while a request is measured (the test's own
promotions go through the gateway's coordinator between measurements)."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as cpb
from guardian_client import Cosigner, SignedCall, auth_config, delta_body, new_account_id
from guardian_client.proposals import (
    create_proposal_call,
    get_proposal_call,
    list_proposals_call,
    sign_proposal_call,
)
from guardian_crypto.digests import lookup_digest
from guardian_crypto.field import word_from_hex
from guardian_network import JsonNetwork
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import Api, write_ack_key
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.metrics import METRICS_ENV, grpc_calls, metrics_url, scrape

pytestmark = pytest.mark.slow

NETWORK = JsonNetwork()
MAX_CALLS = 2


@dataclass
class Stack:
    gateway_url: str
    auth_metrics: str
    gateway_coordinator_metrics: str
    auth_coordinator_metrics: str
    gateway_coordinator_target: str


@dataclass(frozen=True)
class Calls:
    gateway: Counter[str]  # what the gateway asked of auth and of its coordinator
    auth: Counter[str]  # what auth asked of its coordinator on the gateway's behalf


@pytest.fixture(scope="module")
def stack(
    module_services: ServiceStarter, run_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Stack:
    directory: Path = tmp_path_factory.mktemp("calls")
    allowlist = directory / "operators.json"
    allowlist.write_text("[]")
    common = {**METRICS_ENV, "GUARDIAN_RATE_LIMIT_ENABLED": "false"}
    for_gateway, for_auth = (
        module_services.one(
            "guardian-coordinator", f"coordinator-{who}", DATABASE_URL=run_database_url, **common
        )
        for who in ("gateway", "auth")
    )
    auth = module_services.one(
        "guardian-auth",
        GUARDIAN_COORDINATOR_TARGET=for_auth.grpc_target,
        GUARDIAN_ACK_ECDSA_KEY_FILE=str(write_ack_key(directory)),
        GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE=str(allowlist),
        **common,
    )
    gateway = module_services.one(
        "guardian-gateway",
        GUARDIAN_COORDINATOR_TARGET=for_gateway.grpc_target,
        GUARDIAN_AUTH_TARGET=auth.grpc_target,
        **common,
    )
    return Stack(
        gateway_url=f"http://{gateway.addresses['http']}",
        auth_metrics=metrics_url(auth),
        gateway_coordinator_metrics=metrics_url(for_gateway),
        auth_coordinator_metrics=metrics_url(for_auth),
        gateway_coordinator_target=for_gateway.grpc_target,
    )


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Api(http, [stack.gateway_url])


class Meter:
    def __init__(self, stack: Stack, scraper: httpx.Client) -> None:
        self._stack = stack
        self._scraper = scraper

    def _snapshot(self) -> tuple[Counter[str], Counter[str], Counter[str]]:
        urls = (
            self._stack.auth_metrics,
            self._stack.gateway_coordinator_metrics,
            self._stack.auth_coordinator_metrics,
        )
        auth, coordinator, behind_auth = (grpc_calls(scrape(self._scraper, url)) for url in urls)
        return auth, coordinator, behind_auth

    async def count(self, request: Awaitable[httpx.Response], status: int) -> Calls:
        """The internal calls one request caused (its answer must have `status`)."""
        before = self._snapshot()
        response = await request
        assert response.status_code == status, response.text
        after = self._snapshot()
        auth, coordinator, behind_auth = (
            later - earlier for earlier, later in zip(before, after, strict=True)
        )
        return Calls(gateway=auth + coordinator, auth=behind_auth)


@pytest.fixture
def meter(stack: Stack, scraper: httpx.Client) -> Meter:
    return Meter(stack, scraper)


def assert_calls(calls: Calls, gateway: list[str], auth: list[str]) -> None:
    assert sum(calls.gateway.values()) <= MAX_CALLS, calls
    assert calls.gateway == Counter(gateway), calls
    assert calls.auth == Counter(auth), calls


async def promote(target: str, account_id: str, nonce: int, new_state: dict[str, object]) -> str:
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


async def test_every_signed_route_makes_at_most_two_internal_calls(
    api: Api, meter: Meter, stack: Stack
) -> None:
    signer = Cosigner.ecdsa()
    account_id = new_account_id()
    state = {"balance": 10}
    commitment = NETWORK.commitment(state)

    created = await meter.count(api.configure(signer, account_id, auth_config(signer), state), 200)
    # Auth reads the account (absent: the submitted cosigners decide); the replay check runs in
    # ConfigureAccount's transaction.
    assert_calls(
        created, ["AccountAuth/AuthorizeRequest", "Custody/ConfigureAccount"], ["Custody/GetAccount"]
    )
    updated = await meter.count(api.configure(signer, account_id, auth_config(signer), state), 200)
    assert_calls(
        updated, ["AccountAuth/AuthorizeRequest", "Custody/ConfigureAccount"], ["Custody/GetAccount"]
    )

    read = await meter.count(api.get_state(signer, account_id), 200)
    # GET /state is one call, and auth's is one too: the signature proves its key first, then one statement
    # reads the account and its state, finds that key among the cosigners and moves its replay floor.
    assert_calls(read, ["AccountAuth/AuthorizeRequest"], ["Custody/ReadAsSigner"])

    first = delta_body(account_id, 1, commitment, {"balance": 7})
    pushed = await meter.count(api.push(signer, first), 200)
    assert_calls(pushed, ["AccountAuth/AuthorizePush", "Custody/SubmitCandidate"], ["Custody/GetAccount"])

    floor = ["Custody/ReadAsSigner"]
    one = await meter.count(api.get_delta(signer, account_id, 1), 200)
    assert_calls(one, ["AccountAuth/AuthorizeRequest", "Custody/GetDelta"], floor)

    new_commitment = await promote(stack.gateway_coordinator_target, account_id, 1, {"balance": 7})
    since = await meter.count(api.get_delta(signer, account_id, 1, path="/delta/since"), 200)
    assert_calls(since, ["AccountAuth/AuthorizeRequest", "Custody/ListDeltasSince"], floor)
    history_call = SignedCall(
        "GET", "/delta/history", account_id, {"account_id": account_id}, params={"account_id": account_id}
    )
    history = await meter.count(api.client.send(history_call, signer, base_url=api.url(0)), 200)
    assert_calls(history, ["AccountAuth/AuthorizeRequest", "Custody/ListAccountDeltas"], floor)

    # GET /state/lookup: the lookup signature (no account read, no replay floor), then the cosigner query.
    ts = signer.now_ms()
    lookup_headers = {
        "x-signature": signer.sign_word(lookup_digest(ts, word_from_hex(signer.commitment))),
        "x-timestamp": str(ts),
    }
    lookup = api.http.get(
        f"{api.url(0)}/state/lookup", params={"key_commitment": signer.commitment}, headers=lookup_headers
    )
    assert_calls(
        await meter.count(lookup, 200), ["AccountAuth/AuthorizeLookup", "Custody/ListAccountsByCosigner"], []
    )

    second = delta_body(account_id, 2, new_commitment, {"balance": 8})
    assert (await api.push(signer, second)).status_code == 200
    abandoned = await meter.count(api.abandon(signer, account_id, 2), 202)
    assert_calls(abandoned, ["AccountAuth/AuthorizeRequest", "Custody/RecordAbandon"], floor)


async def test_refusals_stop_at_the_first_call(api: Api, meter: Meter) -> None:
    signer, stranger = Cosigner.ecdsa(), Cosigner.ecdsa()
    account_id = new_account_id()
    await api.client.configure(signer, account_id, {"n": 1})

    missing = await meter.count(api.get_state(signer, new_account_id()), 404)
    assert_calls(missing, ["AccountAuth/AuthorizeRequest"], ["Custody/ReadAsSigner"])
    forged = await meter.count(api.get_delta(stranger, account_id, 1), 401)
    assert_calls(forged, ["AccountAuth/AuthorizeRequest"], ["Custody/ReadAsSigner"])
    takeover = await meter.count(api.configure(stranger, account_id, auth_config(stranger), {"n": 2}), 401)
    assert_calls(takeover, ["AccountAuth/AuthorizeRequest"], ["Custody/GetAccount"])
    pubkey = await meter.count(api.http.get(f"{api.url(0)}/pubkey"), 200)
    assert_calls(pubkey, ["AccountAuth/AckKey"], [])
    # A bad history cursor is refused before auth is asked; a bad scheme before the ack key is read.
    bad_cursor = SignedCall(
        "GET",
        "/delta/history",
        account_id,
        {"account_id": account_id, "cursor": "AAAA"},
        params={"account_id": account_id, "cursor": "AAAA"},
    )
    refused_cursor = await meter.count(api.client.send(bad_cursor, signer, base_url=api.url(0)), 400)
    assert_calls(refused_cursor, [], [])
    refused_scheme = await meter.count(api.http.get(f"{api.url(0)}/pubkey", params={"scheme": "rsa"}), 400)
    assert_calls(refused_scheme, [], [])


async def test_proposal_routes_make_at_most_two_internal_calls(
    api: Api, meter: Meter, stack: Stack, scraper: httpx.Client
) -> None:
    """Each /delta/proposal route: auth's AuthorizeRequest, then one DeltaProposals call; bad input none. The
    coordinator counts the writes by outcome."""
    signer, cosigner = Cosigner.ecdsa(), Cosigner.ecdsa()
    account_id = new_account_id()
    await api.client.configure(signer, account_id, {"n": 1}, auth=auth_config(signer, cosigner))
    floor = ["Custody/ReadAsSigner"]

    def send(call: SignedCall, who: Cosigner = signer) -> Awaitable[httpx.Response]:
        return api.client.send(call, who, base_url=api.url(0))

    created = await meter.count(send(create_proposal_call(account_id, 1, {"n": 2})), 200)
    assert_calls(created, ["AccountAuth/AuthorizeRequest", "DeltaProposals/CreateProposal"], floor)
    commitment = (await send(create_proposal_call(account_id, 1, {"n": 2}))).json()["commitment"]
    listed = await meter.count(send(list_proposals_call(account_id)), 200)
    assert_calls(listed, ["AccountAuth/AuthorizeRequest", "DeltaProposals/ListAccountProposals"], floor)
    signed = await meter.count(send(sign_proposal_call(account_id, commitment), cosigner), 200)
    assert_calls(signed, ["AccountAuth/AuthorizeRequest", "DeltaProposals/SignProposal"], floor)
    single = await meter.count(send(get_proposal_call(account_id, commitment)), 200)
    assert_calls(single, ["AccountAuth/AuthorizeRequest", "DeltaProposals/GetProposal"], floor)
    refused = await meter.count(send(create_proposal_call(account_id, 1, {"n": 2}), Cosigner.ecdsa()), 401)
    assert_calls(refused, ["AccountAuth/AuthorizeRequest"], ["Custody/ReadAsSigner"])
    bad = await meter.count(send(get_proposal_call(account_id, "0x12")), 400)
    assert_calls(bad, [], [])

    def writes() -> Counter[str]:
        samples = scrape(scraper, stack.gateway_coordinator_metrics)
        prefix = "guardian_proposal_writes_total{"
        return Counter(
            {
                k.split('outcome="')[1].split('"')[0]: int(v)
                for k, v in samples.items()
                if k.startswith(prefix)
            }
        )

    before = writes()
    assert (await send(sign_proposal_call(account_id, commitment), cosigner)).status_code == 409
    assert (await send(create_proposal_call(account_id, 1, {"n": 3}))).status_code == 200
    assert writes() - before == Counter({"already_signed": 1, "created": 1})
