"""EVM accounts and multisig proposals (docs/contracts/auth.md §3.7): chain reads and signature checks
here, then one atomic coordinator call that decides what must hold across replicas.

Order of every mutating call: cheap shape checks (by the caller), the coordinator's view of the account
or proposal, the chain (over JSON-RPC), the signature, then the coordinator's write, which itself checks
the pause and, atomically, the facts a concurrent request could change (already signed, proposer,
expiry on the database clock, the EntryPoint nonce read here). Nothing is written when the node fails."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from guardian.coordinator.v1 import evm_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.views import optional_time
from guardian_gateway.clients.evm_rpc import EvmRpc
from guardian_gateway.clients.evm_store import EvmStoreClient, nonce_entries
from guardian_gateway.domain.evm_proposals import (
    EvmAccountRef,
    check_signer_set,
    proposal_id,
    recover_signer,
)

Outcome = pb.EvmProposalOutcome


@dataclass(frozen=True)
class EvmServices:
    store: EvmStoreClient
    chain: EvmRpc


@dataclass(frozen=True)
class NewProposal:
    account: EvmAccountRef
    user_op_hash: bytes
    payload: str
    nonce: int
    ttl_seconds: int
    signature: bytes


def paused(account: pb.EvmAccount) -> ErrorEnvelope:
    return ErrorEnvelope.of(
        "GUARDIAN_ACCOUNT_PAUSED",
        paused_at=optional_time(account, "paused_at"),
        paused_reason=account.paused_reason or None,
    )


def refusal(outcome: int, account: pb.EvmAccount, signer: str) -> ErrorEnvelope:
    """The envelope of a coordinator outcome that is not a success."""
    if outcome == Outcome.EVM_PROPOSAL_OUTCOME_ACCOUNT_PAUSED:
        return paused(account)
    if outcome == Outcome.EVM_PROPOSAL_OUTCOME_ACCOUNT_NOT_FOUND:
        return ErrorEnvelope.of("account_not_found")
    if outcome == Outcome.EVM_PROPOSAL_OUTCOME_PROPOSAL_NOT_FOUND:
        return ErrorEnvelope.of("proposal_not_found")
    if outcome == Outcome.EVM_PROPOSAL_OUTCOME_NOT_A_SIGNER:
        return ErrorEnvelope.of("signer_not_authorized", f"{signer} is not a signer of this proposal")
    if outcome == Outcome.EVM_PROPOSAL_OUTCOME_ALREADY_SIGNED:
        return ErrorEnvelope.of("proposal_already_signed", f"{signer} already signed this proposal")
    if outcome == Outcome.EVM_PROPOSAL_OUTCOME_NOT_PROPOSER:
        return ErrorEnvelope.of("authorization_failed", "only the proposer can cancel this proposal")
    return ErrorEnvelope.of("internal_error")


async def register_account(
    evm: EvmServices, session: str, chain_id: int, account_address: str, validator: str
) -> pb.EvmAccount:
    evm.chain.chains.url(chain_id)  # 400 unsupported_evm_chain before any call
    snapshot = await evm.chain.validator_snapshot(chain_id, account_address, validator)
    check_signer_set(snapshot.signers, snapshot.threshold)
    if session not in snapshot.signers:
        raise ErrorEnvelope.of("signer_not_authorized", f"{session} is not a signer of this account")
    reply = await evm.store.register_account(
        pb.RegisterEvmAccountRequest(
            chain_id=chain_id,
            account_address=account_address,
            multisig_validator_address=validator,
            signers=snapshot.signers,
            threshold=snapshot.threshold,
        )
    )
    return reply.account


async def _account(evm: EvmServices, ref: EvmAccountRef) -> pb.EvmAccount:
    account = await evm.store.get_account(ref.account_id)
    if account is None:
        raise ErrorEnvelope.of("account_not_found")
    return account


async def create_proposal(evm: EvmServices, session: str, new: NewProposal) -> pb.EvmProposal:
    account = await _account(evm, new.account)
    chain_id, address = account.chain_id, account.account_address
    validator = account.multisig_validator_address
    evm.chain.chains.url(chain_id)
    key = new.nonce >> 64
    snapshot, current = await asyncio.gather(
        evm.chain.validator_snapshot(chain_id, address, validator),
        evm.chain.entrypoint_nonce(chain_id, address, key),
    )
    check_signer_set(snapshot.signers, snapshot.threshold)
    if session not in snapshot.signers:
        raise ErrorEnvelope.of("signer_not_authorized", f"{session} is not a signer of this account")
    if recover_signer(new.user_op_hash, new.signature) != session:
        raise ErrorEnvelope.of(
            "invalid_proposal_signature", "the signature was not made by the session wallet"
        )
    reply = await evm.store.create_proposal(
        pb.CreateEvmProposalRequest(
            proposal_id=proposal_id(chain_id, address, validator, new.user_op_hash, new.nonce),
            account_id=account.account_id,
            user_op_hash="0x" + new.user_op_hash.hex(),
            payload=new.payload,
            nonce=str(new.nonce),
            nonce_key=str(key),
            proposer=session,
            signature="0x" + new.signature.hex(),
            signer_snapshot=snapshot.signers,
            threshold=snapshot.threshold,
            ttl_seconds=new.ttl_seconds,
            current_nonces=nonce_entries({key: current}),
        )
    )
    if reply.outcome in (Outcome.EVM_PROPOSAL_OUTCOME_CREATED, Outcome.EVM_PROPOSAL_OUTCOME_EXISTING):
        return reply.proposal
    raise refusal(reply.outcome, reply.account, session)


def _stale(proposal: pb.EvmProposal, nonces: dict[int, int]) -> bool:
    current = nonces.get(int(proposal.nonce_key))
    return current is not None and int(proposal.nonce) < current


async def list_proposals(evm: EvmServices, session: str, ref: EvmAccountRef) -> list[pb.EvmProposal]:
    """Active proposals, oldest first; the session wallet must be in every one's signer snapshot."""
    listed = await evm.store.list_proposals(ref.account_id, {})
    if not listed.account_found:
        raise ErrorEnvelope.of("account_not_found")
    proposals = list(listed.proposals)
    if proposals:
        keys = {int(p.nonce_key) for p in proposals}
        nonces = await evm.chain.entrypoint_nonces(ref.chain_id, ref.address, keys)
        if any(_stale(p, nonces) for p in proposals):
            proposals = list((await evm.store.list_proposals(ref.account_id, nonces)).proposals)
    for proposal in proposals:
        if session not in proposal.signer_snapshot:
            raise ErrorEnvelope.of("signer_not_authorized", f"{session} is not a signer of every proposal")
    return proposals


