"""The EvmProposals gRPC service. Thin: validation lives in domain.evm, every decision in the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import grpc

from guardian.coordinator.v1 import evm_pb2 as pb
from guardian.coordinator.v1 import evm_pb2_grpc as pb_grpc
from guardian_coordinator.api.convert import optional_timestamp, timestamp
from guardian_coordinator.api.errors import mapped_errors
from guardian_coordinator.domain.errors import InvalidArgument
from guardian_coordinator.domain.evm import (
    EvmAccount,
    EvmProposal,
    EvmProposals,
    NewEvmProposal,
    ProposalResult,
    require_nonces,
)

Context = grpc.aio.ServicerContext[Any, Any]
MAX_U256 = 2**256 - 1


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def account_to_proto(account: EvmAccount | None) -> pb.EvmAccount | None:
    if account is None:
        return None
    return pb.EvmAccount(
        account_id=account.account_id,
        chain_id=account.chain_id,
        account_address=account.account_address,
        multisig_validator_address=account.validator_address,
        signers=list(account.signers),
        threshold=account.threshold,
        created_at=timestamp(account.created_at),
        updated_at=timestamp(account.updated_at),
        paused_at=optional_timestamp(account.paused_at),
        paused_reason=account.paused_reason or "",
    )


def optional_proposal(proposal: EvmProposal | None) -> pb.EvmProposal | None:
    return None if proposal is None else proposal_to_proto(proposal)


def proposal_to_proto(proposal: EvmProposal) -> pb.EvmProposal:
    return pb.EvmProposal(
        proposal_id=proposal.proposal_id,
        account_id=proposal.account_id,
        chain_id=proposal.chain_id,
        smart_account_address=proposal.smart_account_address,
        validator_address=proposal.validator_address,
        user_op_hash=proposal.user_op_hash,
        payload=proposal.payload,
        nonce=str(proposal.nonce),
        nonce_key=str(proposal.nonce_key),
        proposer=proposal.proposer,
        signer_snapshot=list(proposal.signer_snapshot),
        threshold=proposal.threshold,
        signatures=[
            pb.EvmSignature(signer=s.signer, signature=s.signature, signed_at_ms=_ms(s.signed_at))
            for s in proposal.signatures
        ],
        created_at_ms=_ms(proposal.created_at),
        expires_at_ms=_ms(proposal.expires_at),
    )


def _nonces(entries: Any) -> dict[int, int]:
    return require_nonces("current_nonces", [(e.nonce_key, e.nonce) for e in entries])


def _result_fields(result: ProposalResult) -> dict[str, Any]:
    return {
        "outcome": f"EVM_PROPOSAL_OUTCOME_{result.outcome.name}",
        "account": account_to_proto(result.account),
    }


def _decimal_nonce(value: str) -> int:
    if not value.isdigit() or (len(value) > 1 and value[0] == "0") or int(value) > MAX_U256:
        raise InvalidArgument("nonce", "must be a canonical decimal uint256")
    return int(value)


class EvmProposalsServicer(pb_grpc.EvmProposalsServicer):
    def __init__(self, evm: EvmProposals) -> None:
        self._evm = evm

    @mapped_errors
    async def RegisterAccount(
        self, request: pb.RegisterEvmAccountRequest, context: Context
    ) -> pb.RegisterEvmAccountResponse:
        account, created = await self._evm.register_account(
            request.chain_id,
            request.account_address,
            request.multisig_validator_address,
            list(request.signers),
            request.threshold,
        )
        return pb.RegisterEvmAccountResponse(account=account_to_proto(account), created=created)

    @mapped_errors
    async def GetAccount(
        self, request: pb.GetEvmAccountRequest, context: Context
    ) -> pb.GetEvmAccountResponse:
        account = await self._evm.get_account(request.account_id)
        return pb.GetEvmAccountResponse(found=account is not None, account=account_to_proto(account))

    @mapped_errors
    async def SetAccountPaused(
        self, request: pb.SetEvmAccountPausedRequest, context: Context
    ) -> pb.SetEvmAccountPausedResponse:
        result = await self._evm.set_paused(
            request.account_id, request.paused, request.reason, request.operator_commitment
        )
        return pb.SetEvmAccountPausedResponse(
            found=result.account is not None,
            account=account_to_proto(result.account),
            before_state=result.before_state,
            after_state=result.after_state,
        )

    @mapped_errors
    async def CreateProposal(
        self, request: pb.CreateEvmProposalRequest, context: Context
    ) -> pb.CreateEvmProposalResponse:
        nonce = _decimal_nonce(request.nonce)
        if request.nonce_key != str(nonce >> 64):
            raise InvalidArgument("nonce_key", "must be nonce >> 64 in decimal")
        result = await self._evm.create_proposal(
            NewEvmProposal(
                proposal_id=request.proposal_id,
                account_id=request.account_id,
                user_op_hash=request.user_op_hash,
                payload=request.payload,
                nonce=nonce,
                proposer=request.proposer,
                signature=request.signature,
                signer_snapshot=tuple(request.signer_snapshot),
                threshold=request.threshold,
                ttl_seconds=request.ttl_seconds,
            ),
            _nonces(request.current_nonces),
        )
        return pb.CreateEvmProposalResponse(
            **_result_fields(result), proposal=optional_proposal(result.proposal)
        )

    @mapped_errors
    async def ListProposals(
        self, request: pb.ListEvmProposalsRequest, context: Context
    ) -> pb.ListEvmProposalsResponse:
        listed = await self._evm.list_proposals(request.account_id, _nonces(request.current_nonces))
        return pb.ListEvmProposalsResponse(
            account_found=listed.account_found,
            proposals=[proposal_to_proto(p) for p in listed.proposals],
            pruned=listed.pruned,
        )

    @mapped_errors
    async def GetProposal(
        self, request: pb.GetEvmProposalRequest, context: Context
    ) -> pb.GetEvmProposalResponse:
        proposal = await self._evm.get_proposal(request.account_id, request.proposal_id)
        return pb.GetEvmProposalResponse(found=proposal is not None, proposal=optional_proposal(proposal))

    @mapped_errors
    async def ApproveProposal(
        self, request: pb.ApproveEvmProposalRequest, context: Context
    ) -> pb.ApproveEvmProposalResponse:
        result = await self._evm.approve(
            request.account_id,
            request.proposal_id,
            request.signer,
            request.signature,
            _nonces(request.current_nonces),
        )
        return pb.ApproveEvmProposalResponse(
            **_result_fields(result), proposal=optional_proposal(result.proposal)
        )

    @mapped_errors
    async def CancelProposal(
        self, request: pb.CancelEvmProposalRequest, context: Context
    ) -> pb.CancelEvmProposalResponse:
        result = await self._evm.cancel(
            request.account_id, request.proposal_id, request.requester, _nonces(request.current_nonces)
        )
        return pb.CancelEvmProposalResponse(**_result_fields(result))
