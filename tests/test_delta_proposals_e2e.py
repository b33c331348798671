"""Multisig delta proposals (issue 17 item 1) through real processes: two coordinators on PostgreSQL, two auth
replicas, two gateways. A proposal created on one gateway is signed on the other, listed, read singly and
finalized by the push of its delta; two cosigners signing at once through two gateways are both recorded and
the same cosigner twice is refused once; the pending cap counts viable proposals only, superseded ones are
flagged; a pending candidate and a paused account refuse new proposals; bad input on every route is a 400
envelope that writes nothing and consumes no timestamp."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as cpb
from guardian_client import Cosigner, SignedCall, auth_config, delta_body, new_account_id
from guardian_client.proposals import (
    ProposalsClient,
    create_proposal_call,
    get_proposal_call,
    list_proposals_call,
    proposal_commitment,
    sign_proposal_call,
)
from guardian_crypto import ecdsa, falcon_codec, falcon_verify
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.digests import request_digest
from guardian_crypto.field import word_to_hex
from guardian_network import JsonNetwork
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import Api
from guardian_testing.custody_api import Cosigner as FixtureCosigner
from guardian_testing.fleet import Fleet, custody_fleet_fixture
from guardian_testing.identities import operators

pytestmark = pytest.mark.slow

NETWORK = JsonNetwork()
CAP = 3
OPERATOR = "0x" + "0f" * 32


fleet = custody_fleet_fixture("proposals", env={"GUARDIAN_MAX_PENDING_PROPOSALS_PER_ACCOUNT": str(CAP)})


@pytest.fixture
async def api(fleet: Fleet) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Api(http, [fleet.gateway_url(i) for i in range(len(fleet.gateways))])


class Multisig:
    """An account with three ECDSA cosigners and its state as the tests move it."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.cosigners = [Cosigner.ecdsa() for _ in range(3)]
        self.id = new_account_id()
        self.state: dict[str, Any] = {"balance": 0}

    @property
    def commitment(self) -> str:
        return NETWORK.commitment(self.state)

    async def configure(self) -> Multisig:
        await self.api.client.configure(
            self.cosigners[0], self.id, self.state, auth=auth_config(*self.cosigners)
        )
        return self

    async def send(self, call: SignedCall, signer: int = 0, gateway: int = 0) -> httpx.Response:
        return await self.api.client.send(call, self.cosigners[signer], base_url=self.api.url(gateway))

    async def propose(
        self, nonce: int, patch: dict[str, Any], signer: int = 0, gateway: int = 0
    ) -> httpx.Response:
        return await self.send(create_proposal_call(self.id, nonce, patch), signer, gateway)

    async def sign(self, commitment: str, signer: int, gateway: int = 0) -> httpx.Response:
        return await self.send(sign_proposal_call(self.id, commitment), signer, gateway)

    async def listed(self, gateway: int = 0) -> list[dict[str, Any]]:
        response = await self.send(list_proposals_call(self.id), 1, gateway)
        assert response.status_code == 200, response.text
        proposals: list[dict[str, Any]] = response.json()["proposals"]
        return proposals

    async def single(self, commitment: str, gateway: int = 0) -> httpx.Response:
        return await self.send(get_proposal_call(self.id, commitment), 2, gateway)


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code and isinstance(body["message"], str)
    assert isinstance(body["meta"]["retryable"], bool)
    return body


async def promote(target: str, account_id: str, nonce: int, new_state: dict[str, Any]) -> None:
    """What the canonicalizer does: a fenced promotion of the candidate."""
    async with CoordinatorClient(target) as coordinator:
        acquired = await coordinator.leases.Acquire(
            cpb.AcquireRequest(name=f"test-{secrets.token_hex(4)}", holder_id="test", ttl_ms=60_000)
        )
        reply = await coordinator.custody.Promote(
            cpb.PromoteRequest(
                lease=acquired.lease,
                account_id=account_id,
                nonce=nonce,
                source_kind=cpb.DELTA_KIND_CANDIDATE,
                new_commitment=NETWORK.commitment(new_state),
                new_state_json=json.dumps(new_state),
            )
        )
        assert reply.outcome == cpb.WRITE_OUTCOME_APPLIED


