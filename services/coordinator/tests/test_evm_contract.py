"""The EvmProposals contract (docs/contracts/auth.md §3.7), through gRPC against a real coordinator process,
on both backends: registration, create (identical active proposal returned as is), atomic approvals,
pruning of expired and nonce-advanced proposals, cancel by the proposer only, the pause, bad input."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import grpc
import pytest

from guardian.coordinator.v1 import evm_pb2 as pb
from guardian.coordinator.v1 import evm_pb2_grpc
from guardian_testing.canonicalization import wait_until
from guardian_testing.coordinator_client import CoordinatorClient

CHAIN = 31337
OPERATOR = "0x" + "0f" * 32
Outcome = pb.EvmProposalOutcome


def address() -> str:
    return "0x" + secrets.token_hex(20)


def bytes32() -> str:
    return "0x" + secrets.token_hex(32)


def signature() -> str:
    return "0x" + secrets.token_hex(65)


@pytest.fixture
def evm(client: CoordinatorClient) -> evm_pb2_grpc.EvmProposalsStub:
    return evm_pb2_grpc.EvmProposalsStub(client.channel)


async def register(
    evm: evm_pb2_grpc.EvmProposalsStub, signers: list[str], threshold: int = 2
) -> pb.EvmAccount:
    reply = await evm.RegisterAccount(
        pb.RegisterEvmAccountRequest(
            chain_id=CHAIN,
            account_address=address(),
            multisig_validator_address=address(),
            signers=signers,
            threshold=threshold,
        )
    )
    assert reply.created
    account: pb.EvmAccount = reply.account
    return account


def new_proposal(
    account: pb.EvmAccount, proposer: str, *, nonce: int = 0, ttl: int = 600, **fields: object
) -> pb.CreateEvmProposalRequest:
    return pb.CreateEvmProposalRequest(
        proposal_id=bytes32(),
        account_id=account.account_id,
        user_op_hash=bytes32(),
        payload='{"op": 1}',
        nonce=str(nonce),
        nonce_key=str(nonce >> 64),
        proposer=proposer,
        signature=signature(),
        signer_snapshot=list(account.signers),
        threshold=account.threshold,
        ttl_seconds=ttl,
        **fields,  # type: ignore[arg-type]
    )


async def test_register_is_an_upsert_keeping_created_at(evm: evm_pb2_grpc.EvmProposalsStub) -> None:
    signers = [address(), address()]
    account = await register(evm, signers)
    assert account.account_id == f"evm:{CHAIN}:{account.account_address}"
    again = await evm.RegisterAccount(
        pb.RegisterEvmAccountRequest(
            chain_id=CHAIN,
            account_address=account.account_address,
            multisig_validator_address=account.multisig_validator_address,
            signers=signers[:1],
            threshold=1,
        )
    )
    assert not again.created
    assert list(again.account.signers) == signers[:1] and again.account.threshold == 1
    assert again.account.created_at == account.created_at
    got = await evm.GetAccount(pb.GetEvmAccountRequest(account_id=account.account_id))
    assert got.found and list(got.account.signers) == signers[:1]
    missing = await evm.GetAccount(pb.GetEvmAccountRequest(account_id=f"evm:{CHAIN}:{address()}"))
    assert not missing.found


async def test_create_returns_the_identical_active_proposal(evm: evm_pb2_grpc.EvmProposalsStub) -> None:
    a, b = address(), address()
    account = await register(evm, [a, b])
    request = new_proposal(account, a, nonce=7)
    created = await evm.CreateProposal(request)
    assert created.outcome == Outcome.EVM_PROPOSAL_OUTCOME_CREATED
    proposal = created.proposal
    assert proposal.proposer == a and [s.signer for s in proposal.signatures] == [a]
    assert proposal.nonce == "7" and proposal.nonce_key == "0" and proposal.threshold == 2
    assert proposal.expires_at_ms - proposal.created_at_ms == 600_000
    assert proposal.validator_address == account.multisig_validator_address

    again = await evm.CreateProposal(request)
    assert again.outcome == Outcome.EVM_PROPOSAL_OUTCOME_EXISTING
    assert again.proposal == proposal


async def test_concurrent_creates_of_one_id_make_one_proposal(evm: evm_pb2_grpc.EvmProposalsStub) -> None:
    a, b = address(), address()
    account = await register(evm, [a, b])
    request = new_proposal(account, a)
    replies = await asyncio.gather(*(evm.CreateProposal(request) for _ in range(8)))
    outcomes = sorted(r.outcome for r in replies)
    assert outcomes.count(Outcome.EVM_PROPOSAL_OUTCOME_CREATED) == 1
    assert outcomes.count(Outcome.EVM_PROPOSAL_OUTCOME_EXISTING) == 7
    listed = await evm.ListProposals(pb.ListEvmProposalsRequest(account_id=account.account_id))
    assert [p.proposal_id for p in listed.proposals] == [request.proposal_id]


async def test_concurrent_approvals_by_two_signers_are_both_recorded(
    evm: evm_pb2_grpc.EvmProposalsStub,
) -> None:
    a, b, c = address(), address(), address()
    account = await register(evm, [a, b, c], threshold=3)
    created = await evm.CreateProposal(new_proposal(account, a))
    pid = created.proposal.proposal_id

    def approve(signer: str) -> pb.ApproveEvmProposalRequest:
        return pb.ApproveEvmProposalRequest(
            account_id=account.account_id, proposal_id=pid, signer=signer, signature=signature()
        )

    replies = await asyncio.gather(evm.ApproveProposal(approve(b)), evm.ApproveProposal(approve(c)))
    assert all(r.outcome == Outcome.EVM_PROPOSAL_OUTCOME_APPROVED for r in replies)
    got = await evm.GetProposal(pb.GetEvmProposalRequest(account_id=account.account_id, proposal_id=pid))
    assert sorted(s.signer for s in got.proposal.signatures) == sorted([a, b, c])
    assert got.proposal.signatures[0].signer == a  # recording order, proposer first


async def test_one_signer_twice_is_already_signed_exactly_once(evm: evm_pb2_grpc.EvmProposalsStub) -> None:
    a, b = address(), address()
    account = await register(evm, [a, b])
    pid = (await evm.CreateProposal(new_proposal(account, a))).proposal.proposal_id
    request = pb.ApproveEvmProposalRequest(
        account_id=account.account_id, proposal_id=pid, signer=b, signature=signature()
    )
    replies = await asyncio.gather(*(evm.ApproveProposal(request) for _ in range(6)))
    outcomes = [r.outcome for r in replies]
    assert outcomes.count(Outcome.EVM_PROPOSAL_OUTCOME_APPROVED) == 1
    assert outcomes.count(Outcome.EVM_PROPOSAL_OUTCOME_ALREADY_SIGNED) == 5
    by_proposer = await evm.ApproveProposal(
        pb.ApproveEvmProposalRequest(
            account_id=account.account_id, proposal_id=pid, signer=a, signature=signature()
        )
    )
    assert by_proposer.outcome == Outcome.EVM_PROPOSAL_OUTCOME_ALREADY_SIGNED
    outsider = await evm.ApproveProposal(
        pb.ApproveEvmProposalRequest(
            account_id=account.account_id, proposal_id=pid, signer=address(), signature=signature()
        )
    )
    assert outsider.outcome == Outcome.EVM_PROPOSAL_OUTCOME_NOT_A_SIGNER
    got = await evm.GetProposal(pb.GetEvmProposalRequest(account_id=account.account_id, proposal_id=pid))
    assert [s.signer for s in got.proposal.signatures] == [a, b]


async def test_listing_prunes_nonce_advanced_and_expired_proposals(
    evm: evm_pb2_grpc.EvmProposalsStub,
) -> None:
    a, b = address(), address()
    account = await register(evm, [a, b])
    key1 = 1 << 64
    old = await evm.CreateProposal(new_proposal(account, a, nonce=3))
    current = await evm.CreateProposal(new_proposal(account, a, nonce=5))
    other_key = await evm.CreateProposal(new_proposal(account, a, nonce=key1 + 1))
    short = await evm.CreateProposal(new_proposal(account, a, nonce=9, ttl=1))
    ids = [r.proposal.proposal_id for r in (old, current, other_key, short)]

    # Without nonces only expiry counts; the 1 s proposal expires on the store's clock.
    listed = await evm.ListProposals(pb.ListEvmProposalsRequest(account_id=account.account_id))
    assert [p.proposal_id for p in listed.proposals][:3] == ids[:3]

    nonces = [pb.EntryPointNonce(nonce_key="0", nonce="5"), pb.EntryPointNonce(nonce_key=str(1), nonce="0")]
    pruned = await evm.ListProposals(
        pb.ListEvmProposalsRequest(account_id=account.account_id, current_nonces=nonces)
    )
    remaining = [p.proposal_id for p in pruned.proposals]
    assert ids[0] not in remaining and ids[1] in remaining and ids[2] in remaining
    got = await evm.GetProposal(pb.GetEvmProposalRequest(account_id=account.account_id, proposal_id=ids[0]))
    assert not got.found

    missing = await evm.ListProposals(pb.ListEvmProposalsRequest(account_id=f"evm:{CHAIN}:{address()}"))
    assert not missing.account_found and not missing.proposals


async def test_expired_proposal_is_not_found_and_its_id_can_be_proposed_again(
    evm: evm_pb2_grpc.EvmProposalsStub,
) -> None:
    a, b = address(), address()
    account = await register(evm, [a, b])
    request = new_proposal(account, a, ttl=1)
    first = await evm.CreateProposal(request)
    scope: dict[str, Any] = {"account_id": account.account_id, "proposal_id": request.proposal_id}

    async def expired() -> bool:
        return not (await evm.GetProposal(pb.GetEvmProposalRequest(**scope))).found

    await wait_until(expired, "the 1 s proposal to expire on the store's clock", within=10)
    approve = await evm.ApproveProposal(
        pb.ApproveEvmProposalRequest(**scope, signer=b, signature=signature())
    )
    assert approve.outcome == Outcome.EVM_PROPOSAL_OUTCOME_PROPOSAL_NOT_FOUND
    again = await evm.CreateProposal(request)
    assert again.outcome == Outcome.EVM_PROPOSAL_OUTCOME_CREATED
    assert again.proposal.created_at_ms >= first.proposal.created_at_ms


async def test_nonce_advanced_proposal_is_replaced_on_create(evm: evm_pb2_grpc.EvmProposalsStub) -> None:
    a, b = address(), address()
    account = await register(evm, [a, b])
    request = new_proposal(account, a, nonce=2)
    await evm.CreateProposal(request)
    request.current_nonces.append(pb.EntryPointNonce(nonce_key="0", nonce="3"))
    again = await evm.CreateProposal(request)
    assert again.outcome == Outcome.EVM_PROPOSAL_OUTCOME_CREATED


async def test_cancel_by_proposer_only(evm: evm_pb2_grpc.EvmProposalsStub) -> None:
    a, b = address(), address()
    account = await register(evm, [a, b])
    pid = (await evm.CreateProposal(new_proposal(account, a))).proposal.proposal_id
    scope = {"account_id": account.account_id, "proposal_id": pid}
    refused = await evm.CancelProposal(pb.CancelEvmProposalRequest(**scope, requester=b))
    assert refused.outcome == Outcome.EVM_PROPOSAL_OUTCOME_NOT_PROPOSER
    done = await evm.CancelProposal(pb.CancelEvmProposalRequest(**scope, requester=a))
    assert done.outcome == Outcome.EVM_PROPOSAL_OUTCOME_CANCELLED
    gone = await evm.CancelProposal(pb.CancelEvmProposalRequest(**scope, requester=a))
    assert gone.outcome == Outcome.EVM_PROPOSAL_OUTCOME_PROPOSAL_NOT_FOUND
    assert not (await evm.GetProposal(pb.GetEvmProposalRequest(**scope))).found


async def test_paused_account_refuses_mutations_but_serves_reads(evm: evm_pb2_grpc.EvmProposalsStub) -> None:
    a, b = address(), address()
    account = await register(evm, [a, b])
    pid = (await evm.CreateProposal(new_proposal(account, a))).proposal.proposal_id
    scope = {"account_id": account.account_id, "proposal_id": pid}
    paused = await evm.SetAccountPaused(
        pb.SetEvmAccountPausedRequest(
            account_id=account.account_id, paused=True, reason="audit", operator_commitment=OPERATOR
        )
    )
    assert paused.found and paused.account.HasField("paused_at") and paused.account.paused_reason == "audit"
    assert (paused.before_state, paused.after_state) == ("active", "paused")
    again = await evm.SetAccountPaused(
        pb.SetEvmAccountPausedRequest(
            account_id=account.account_id, paused=True, reason="other", operator_commitment=OPERATOR
        )
    )
    assert (again.before_state, again.after_state) == ("paused", "paused")
    assert again.account.paused_reason == "audit" and again.account.paused_at == paused.account.paused_at
    missing = await evm.SetAccountPaused(
        pb.SetEvmAccountPausedRequest(
            account_id=f"evm:{CHAIN}:{address()}", paused=True, operator_commitment=OPERATOR
        )
    )
    assert not missing.found

    create = await evm.CreateProposal(new_proposal(account, a))
    assert create.outcome == Outcome.EVM_PROPOSAL_OUTCOME_ACCOUNT_PAUSED
    assert create.account.paused_reason == "audit"
    approve = await evm.ApproveProposal(
        pb.ApproveEvmProposalRequest(**scope, signer=b, signature=signature())
    )
    assert approve.outcome == Outcome.EVM_PROPOSAL_OUTCOME_ACCOUNT_PAUSED
    cancel = await evm.CancelProposal(pb.CancelEvmProposalRequest(**scope, requester=a))
    assert cancel.outcome == Outcome.EVM_PROPOSAL_OUTCOME_ACCOUNT_PAUSED
    got = await evm.GetProposal(pb.GetEvmProposalRequest(**scope))
    assert got.found and len(got.proposal.signatures) == 1

    resumed = await evm.SetAccountPaused(
        pb.SetEvmAccountPausedRequest(
            account_id=account.account_id, paused=False, operator_commitment=OPERATOR
        )
    )
    assert (resumed.before_state, resumed.after_state) == ("paused", "active")
    assert not resumed.account.HasField("paused_at") and resumed.account.paused_reason == ""
    approve = await evm.ApproveProposal(
        pb.ApproveEvmProposalRequest(**scope, signer=b, signature=signature())
    )
    assert approve.outcome == Outcome.EVM_PROPOSAL_OUTCOME_APPROVED


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("proposal_id", {"proposal_id": "0x12"}),
        ("user_op_hash", {"user_op_hash": "0x" + "AB" * 32}),
        ("signature", {"signature": "0x" + "00" * 64}),
        ("nonce", {"nonce": "-1"}),
        ("nonce_key", {"nonce_key": "1"}),
        ("ttl_seconds", {"ttl_seconds": 0}),
        ("proposer", {"proposer": "0x" + "11" * 20}),
        ("account_id", {"account_id": "0x" + "00" * 15}),
        ("threshold", {"threshold": 3}),
    ],
)
async def test_bad_create_arguments_are_refused(
    evm: evm_pb2_grpc.EvmProposalsStub, field: str, change: dict[str, object]
) -> None:
    a, b = address(), address()
    account = await register(evm, [a, b])
    request = new_proposal(account, a)
    for name, value in change.items():
        setattr(request, name, value)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await evm.CreateProposal(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in (caught.value.details() or "")
    listed = await evm.ListProposals(pb.ListEvmProposalsRequest(account_id=account.account_id))
    assert not listed.proposals


async def test_bad_registrations_are_refused(evm: evm_pb2_grpc.EvmProposalsStub) -> None:
    signer = address()
    cases = [
        {"chain_id": 0, "signers": [signer], "threshold": 1},
        {"chain_id": CHAIN, "signers": [], "threshold": 1},
        {"chain_id": CHAIN, "signers": [signer, signer], "threshold": 1},
        {"chain_id": CHAIN, "signers": [signer.upper().replace("0X", "0x")], "threshold": 1},
        {"chain_id": CHAIN, "signers": [signer], "threshold": 2},
    ]
    for case in cases:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await evm.RegisterAccount(
                pb.RegisterEvmAccountRequest(
                    account_address=address(),
                    multisig_validator_address=address(),
                    **case,  # type: ignore[arg-type]
                )
            )
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, case
