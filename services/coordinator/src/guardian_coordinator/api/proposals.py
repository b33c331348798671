"""The DeltaProposals gRPC service. Thin: validation lives in domain.proposals, every decision in the store."""

from __future__ import annotations

from typing import Any

import grpc

from guardian.coordinator.v1 import proposals_pb2 as pb
from guardian.coordinator.v1 import proposals_pb2_grpc as pb_grpc
from guardian_coordinator.api.convert import (
    instant,
    optional_account,
    optional_timestamp,
    proto_name,
    timestamp,
)
from guardian_coordinator.api.errors import mapped_errors
from guardian_coordinator.domain.proposals import (
    DeltaProposals,
    NewProposal,
    NewSignature,
    Proposal,
    ProposalFeedKey,
    ProposalKey,
    ProposalResult,
)
from guardian_coordinator.metrics import PROPOSAL_WRITES

Context = grpc.aio.ServicerContext[Any, Any]


def proposal_to_proto(proposal: Proposal) -> pb.Proposal:
    return pb.Proposal(
        account_id=proposal.account_id,
        commitment=proposal.commitment,
        nonce=proposal.nonce,
        prev_commitment=proposal.prev_commitment,
        new_commitment=proposal.new_commitment,
        delta_payload_json=proposal.delta_payload_json,
        proposer_id=proposal.proposer_id,
        signatures=[
            pb.ProposalSignature(
                signer_id=s.signer_id,
                signature=s.signature,
                timestamp_ms=s.timestamp_ms,
                signed_at=timestamp(s.signed_at),
            )
            for s in proposal.signatures
        ],
        signatures_required=proposal.signatures_required,
        created_at=timestamp(proposal.created_at),
        state=proto_name("PROPOSAL_STATE", proposal.state),
        finalized_at=optional_timestamp(proposal.finalized_at),
    )


def _result_fields(result: ProposalResult) -> dict[str, Any]:
    PROPOSAL_WRITES.labels(result.outcome.name.lower()).inc()
    return {
        "outcome": proto_name("PROPOSAL_OUTCOME", result.outcome),
        "proposal": None if result.proposal is None else proposal_to_proto(result.proposal),
        "account": optional_account(result.account),
    }


class DeltaProposalsServicer(pb_grpc.DeltaProposalsServicer):
    def __init__(self, proposals: DeltaProposals) -> None:
        self._proposals = proposals

    @mapped_errors
    async def CreateProposal(
        self, request: pb.CreateProposalRequest, context: Context
    ) -> pb.CreateProposalResponse:
        result = await self._proposals.create(
            NewProposal(
                account_id=request.account_id,
                commitment=request.commitment,
                nonce=request.nonce,
                prev_commitment=request.prev_commitment,
                new_commitment=request.new_commitment,
                delta_payload_json=request.delta_payload_json,
                proposer_id=request.proposer_id,
            )
        )
        return pb.CreateProposalResponse(
            **_result_fields(result),
            expected_commitment=result.expected_commitment,
            max_pending=self._proposals.max_pending,
        )

    @mapped_errors
    async def SignProposal(
        self, request: pb.SignProposalRequest, context: Context
    ) -> pb.SignProposalResponse:
        result = await self._proposals.sign(
            NewSignature(
                account_id=request.account_id,
                commitment=request.commitment,
                signer_id=request.signer_id,
                signature=request.signature,
                timestamp_ms=request.timestamp_ms,
            )
        )
        return pb.SignProposalResponse(**_result_fields(result))

    @mapped_errors
    async def GetProposal(self, request: pb.GetProposalRequest, context: Context) -> pb.GetProposalResponse:
        proposal = await self._proposals.get(request.account_id, request.commitment)
        return pb.GetProposalResponse(
            found=proposal is not None,
            proposal=None if proposal is None else proposal_to_proto(proposal),
        )

    @mapped_errors
    async def ListAccountProposals(
        self, request: pb.ListAccountProposalsRequest, context: Context
    ) -> pb.ListAccountProposalsResponse:
        before = None
        if request.HasField("before"):
            before = ProposalKey(request.before.nonce, request.before.commitment)
        page = await self._proposals.list_account(
            request.account_id, before, request.limit, request.include_payloads
        )
        return pb.ListAccountProposalsResponse(
            proposals=[proposal_to_proto(p) for p in page.proposals], has_more=page.has_more
        )

    @mapped_errors
    async def ListProposals(
        self, request: pb.ListProposalsRequest, context: Context
    ) -> pb.ListProposalsResponse:
        after = None
        if request.HasField("after"):
            after = ProposalFeedKey(
                instant("after.created_at", request.after.created_at),
                request.after.account_id,
                request.after.nonce,
                request.after.commitment,
            )
        page = await self._proposals.list_all(after, request.limit)
        return pb.ListProposalsResponse(
            proposals=[proposal_to_proto(p) for p in page.proposals], has_more=page.has_more
        )

    @mapped_errors
    async def CountPendingProposals(
        self, request: pb.CountPendingProposalsRequest, context: Context
    ) -> pb.CountPendingProposalsResponse:
        viable, superseded = await self._proposals.count_pending()
        return pb.CountPendingProposalsResponse(viable=viable, superseded=superseded)