async def test_lifecycle_across_two_gateways(api: Api) -> None:
    account = await Multisig(api).configure()
    patch = {"balance": 10, "memo": {"to": "carol"}}
    created = await account.propose(1, patch, signer=0, gateway=0)
    assert created.status_code == 200, created.text
    body = created.json()
    commitment = body["commitment"]
    assert commitment == proposal_commitment(account.id, 1, account.commitment, {"patch": patch})
    proposal = body["delta"]
    assert proposal["commitment"] == commitment and proposal["nonce"] == 1
    assert proposal["prev_commitment"] == account.commitment
    assert proposal["new_commitment"] == NETWORK.commitment({**account.state, **patch})
    assert proposal["delta_payload"] == {"patch": patch} and proposal["signatures_required"] == 3
    assert proposal["status"]["status"] == "pending" and proposal["status"]["superseded"] is False
    assert proposal["status"]["proposer_id"] == account.cosigners[0].commitment
    assert proposal["status"]["cosigner_sigs"] == []

    # The same proposal again (another gateway, another cosigner) is answered as it is.
    again = await account.propose(1, patch, signer=1, gateway=1)
    assert again.status_code == 200 and again.json()["commitment"] == commitment

    signed = await account.sign(commitment, signer=1, gateway=1)
    assert signed.status_code == 200, signed.text
    sigs = signed.json()["status"]["cosigner_sigs"]
    assert [s["signer_id"] for s in sigs] == [account.cosigners[1].commitment]
    assert sigs[0]["signature"] and isinstance(sigs[0]["request_timestamp_ms"], int)
    twice = await account.sign(commitment, signer=1, gateway=0)
    assert_envelope(twice, 409, "proposal_already_signed")

    for gateway in (0, 1):
        listed = await account.listed(gateway)
        assert [p["commitment"] for p in listed] == [commitment]
        assert len(listed[0]["status"]["cosigner_sigs"]) == 1
        single = await account.single(commitment, gateway)
        assert single.status_code == 200 and single.json()["commitment"] == commitment
    assert_envelope(await account.single("0x" + "ab" * 32), 404, "proposal_not_found")

    # The client's typed view of the same routes.
    proposals = ProposalsClient(api.client)
    typed = await proposals.get(account.cosigners[2], account.id, commitment)
    assert typed.status == "pending" and [s.signer_id for s in typed.signatures] == [
        account.cosigners[1].commitment
    ]
    typed = await proposals.sign(account.cosigners[2], account.id, commitment)
    assert len(typed.signatures) == 2

    pushed = await api.push(
        account.cosigners[0], delta_body(account.id, 1, account.commitment, patch), gateway=1
    )
    assert pushed.status_code == 200, pushed.text
    assert await account.listed(0) == []
    finalized = await account.single(commitment, 0)
    assert finalized.status_code == 200
    assert finalized.json()["status"]["status"] == "finalized"
    assert len(finalized.json()["status"]["cosigner_sigs"]) == 2
    assert_envelope(await account.sign(commitment, signer=0, gateway=1), 404, "proposal_not_found")


async def test_two_cosigners_signing_at_once_through_two_gateways_are_both_recorded(api: Api) -> None:
    account = await Multisig(api).configure()
    created = await account.propose(1, {"balance": 3})
    commitment = created.json()["commitment"]
    answers = await asyncio.gather(account.sign(commitment, 1, 0), account.sign(commitment, 2, 1))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    stored = (await account.single(commitment)).json()
    assert sorted(s["signer_id"] for s in stored["status"]["cosigner_sigs"]) == sorted(
        c.commitment for c in account.cosigners[1:]
    )

    # The same cosigner on both gateways at once (two timestamps): one signature. The other request is
    # refused as already signed, or as a replay when the later timestamp arrived first; its retry (a fresh
    # timestamp) is then refused as already signed.
    other = (await account.propose(2, {"balance": 4})).json()["commitment"]
    answers = await asyncio.gather(account.sign(other, 0, 0), account.sign(other, 0, 1))
    assert (
        sorted(a.status_code for a in answers)[0] == 200 and [a.status_code for a in answers].count(200) == 1
    )
    refused = next(a for a in answers if a.status_code != 200)
    if refused.status_code == 401:
        assert_envelope(refused, 401, "authentication_replay")
        refused = await account.sign(other, 0, 1)
    assert_envelope(refused, 409, "proposal_already_signed")
    assert len((await account.single(other)).json()["status"]["cosigner_sigs"]) == 1


