"""The DeltaProposals contract (docs/proposals.md), through gRPC against a real coordinator process, on both
backends: create (an identical pending proposal returned as is), the pending cap counted on viable proposals
only, superseded proposals, the candidate and pause refusals, atomic signatures (concurrent cosigners all
recorded, the same cosigner once), finalization by the push that carries the proposal's delta, keyset lists,
bad input."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as cpb
from guardian.coordinator.v1 import proposals_pb2 as pb
from guardian.coordinator.v1 import proposals_pb2_grpc
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import new_account_id
from guardian_testing.fixtures import StartService

CAP = 3
OPERATOR = "0x" + "0f" * 32
Outcome = pb.ProposalOutcome


def word() -> str:
    return "0x" + secrets.token_hex(32)


@pytest.fixture(scope="module", params=["memory", "postgres"])
async def client(
    request: pytest.FixtureRequest, start_module_service: StartService, run_database_url: str
) -> AsyncIterator[CoordinatorClient]:
    env = {"GUARDIAN_MAX_PENDING_PROPOSALS_PER_ACCOUNT": str(CAP)}
    if request.param == "postgres":
        env["DATABASE_URL"] = run_database_url
    process = start_module_service("guardian-coordinator", name=f"proposals-{request.param}", **env)
    async with CoordinatorClient(process.grpc_target) as c:
        yield c


@pytest.fixture
def proposals(client: CoordinatorClient) -> proposals_pb2_grpc.DeltaProposalsStub:
    return proposals_pb2_grpc.DeltaProposalsStub(client.channel)


class Account:
    def __init__(self, client: CoordinatorClient, stub: proposals_pb2_grpc.DeltaProposalsStub) -> None:
        self.client, self.stub = client, stub
        self.id, self.commitment = new_account_id(), word()
        self.cosigners = [word() for _ in range(3)]

    async def configure(self) -> Account:
        reply = await self.client.custody.ConfigureAccount(
            cpb.ConfigureAccountRequest(
                account_id=self.id,
                auth_json=json.dumps({"MidenEcdsa": {"cosigner_commitments": self.cosigners}}),
                initial_state_json=json.dumps({"balance": 0}),
                initial_commitment=self.commitment,
            )
        )
        assert reply.outcome == cpb.CONFIGURE_OUTCOME_CREATED
        return self

    def request(self, nonce: int = 1, patch: Any = None, **fields: Any) -> pb.CreateProposalRequest:
        values: dict[str, Any] = {
            "account_id": self.id,
            "commitment": word(),
            "nonce": nonce,
            "prev_commitment": self.commitment,
            "new_commitment": word(),
            "delta_payload_json": json.dumps({"patch": {"balance": nonce} if patch is None else patch}),
            "proposer_id": self.cosigners[0],
        }
        values.update(fields)
        return pb.CreateProposalRequest(**values)

    async def create(self, request: pb.CreateProposalRequest | None = None) -> pb.CreateProposalResponse:
        reply: pb.CreateProposalResponse = await self.stub.CreateProposal(request or self.request())
        return reply

    async def sign(self, commitment: str, signer: str) -> pb.SignProposalResponse:
        reply: pb.SignProposalResponse = await self.stub.SignProposal(
            pb.SignProposalRequest(
                account_id=self.id,
                commitment=commitment,
                signer_id=signer,
                signature=secrets.token_hex(65),
                timestamp_ms=1_700_000_000_000,
            )
        )
        return reply

    async def get(self, commitment: str) -> pb.Proposal | None:
        reply = await self.stub.GetProposal(pb.GetProposalRequest(account_id=self.id, commitment=commitment))
        return reply.proposal if reply.found else None

    async def pending(self, limit: int = 100) -> list[pb.Proposal]:
        reply = await self.stub.ListAccountProposals(
            pb.ListAccountProposalsRequest(account_id=self.id, limit=limit, include_payloads=True)
        )
        return list(reply.proposals)

    async def push(self, proposal: pb.Proposal) -> cpb.SubmitCandidateResponse:
        reply: cpb.SubmitCandidateResponse = await self.client.custody.SubmitCandidate(
            cpb.SubmitCandidateRequest(
                account_id=self.id,
                nonce=proposal.nonce,
                prev_commitment=proposal.prev_commitment,
                new_commitment=proposal.new_commitment,
                # The same JSON value, spelled differently: matching is on the value.
                delta_payload_json=json.dumps(json.loads(proposal.delta_payload_json), indent=2),
                ack_sig="ab" * 65,
            )
        )
        return reply

    async def promote(self, nonce: int, new_commitment: str) -> None:
        acquired = await self.client.leases.Acquire(
            cpb.AcquireRequest(name=f"test-{secrets.token_hex(4)}", holder_id="test", ttl_ms=60_000)
        )
        reply = await self.client.custody.Promote(
            cpb.PromoteRequest(
                lease=acquired.lease,
                account_id=self.id,
                nonce=nonce,
                source_kind=cpb.DELTA_KIND_CANDIDATE,
                new_commitment=new_commitment,
                new_state_json=json.dumps({"balance": nonce}),
            )
        )
        assert reply.outcome == cpb.WRITE_OUTCOME_APPLIED
        self.commitment = new_commitment


Make = Callable[[], Awaitable[Account]]


@pytest.fixture
def make(client: CoordinatorClient, proposals: proposals_pb2_grpc.DeltaProposalsStub) -> Make:
    async def configured() -> Account:
        return await Account(client, proposals).configure()

    return configured


async def test_create_sign_get_list_and_finalize_by_push(make: Make) -> None:
    account = await make()
    request = account.request(patch={"balance": 5, "memo": {"to": "bob"}})
    created = await account.create(request)
    assert created.outcome == Outcome.PROPOSAL_OUTCOME_CREATED
    proposal = created.proposal
    assert (proposal.commitment, proposal.nonce, proposal.prev_commitment) == (
        request.commitment,
        1,
        account.commitment,
    )
    assert json.loads(proposal.delta_payload_json) == json.loads(request.delta_payload_json)
    assert proposal.proposer_id == account.cosigners[0] and proposal.signatures_required == 3
    assert proposal.state == pb.PROPOSAL_STATE_PENDING and not proposal.signatures

    again = await account.create(request)
    assert (
        again.outcome == Outcome.PROPOSAL_OUTCOME_EXISTING and again.proposal.commitment == request.commitment
    )

    signed = await account.sign(request.commitment, account.cosigners[1])
    assert signed.outcome == Outcome.PROPOSAL_OUTCOME_SIGNED
    assert [s.signer_id for s in signed.proposal.signatures] == [account.cosigners[1]]
    twice = await account.sign(request.commitment, account.cosigners[1])
    assert twice.outcome == Outcome.PROPOSAL_OUTCOME_ALREADY_SIGNED and len(twice.proposal.signatures) == 1
    missing = await account.sign(word(), account.cosigners[1])
    assert missing.outcome == Outcome.PROPOSAL_OUTCOME_NOT_FOUND

    fetched = await account.get(request.commitment)
    assert fetched is not None and fetched.signatures[0].signature == signed.proposal.signatures[0].signature
    assert [p.commitment for p in await account.pending()] == [request.commitment]

    pushed = await account.push(proposal)
    assert pushed.outcome == cpb.SUBMIT_OUTCOME_SUBMITTED
    finalized = await account.get(request.commitment)
    assert finalized is not None and finalized.state == pb.PROPOSAL_STATE_FINALIZED
    assert finalized.HasField("finalized_at") and len(finalized.signatures) == 1
    assert await account.pending() == []
    late = await account.sign(request.commitment, account.cosigners[2])
    assert late.outcome == Outcome.PROPOSAL_OUTCOME_NOT_FOUND


async def test_a_push_of_another_delta_finalizes_nothing(make: Make) -> None:
    account = await make()
    created = (await account.create(account.request(patch={"balance": 1}))).proposal
    other = pb.Proposal()
    other.CopyFrom(created)
    other.delta_payload_json = json.dumps({"patch": {"balance": 2}})
    assert (await account.push(other)).outcome == cpb.SUBMIT_OUTCOME_SUBMITTED
    kept = await account.get(created.commitment)
    assert kept is not None and kept.state == pb.PROPOSAL_STATE_PENDING


async def test_concurrent_cosigners_are_all_recorded_and_one_cosigner_once(make: Make) -> None:
    account = await make()
    commitment = (await account.create()).proposal.commitment
    replies = await asyncio.gather(*(account.sign(commitment, signer) for signer in account.cosigners))
    assert all(r.outcome == Outcome.PROPOSAL_OUTCOME_SIGNED for r in replies)
    stored = await account.get(commitment)
    assert stored is not None and sorted(s.signer_id for s in stored.signatures) == sorted(account.cosigners)

    account2 = await make()
    commitment2 = (await account2.create()).proposal.commitment
    same = await asyncio.gather(*(account2.sign(commitment2, account2.cosigners[0]) for _ in range(6)))
    outcomes = sorted(r.outcome for r in same)
    assert outcomes == [Outcome.PROPOSAL_OUTCOME_SIGNED] + [Outcome.PROPOSAL_OUTCOME_ALREADY_SIGNED] * 5
    stored2 = await account2.get(commitment2)
    assert stored2 is not None and len(stored2.signatures) == 1


async def test_the_cap_counts_viable_proposals_and_superseded_ones_stop_counting(make: Make) -> None:
    account = await make()
    first = [(await account.create(account.request(nonce=1, patch={"i": i}))).proposal for i in range(CAP)]
    assert all(p.state == pb.PROPOSAL_STATE_PENDING for p in first)
    refused = await account.create(account.request(nonce=1))
    assert refused.outcome == Outcome.PROPOSAL_OUTCOME_LIMIT_REACHED and refused.max_pending == CAP
    # An identical retry of a stored proposal is still answered while the cap is reached.
    existing = pb.CreateProposalRequest(
        account_id=account.id,
        commitment=first[0].commitment,
        nonce=1,
        prev_commitment=first[0].prev_commitment,
        new_commitment=first[0].new_commitment,
        delta_payload_json=first[0].delta_payload_json,
        proposer_id=first[0].proposer_id,
    )
    assert (await account.create(existing)).outcome == Outcome.PROPOSAL_OUTCOME_EXISTING

    # One of them is pushed and promoted: the others are built on a superseded state.
    assert (await account.push(first[0])).outcome == cpb.SUBMIT_OUTCOME_SUBMITTED
    await account.promote(1, first[0].new_commitment)
    listed = {p.commitment: p.state for p in await account.pending()}
    assert listed == {p.commitment: pb.PROPOSAL_STATE_SUPERSEDED for p in first[1:]}
    for _ in range(CAP):
        created = await account.create(account.request(nonce=2))
        assert created.outcome == Outcome.PROPOSAL_OUTCOME_CREATED
    assert (await account.create(account.request(nonce=2))).outcome == Outcome.PROPOSAL_OUTCOME_LIMIT_REACHED
    states = [p.state for p in await account.pending()]
    assert states.count(pb.PROPOSAL_STATE_PENDING) == CAP
    assert states.count(pb.PROPOSAL_STATE_SUPERSEDED) == CAP - 1


async def test_refusals_write_nothing(make: Make, client: CoordinatorClient) -> None:
    account = await make()
    stale = await account.create(account.request(prev_commitment=word()))
    assert stale.outcome == Outcome.PROPOSAL_OUTCOME_COMMITMENT_MISMATCH
    assert stale.expected_commitment == account.commitment
    unknown = Account(client, account.stub)
    assert (await unknown.create()).outcome == Outcome.PROPOSAL_OUTCOME_ACCOUNT_NOT_FOUND
    assert (await unknown.sign(word(), word())).outcome == Outcome.PROPOSAL_OUTCOME_ACCOUNT_NOT_FOUND

    proposal = (await account.create()).proposal
    # A pending candidate blocks new proposals (signing the existing ones goes on).
    candidate = account.request(nonce=9)
    pushed = await account.push(
        pb.Proposal(
            nonce=9,
            prev_commitment=account.commitment,
            new_commitment=word(),
            delta_payload_json=candidate.delta_payload_json,
        )
    )
    assert pushed.outcome == cpb.SUBMIT_OUTCOME_SUBMITTED
    assert (await account.create(candidate)).outcome == Outcome.PROPOSAL_OUTCOME_CONFLICT
    assert (
        await account.sign(proposal.commitment, account.cosigners[2])
    ).outcome == Outcome.PROPOSAL_OUTCOME_SIGNED

    paused = await make()
    kept = (await paused.create()).proposal
    await client.custody.Pause(
        cpb.PauseRequest(account_id=paused.id, operator_commitment=OPERATOR, reason="x")
    )
    refused = await paused.create()
    assert refused.outcome == Outcome.PROPOSAL_OUTCOME_PAUSED and refused.account.paused_reason == "x"
    signing = await paused.sign(kept.commitment, paused.cosigners[1])
    assert signing.outcome == Outcome.PROPOSAL_OUTCOME_PAUSED and signing.account.HasField("paused_at")
    assert [p.commitment for p in await paused.pending()] == [kept.commitment]
    stored = await paused.get(kept.commitment)
    assert stored is not None and not stored.signatures
    await client.custody.Unpause(cpb.UnpauseRequest(account_id=paused.id, operator_commitment=OPERATOR))
    assert (await paused.create()).outcome == Outcome.PROPOSAL_OUTCOME_CREATED


async def test_keyset_pages_walk_every_pending_proposal_once(
    make: Make, proposals: proposals_pb2_grpc.DeltaProposalsStub
) -> None:
    accounts = [await make() for _ in range(2)]
    made = []
    for account in accounts:
        for nonce in (1, 2, 3):
            made.append((await account.create(account.request(nonce=nonce))).proposal)
    for limit in (1, 2, 5):
        seen: list[str] = []
        before = None
        while True:
            request = pb.ListAccountProposalsRequest(account_id=accounts[0].id, limit=limit)
            if before is not None:
                request.before.CopyFrom(before)
            page = await proposals.ListAccountProposals(request)
            seen += [p.commitment for p in page.proposals]
            assert all(p.delta_payload_json == "" for p in page.proposals)
            if not page.has_more:
                break
            last = page.proposals[-1]
            before = pb.ProposalKey(nonce=last.nonce, commitment=last.commitment)
        mine = [p for p in made if p.account_id == accounts[0].id]
        expected = sorted(mine, key=lambda p: (p.nonce, p.commitment), reverse=True)
        assert seen == [p.commitment for p in expected]

    ours = {p.commitment for p in made}
    feed: list[pb.Proposal] = []
    after = None
    while True:
        feed_request = pb.ListProposalsRequest(limit=2)
        if after is not None:
            feed_request.after.CopyFrom(after)
        feed_page = await proposals.ListProposals(feed_request)
        feed += list(feed_page.proposals)
        if not feed_page.has_more:
            break
        last = feed_page.proposals[-1]
        after = pb.ProposalFeedKey(
            created_at=last.created_at,
            account_id=last.account_id,
            nonce=last.nonce,
            commitment=last.commitment,
        )
    walked = [p.commitment for p in feed if p.commitment in ours]
    assert len(walked) == len(set(walked)) == len(ours)
    keys = [(-p.created_at.ToNanoseconds(), p.account_id, p.nonce, p.commitment) for p in feed]
    assert keys == sorted(keys)


async def expect_invalid(call: Awaitable[Any], field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
    assert (caught.value.details() or "").startswith(field), caught.value.details()


async def test_bad_input_is_refused_and_writes_nothing(make: Make) -> None:
    account = await make()
    bad: list[tuple[dict[str, Any], str]] = [
        ({"account_id": "0xABC"}, "account_id"),
        ({"commitment": "0x12"}, "commitment"),
        ({"prev_commitment": ""}, "prev_commitment"),
        ({"new_commitment": "nope"}, "new_commitment"),
        ({"delta_payload_json": "[1]"}, "delta_payload_json"),
        ({"delta_payload_json": "{"}, "delta_payload_json"),
        ({"proposer_id": ""}, "proposer_id"),
        ({"nonce": 2**63}, "nonce"),
    ]
    for fields, field in bad:
        await expect_invalid(account.create(account.request(**fields)), field)
    await expect_invalid(
        account.stub.SignProposal(
            pb.SignProposalRequest(account_id=account.id, commitment=word(), signer_id="x", signature="0xAB")
        ),
        "signature",
    )
    await expect_invalid(
        account.stub.ListAccountProposals(pb.ListAccountProposalsRequest(account_id=account.id, limit=0)),
        "limit",
    )
    await expect_invalid(account.stub.GetProposal(pb.GetProposalRequest(account_id=account.id)), "commitment")
    assert await account.pending() == []


async def test_a_page_with_payloads_ends_at_the_byte_budget(make: Make, client: CoordinatorClient) -> None:
    """Five pending proposals of about 1 MB each (two superseded): a page with payloads holds the rows whose
    predecessors stay below 2 MiB (three), the next page the rest; without payloads one page holds all."""
    account = await make()
    filler = "x" * 1_000_000

    def big(nonce: int, i: int) -> pb.CreateProposalRequest:
        return account.request(nonce=nonce, patch={"i": i, "blob": filler})

    first = [(await account.create(big(1, i))).proposal for i in range(CAP)]
    assert (await account.push(first[0])).outcome == cpb.SUBMIT_OUTCOME_SUBMITTED
    await account.promote(1, first[0].new_commitment)
    for i in range(CAP):
        assert (await account.create(big(2, i))).outcome == Outcome.PROPOSAL_OUTCOME_CREATED
    stub = account.stub
    page = await stub.ListAccountProposals(
        pb.ListAccountProposalsRequest(account_id=account.id, limit=50, include_payloads=True)
    )
    assert len(page.proposals) == 3 and page.has_more
    last = page.proposals[-1]
    rest = await stub.ListAccountProposals(
        pb.ListAccountProposalsRequest(
            account_id=account.id,
            limit=50,
            include_payloads=True,
            before=pb.ProposalKey(nonce=last.nonce, commitment=last.commitment),
        )
    )
    assert len(rest.proposals) == 2 and not rest.has_more
    bare = await stub.ListAccountProposals(pb.ListAccountProposalsRequest(account_id=account.id, limit=50))
    assert len(bare.proposals) == 5 and not bare.has_more
    assert {p.commitment for p in page.proposals} | {p.commitment for p in rest.proposals} == {
        p.commitment for p in bare.proposals
    }


async def test_a_released_account_refuses_proposals(make: Make) -> None:
    account = await make()
    proposal = (await account.create()).proposal
    acquired = await account.client.leases.Acquire(
        cpb.AcquireRequest(name=f"test-{secrets.token_hex(4)}", holder_id="test", ttl_ms=60_000)
    )
    assert (await account.push(proposal)).outcome == cpb.SUBMIT_OUTCOME_SUBMITTED
    released = await account.client.custody.Promote(
        cpb.PromoteRequest(
            lease=acquired.lease,
            account_id=account.id,
            nonce=proposal.nonce,
            source_kind=cpb.DELTA_KIND_CANDIDATE,
            new_commitment=proposal.new_commitment,
            new_state_json=json.dumps({"balance": 1}),
            release=True,
        )
    )
    assert released.outcome == cpb.WRITE_OUTCOME_APPLIED
    account.commitment = proposal.new_commitment
    refused = await account.create(account.request(nonce=2))
    assert refused.outcome == Outcome.PROPOSAL_OUTCOME_RELEASED and refused.account.HasField("released_at")
    assert (await account.sign(word(), account.cosigners[0])).outcome == Outcome.PROPOSAL_OUTCOME_RELEASED


async def test_pending_proposals_are_counted_viable_or_superseded(make: Make) -> None:
    account = await make()

    async def counts() -> tuple[int, int]:
        reply = await account.stub.CountPendingProposals(pb.CountPendingProposalsRequest())
        return reply.viable, reply.superseded

    viable, superseded = await counts()
    first = (await account.create(account.request(patch={"i": 1}))).proposal
    await account.create(account.request(patch={"i": 2}))
    assert await counts() == (viable + 2, superseded)
    assert (await account.push(first)).outcome == cpb.SUBMIT_OUTCOME_SUBMITTED  # finalized
    assert await counts() == (viable + 1, superseded)
    await account.promote(first.nonce, first.new_commitment)  # the other one is superseded
    assert await counts() == (viable, superseded + 1)
