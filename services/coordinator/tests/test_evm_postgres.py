"""EVM proposals on real PostgreSQL only: approvals raced across two coordinator processes, proposals that
outlive a coordinator restart, and the one-approval-per-signer constraint in the schema itself."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import psycopg
import pytest

from guardian.coordinator.v1 import evm_pb2 as pb
from guardian.coordinator.v1 import evm_pb2_grpc
from guardian_coordinator.store.postgres.engine import libpq_url
from guardian_testing.canonicalization import wait_until
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.fixtures import StartReplicas, StartService

pytestmark = pytest.mark.slow
Outcome = pb.EvmProposalOutcome


def address() -> str:
    return "0x" + secrets.token_hex(20)


def signature() -> str:
    return "0x" + secrets.token_hex(65)


@pytest.fixture
async def replicas(
    start_replicas: StartReplicas, run_database_url: str
) -> AsyncIterator[list[evm_pb2_grpc.EvmProposalsStub]]:
    processes = start_replicas("guardian-coordinator", 2, DATABASE_URL=run_database_url)
    clients = [CoordinatorClient(p.grpc_target) for p in processes]
    yield [evm_pb2_grpc.EvmProposalsStub(c.channel) for c in clients]
    for client in clients:
        await client.close()


async def account_with_proposal(
    evm: evm_pb2_grpc.EvmProposalsStub, signers: list[str], threshold: int, ttl: int = 3600
) -> tuple[pb.EvmAccount, pb.EvmProposal]:
    registered = await evm.RegisterAccount(
        pb.RegisterEvmAccountRequest(
            chain_id=31337,
            account_address=address(),
            multisig_validator_address=address(),
            signers=signers,
            threshold=threshold,
        )
    )
    account = registered.account
    created = await evm.CreateProposal(
        pb.CreateEvmProposalRequest(
            proposal_id="0x" + secrets.token_hex(32),
            account_id=account.account_id,
            user_op_hash="0x" + secrets.token_hex(32),
            payload="{}",
            nonce="0",
            nonce_key="0",
            proposer=signers[0],
            signature=signature(),
            signer_snapshot=signers,
            threshold=threshold,
            ttl_seconds=ttl,
        )
    )
    assert created.outcome == Outcome.EVM_PROPOSAL_OUTCOME_CREATED
    return account, created.proposal


async def test_approvals_raced_across_two_coordinators(replicas: list[evm_pb2_grpc.EvmProposalsStub]) -> None:
    signers = [address() for _ in range(12)]
    account, proposal = await account_with_proposal(replicas[0], signers, threshold=12)

    def request(signer: str) -> pb.ApproveEvmProposalRequest:
        return pb.ApproveEvmProposalRequest(
            account_id=account.account_id,
            proposal_id=proposal.proposal_id,
            signer=signer,
            signature=signature(),
        )

    # Every other signer at once, half on each replica: all recorded.
    replies = await asyncio.gather(
        *(replicas[i % 2].ApproveProposal(request(s)) for i, s in enumerate(signers[1:]))
    )
    assert {r.outcome for r in replies} == {Outcome.EVM_PROPOSAL_OUTCOME_APPROVED}
    # The same signer again, four times on each replica: exactly one more signature is refused each time.
    again = await asyncio.gather(*(replicas[i % 2].ApproveProposal(request(signers[5])) for i in range(8)))
    assert {r.outcome for r in again} == {Outcome.EVM_PROPOSAL_OUTCOME_ALREADY_SIGNED}

    got = await replicas[1].GetProposal(
        pb.GetEvmProposalRequest(account_id=account.account_id, proposal_id=proposal.proposal_id)
    )
    assert sorted(s.signer for s in got.proposal.signatures) == sorted(signers)


async def test_one_new_signer_twice_on_two_coordinators(
    replicas: list[evm_pb2_grpc.EvmProposalsStub],
) -> None:
    signers = [address(), address()]
    account, proposal = await account_with_proposal(replicas[0], signers, threshold=2)
    request = pb.ApproveEvmProposalRequest(
        account_id=account.account_id,
        proposal_id=proposal.proposal_id,
        signer=signers[1],
        signature=signature(),
    )
    replies = await asyncio.gather(*(replicas[i % 2].ApproveProposal(request) for i in range(10)))
    outcomes = [r.outcome for r in replies]
    assert outcomes.count(Outcome.EVM_PROPOSAL_OUTCOME_APPROVED) == 1
    assert outcomes.count(Outcome.EVM_PROPOSAL_OUTCOME_ALREADY_SIGNED) == 9


async def test_proposals_survive_a_coordinator_restart(
    start_service: StartService, run_database_url: str
) -> None:
    first = start_service("guardian-coordinator", DATABASE_URL=run_database_url)
    async with CoordinatorClient(first.grpc_target) as client:
        evm = evm_pb2_grpc.EvmProposalsStub(client.channel)
        signers = [address(), address()]
        account, proposal = await account_with_proposal(evm, signers, threshold=2)
        approved = await evm.ApproveProposal(
            pb.ApproveEvmProposalRequest(
                account_id=account.account_id,
                proposal_id=proposal.proposal_id,
                signer=signers[1],
                signature=signature(),
            )
        )
        assert approved.outcome == Outcome.EVM_PROPOSAL_OUTCOME_APPROVED
    first.stop()

    second = start_service("guardian-coordinator", DATABASE_URL=run_database_url)
    async with CoordinatorClient(second.grpc_target) as client:
        evm = evm_pb2_grpc.EvmProposalsStub(client.channel)
        got = await evm.GetProposal(
            pb.GetEvmProposalRequest(account_id=account.account_id, proposal_id=proposal.proposal_id)
        )
        assert got.found and got.proposal == approved.proposal
        stored = await evm.GetAccount(pb.GetEvmAccountRequest(account_id=account.account_id))
        assert stored.account == account


async def test_the_schema_refuses_a_second_approval_by_one_signer(
    replicas: list[evm_pb2_grpc.EvmProposalsStub], run_database_url: str
) -> None:
    signers = [address(), address()]
    _, proposal = await account_with_proposal(replicas[0], signers, threshold=2)
    insert = (
        "INSERT INTO evm_proposal_signatures (proposal_id, signer, signature, signed_at) "
        "VALUES (%s, %s, %s, now())"
    )
    with psycopg.connect(libpq_url(run_database_url)) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(insert, (proposal.proposal_id, signers[0], signature()))


async def test_the_sweeper_deletes_expired_proposals_nobody_reads(
    start_service: StartService, run_database_url: str
) -> None:
    process = start_service(
        "guardian-coordinator", DATABASE_URL=run_database_url, GUARDIAN_SWEEP_INTERVAL_SECONDS="0.2"
    )
    async with CoordinatorClient(process.grpc_target) as client:
        evm = evm_pb2_grpc.EvmProposalsStub(client.channel)
        _, proposal = await account_with_proposal(evm, [address(), address()], threshold=1, ttl=1)

    def rows() -> int:
        with psycopg.connect(libpq_url(run_database_url)) as conn:
            query = "SELECT count(*) FROM evm_proposal_signatures WHERE proposal_id = %s"
            row = conn.execute(query, (proposal.proposal_id,)).fetchone()
        return int(row[0]) if row else -1

    assert len(proposal.signatures) == 1  # the approval row the sweep must take with the proposal

    async def swept() -> bool:
        return await asyncio.to_thread(rows) == 0

    await wait_until(swept, "the sweeper to delete the expired proposal and its approval", within=15)


async def test_pauses_are_audited_with_the_custody_accounts(
    replicas: list[evm_pb2_grpc.EvmProposalsStub], run_database_url: str
) -> None:
    account, _ = await account_with_proposal(replicas[0], [address(), address()], threshold=2)
    operator = "0x" + "0f" * 32
    for evm, paused in ((replicas[0], True), (replicas[1], True), (replicas[0], False)):
        await evm.SetAccountPaused(
            pb.SetEvmAccountPausedRequest(
                account_id=account.account_id, paused=paused, reason="audit", operator_commitment=operator
            )
        )
    query = (
        "SELECT action, operator_commitment, before_state, after_state FROM admin_actions "
        "WHERE account_id = %s ORDER BY id"
    )
    with psycopg.connect(libpq_url(run_database_url)) as conn:
        rows = conn.execute(query, (account.account_id,)).fetchall()
    assert rows == [
        ("accounts.pause", operator, "active", "paused"),
        ("accounts.pause", operator, "paused", "paused"),
        ("accounts.unpause", operator, "paused", "active"),
    ]