async def test_cap_superseded_candidate_and_pause(api: Api, fleet: Fleet) -> None:
    account = await Multisig(api).configure()
    commitments = []
    for i in range(CAP):
        created = await account.propose(1, {"balance": 1, "i": i}, gateway=i)
        assert created.status_code == 200, created.text
        commitments.append(created.json()["commitment"])
    full = assert_envelope(
        await account.propose(1, {"balance": 1, "i": 99}, gateway=1), 409, "too_many_pending_proposals"
    )
    assert full["meta"]["max_pending"] == CAP
    # An identical retry still answers while the cap is reached.
    assert (await account.propose(1, {"balance": 1, "i": 0})).status_code == 200

    # A pending candidate blocks new proposals (any proposal's delta, pushed directly).
    pushed = await api.push(
        account.cosigners[0], delta_body(account.id, 1, account.commitment, {"balance": 1, "i": 0})
    )
    assert pushed.status_code == 200, pushed.text
    assert_envelope(await account.propose(2, {"balance": 2}), 409, "conflict_pending_delta")

    # Promoted: the two other proposals are built on a superseded state and stop counting.
    new_state = {"balance": 1, "i": 0}
    await promote(fleet.coordinator_target, account.id, 1, new_state)
    account.state = new_state
    listed = await account.listed(1)
    assert {p["commitment"]: p["status"]["superseded"] for p in listed} == {c: True for c in commitments[1:]}
    for i in range(CAP):
        assert (await account.propose(2, {"balance": 2, "i": i}, gateway=i)).status_code == 200
    assert_envelope(await account.propose(2, {"balance": 2, "i": 99}), 409, "too_many_pending_proposals")
    flags = [p["status"]["superseded"] for p in await account.listed(0)]
    assert flags.count(False) == CAP and flags.count(True) == CAP - 1

    # Paused: creating and signing are refused with 409 and write nothing; reads go on.
    async with CoordinatorClient(fleet.coordinator_target) as coordinator:
        await coordinator.custody.Pause(
            cpb.PauseRequest(account_id=account.id, operator_commitment=OPERATOR, reason="audit")
        )
        try:
            paused = assert_envelope(await account.propose(2, {"balance": 5}), 409, "GUARDIAN_ACCOUNT_PAUSED")
            assert paused["meta"]["paused_reason"] == "audit"
            target = next(p["commitment"] for p in listed)
            assert_envelope(await account.sign(target, 1, 1), 409, "GUARDIAN_ACCOUNT_PAUSED")
            assert (await account.single(target)).json()["status"]["cosigner_sigs"] == []
            assert len(await account.listed(1)) == 2 * CAP - 1
        finally:
            await coordinator.custody.Unpause(
                cpb.UnpauseRequest(account_id=account.id, operator_commitment=OPERATOR)
            )


def raw_call(method: str, path: str, account_id: str, signed: object, **kwargs: Any) -> SignedCall:
    return SignedCall(method, path, account_id, signed, **kwargs)