async def _active(evm: EvmServices, ref: EvmAccountRef, pid: str) -> tuple[pb.EvmProposal, dict[int, int]]:
    """The proposal unless absent, expired or overtaken by the EntryPoint nonce (then pruned): 404."""
    proposal = await evm.store.get_proposal(ref.account_id, pid)
    if proposal is None:
        raise ErrorEnvelope.of("proposal_not_found")
    key = int(proposal.nonce_key)
    nonces = {key: await evm.chain.entrypoint_nonce(proposal.chain_id, proposal.smart_account_address, key)}
    if _stale(proposal, nonces):
        await evm.store.list_proposals(ref.account_id, nonces)
        raise ErrorEnvelope.of("proposal_not_found")
    return proposal, nonces


async def get_proposal(evm: EvmServices, session: str, ref: EvmAccountRef, pid: str) -> pb.EvmProposal:
    proposal, _ = await _active(evm, ref, pid)
    if session not in proposal.signer_snapshot:
        raise ErrorEnvelope.of("signer_not_authorized", f"{session} is not a signer of this proposal")
    return proposal


async def executable(evm: EvmServices, session: str, ref: EvmAccountRef, pid: str) -> pb.EvmProposal:
    proposal = await get_proposal(evm, session, ref, pid)
    if len(proposal.signatures) < proposal.threshold:
        raise ErrorEnvelope.of(
            "insufficient_signatures",
            f"{len(proposal.signatures)} of the {proposal.threshold} required signatures",
            required=proposal.threshold,
            got=len(proposal.signatures),
        )
    return proposal


async def approve(
    evm: EvmServices, session: str, ref: EvmAccountRef, pid: str, signature: bytes
) -> pb.EvmProposal:
    proposal, nonces = await _active(evm, ref, pid)
    if session not in proposal.signer_snapshot:
        raise ErrorEnvelope.of("signer_not_authorized", f"{session} is not a signer of this proposal")
    if any(s.signer == session for s in proposal.signatures):
        raise ErrorEnvelope.of("proposal_already_signed", f"{session} already signed this proposal")
    if recover_signer(bytes.fromhex(proposal.user_op_hash[2:]), signature) != session:
        raise ErrorEnvelope.of(
            "invalid_proposal_signature", "the signature was not made by the session wallet"
        )
    reply = await evm.store.approve(
        pb.ApproveEvmProposalRequest(
            account_id=ref.account_id,
            proposal_id=pid,
            signer=session,
            signature="0x" + signature.hex(),
            current_nonces=nonce_entries(nonces),
        )
    )
    if reply.outcome == Outcome.EVM_PROPOSAL_OUTCOME_APPROVED:
        return reply.proposal
    raise refusal(reply.outcome, reply.account, session)


async def cancel(evm: EvmServices, session: str, ref: EvmAccountRef, pid: str) -> None:
    proposal, nonces = await _active(evm, ref, pid)
    if proposal.proposer != session:
        raise ErrorEnvelope.of("authorization_failed", "only the proposer can cancel this proposal")
    reply = await evm.store.cancel(
        pb.CancelEvmProposalRequest(
            account_id=ref.account_id,
            proposal_id=pid,
            requester=session,
            current_nonces=nonce_entries(nonces),
        )
    )
    if reply.outcome != Outcome.EVM_PROPOSAL_OUTCOME_CANCELLED:
        raise refusal(reply.outcome, reply.account, session)