async def test_bad_input_on_every_route_is_an_envelope_and_writes_nothing(api: Api) -> None:
    account = await Multisig(api).configure()
    good = (await account.propose(1, {"balance": 1})).json()["commitment"]
    uid = account.id
    sign_value = {"account_id": uid, "commitment": good, "action": "sign_proposal"}
    # Signed before every refusal below: their later timestamps would have raised the floor above it.
    early = account.cosigners[0].headers(uid, sign_value)

    def body(value: object) -> bytes:
        return json.dumps(value).encode()

    bad_creates: list[tuple[object, str]] = [
        (
            {"account_id": uid.upper().replace("0X", "0x"), "nonce": 1, "delta_payload": {"patch": {}}},
            "invalid_input",
        ),
        ({"account_id": uid, "nonce": -1, "delta_payload": {"patch": {}}}, "invalid_input"),
        ({"account_id": uid, "nonce": "1", "delta_payload": {"patch": {}}}, "invalid_input"),
        ({"account_id": uid, "nonce": 1, "delta_payload": []}, "invalid_input"),
        ({"account_id": uid, "nonce": 1, "delta_payload": {"patch": 1}}, "invalid_delta"),
        ({"account_id": uid, "nonce": 1, "delta_payload": {"patch": {}, "x": 1}}, "invalid_delta"),
        ({"account_id": uid, "nonce": 1, "delta_payload": {"patch": {"f": 1.5}}}, "invalid_input"),
        ([1, 2], "invalid_input"),
    ]
    for value, code in bad_creates:
        # Refused before the signature is looked at: what is signed does not matter.
        call = raw_call("POST", "/delta/proposal", uid, {}, body=body(value))
        assert_envelope(await account.send(call), 400, code)
    bad_signs: list[object] = [
        {"account_id": uid, "commitment": good.upper()},
        {"account_id": uid, "commitment": "0x12"},
        {"account_id": uid},
        {"account_id": "nope", "commitment": good},
    ]
    for value in bad_signs:
        call = raw_call("PUT", "/delta/proposal", uid, {}, body=body(value))
        assert_envelope(await account.send(call), 400, "invalid_input")
    for params in ({"account_id": "0x12"}, {}):
        call = raw_call("GET", "/delta/proposal", uid, {}, params=params)
        assert_envelope(await account.send(call), 400, "invalid_input")
    for params in (
        {"account_id": uid},
        {"account_id": uid, "commitment": "0xzz"},
        {"account_id": "x", "commitment": good},
    ):
        call = raw_call("GET", "/delta/proposal/single", uid, {}, params=params)
        assert_envelope(await account.send(call), 400, "invalid_input")
    repeated = await api.http.get(
        f"{api.url(0)}/delta/proposal?account_id={uid}&account_id={uid}",
        headers=account.cosigners[0].headers(uid, {"account_id": uid}),
    )
    assert_envelope(repeated, 400, "invalid_input")
    text_body = raw_call("POST", "/delta/proposal", uid, {}, body=b"not json")
    assert (await account.send(text_body)).status_code in (400, 415)
    for method in ("POST", "PUT"):
        missing = await api.http.request(method, f"{api.url(0)}/delta/proposal", json={"account_id": uid})
        assert_envelope(missing, 401, "authentication_failed")

    # Nothing was written: the one proposal, unsigned; no timestamp was consumed, so the request signed
    # before the refusals is still accepted.
    listed = await account.listed(0)
    assert [p["commitment"] for p in listed] == [good] and listed[0]["status"]["cosigner_sigs"] == []
    accepted = await api.http.put(
        f"{api.url(1)}/delta/proposal",
        content=json.dumps({"account_id": uid, "commitment": good}),
        headers={**early, "content-type": "application/json"},
    )
    assert accepted.status_code == 200, accepted.text
    assert [s["signer_id"] for s in accepted.json()["status"]["cosigner_sigs"]] == [
        account.cosigners[0].commitment
    ]


def signature_signer(account_id: str, commitment: str, entry: dict[str, Any]) -> str:
    """The commitment of the key that made a recorded signature, checked against the request digest it signs
    (docs/proposals.md): anyone can verify a proposal's signatures from the proposal alone."""
    signed = {"account_id": account_id, "commitment": commitment, "action": "sign_proposal"}
    word = request_digest(account_id, entry["request_timestamp_ms"], canonical_json(signed))
    raw = bytes.fromhex(entry["signature"])
    if len(raw) >= falcon_codec.SIGNATURE_LEN:
        assert falcon_verify.verify_falcon(raw, [word], allow_trailing=True) == 0
        decoded = falcon_codec.decode_signature(raw, allow_trailing=True)
        return word_to_hex(falcon_verify.public_key_commitment(decoded.public_key))
    return word_to_hex(ecdsa.public_key_commitment(ecdsa.recover_public_key(word, raw)))


async def test_recorded_signatures_verify_for_falcon_and_ecdsa_cosigners(api: Api) -> None:
    falcon = [FixtureCosigner.from_falcon(identity) for identity in operators()[:2]]
    for cosigners in (falcon, [Cosigner.ecdsa(), Cosigner.ecdsa()]):
        account_id = new_account_id()
        await api.client.configure(cosigners[0], account_id, {"v": 0}, auth=auth_config(*cosigners))
        created = await api.client.send(
            create_proposal_call(account_id, 1, {"v": 1}), cosigners[0], base_url=api.url(0)
        )
        assert created.status_code == 200, created.text
        commitment = created.json()["commitment"]
        for i, cosigner in enumerate(cosigners):
            signed = await api.client.send(
                sign_proposal_call(account_id, commitment), cosigner, base_url=api.url(i)
            )
            assert signed.status_code == 200, signed.text
        stored = await api.client.send(
            get_proposal_call(account_id, commitment), cosigners[1], base_url=api.url(1)
        )
        entries = stored.json()["status"]["cosigner_sigs"]
        assert [signature_signer(account_id, commitment, e) for e in entries] == [
            c.commitment for c in cosigners
        ]
        assert [e["signer_id"] for e in entries] == [c.commitment for c in cosigners]
