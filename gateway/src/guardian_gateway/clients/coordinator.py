"""The coordinator, as far as the gateway needs it: Describe for the startup line, health for /readyz,
and the Custody RPCs behind the per-account API and the dashboard.

Custody outcomes are data (returned as the reply); a failed call raises the envelope the HTTP answer
must carry: `storage_error` (retryable) when the store could not answer, `invalid_input` when the
coordinator refused the arguments (the gateway validates first, so this is a last line of defence)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import (
    coordinator_pb2_grpc,
    fleet_pb2,
    fleet_pb2_grpc,
    proposals_pb2,
    proposals_pb2_grpc,
)
from guardian_common.envelope import ErrorEnvelope
from guardian_common.grpc_client import InternalClient
from guardian_gateway.clients.health import HealthProbe
from guardian_gateway.clients.rpc_errors import UNREACHABLE

log = logging.getLogger("guardian.gateway.coordinator")
Reply = TypeVar("Reply", bound=Message)


class CoordinatorClient(InternalClient):
    def __init__(
        self, channel: grpc.aio.Channel, deadline_seconds: float, probe_deadline_seconds: float
    ) -> None:
        super().__init__(channel, deadline_seconds)
        self._coordination = coordinator_pb2_grpc.CoordinationStub(channel)
        self._custody = coordinator_pb2_grpc.CustodyStub(channel)
        self._fleet = fleet_pb2_grpc.FleetStub(channel)
        self._proposals = proposals_pb2_grpc.DeltaProposalsStub(channel)
        self.health = HealthProbe(channel, probe_deadline_seconds)

    async def describe(self) -> pb.DescribeResponse:
        """Describe for the startup line: a failure is the gRPC error itself (the startup wait retries it)."""
        return await self.call(
            "Describe",
            self._coordination.Describe,
            pb.DescribeRequest(),
            pb.DescribeResponse,
            map_errors=False,
        )

    def map_error(self, what: str, error: grpc.aio.AioRpcError) -> Exception:
        return _envelope(what, error)

    async def _call(
        self, method: Callable[..., Awaitable[Any]], request: Message, reply_type: type[Reply]
    ) -> Reply:
        return await self.call(type(request).__name__.removesuffix("Request"), method, request, reply_type)

    async def custody_describe(self) -> pb.DescribeResponse:
        """Describe, with the custody error mapping (for /dashboard/info)."""
        return await self._call(self._coordination.Describe, pb.DescribeRequest(), pb.DescribeResponse)

    async def configure_account(self, request: pb.ConfigureAccountRequest) -> pb.ConfigureAccountResponse:
        return await self._call(self._custody.ConfigureAccount, request, pb.ConfigureAccountResponse)

    async def submit_candidate(self, request: pb.SubmitCandidateRequest) -> pb.SubmitCandidateResponse:
        return await self._call(self._custody.SubmitCandidate, request, pb.SubmitCandidateResponse)

    async def record_abandon(self, account_id: str, nonce: int) -> pb.RecordAbandonResponse:
        request = pb.RecordAbandonRequest(account_id=account_id, nonce=nonce)
        return await self._call(self._custody.RecordAbandon, request, pb.RecordAbandonResponse)

    async def pause(self, account_id: str, operator: str, reason: str) -> pb.PauseResponse:
        request = pb.PauseRequest(account_id=account_id, operator_commitment=operator, reason=reason)
        return await self._call(self._custody.Pause, request, pb.PauseResponse)

    async def unpause(self, account_id: str, operator: str, reason: str) -> pb.UnpauseResponse:
        request = pb.UnpauseRequest(account_id=account_id, operator_commitment=operator, reason=reason)
        return await self._call(self._custody.Unpause, request, pb.UnpauseResponse)

    async def get_account(self, account_id: str) -> pb.Account | None:
        reply = await self._call(
            self._custody.GetAccount, pb.GetAccountRequest(account_id=account_id), pb.GetAccountResponse
        )
        return reply.account if reply.found else None

    async def get_state(self, account_id: str) -> pb.AccountState | None:
        reply = await self._call(
            self._custody.GetState, pb.GetStateRequest(account_id=account_id), pb.GetStateResponse
        )
        return reply.state if reply.found else None

    async def get_delta(self, account_id: str, nonce: int) -> pb.Delta | None:
        request = pb.GetDeltaRequest(account_id=account_id, nonce=nonce)
        reply = await self._call(self._custody.GetDelta, request, pb.GetDeltaResponse)
        return reply.delta if reply.found else None

    async def list_deltas_since(self, request: pb.ListDeltasSinceRequest) -> pb.ListDeltasResponse:
        return await self._call(self._custody.ListDeltasSince, request, pb.ListDeltasResponse)

    async def list_account_deltas(self, request: pb.ListAccountDeltasRequest) -> pb.ListDeltasResponse:
        return await self._call(self._custody.ListAccountDeltas, request, pb.ListDeltasResponse)

    async def list_accounts_by_cosigner(
        self, request: pb.ListAccountsByCosignerRequest
    ) -> pb.ListAccountIdsResponse:
        return await self._call(self._custody.ListAccountsByCosigner, request, pb.ListAccountIdsResponse)

    async def list_deltas(self, request: pb.ListDeltasRequest) -> pb.ListDeltasResponse:
        return await self._call(self._custody.ListDeltas, request, pb.ListDeltasResponse)

    async def list_accounts(self, request: pb.ListAccountsRequest) -> pb.ListAccountsResponse:
        return await self._call(self._custody.ListAccounts, request, pb.ListAccountsResponse)

    async def list_admin_actions(self, account_id: str, limit: int) -> pb.ListAdminActionsResponse:
        """The newest `limit` pause audit entries of an account (the console's audit trail)."""
        request = pb.ListAdminActionsRequest(account_id=account_id, limit=limit)
        return await self._call(self._custody.ListAdminActions, request, pb.ListAdminActionsResponse)

    async def fleet_status(self) -> fleet_pb2.GetFleetStatusResponse:
        request = fleet_pb2.GetFleetStatusRequest()
        return await self._call(self._fleet.GetFleetStatus, request, fleet_pb2.GetFleetStatusResponse)

    async def activity(self, window_seconds: int, bucket_count: int) -> fleet_pb2.GetActivityResponse:
        """The charts' buckets (Fleet.GetActivity); the coordinator refuses an unbounded window."""
        request = fleet_pb2.GetActivityRequest(window_seconds=window_seconds, bucket_count=bucket_count)
        return await self._call(self._fleet.GetActivity, request, fleet_pb2.GetActivityResponse)

    async def dashboard_info(self) -> pb.GetDashboardInfoResponse:
        return await self._call(
            self._custody.GetDashboardInfo, pb.GetDashboardInfoRequest(), pb.GetDashboardInfoResponse
        )

    # Delta proposals (docs/proposals.md): outcomes are data in the reply, as for custody.
    async def create_proposal(
        self, request: proposals_pb2.CreateProposalRequest
    ) -> proposals_pb2.CreateProposalResponse:
        return await self._call(self._proposals.CreateProposal, request, proposals_pb2.CreateProposalResponse)

    async def sign_proposal(
        self, request: proposals_pb2.SignProposalRequest
    ) -> proposals_pb2.SignProposalResponse:
        return await self._call(self._proposals.SignProposal, request, proposals_pb2.SignProposalResponse)

    async def get_proposal(self, account_id: str, commitment: str) -> proposals_pb2.Proposal | None:
        request = proposals_pb2.GetProposalRequest(account_id=account_id, commitment=commitment)
        reply = await self._call(self._proposals.GetProposal, request, proposals_pb2.GetProposalResponse)
        return reply.proposal if reply.found else None

    async def list_account_proposals(
        self, request: proposals_pb2.ListAccountProposalsRequest
    ) -> proposals_pb2.ListAccountProposalsResponse:
        return await self._call(
            self._proposals.ListAccountProposals, request, proposals_pb2.ListAccountProposalsResponse
        )

    async def list_proposals(
        self, request: proposals_pb2.ListProposalsRequest
    ) -> proposals_pb2.ListProposalsResponse:
        return await self._call(self._proposals.ListProposals, request, proposals_pb2.ListProposalsResponse)

    async def count_pending_proposals(self) -> proposals_pb2.CountPendingProposalsResponse:
        request = proposals_pb2.CountPendingProposalsRequest()
        return await self._call(
            self._proposals.CountPendingProposals, request, proposals_pb2.CountPendingProposalsResponse
        )


def _envelope(name: str, error: grpc.aio.AioRpcError) -> ErrorEnvelope:
    if error.code() in UNREACHABLE:
        log.warning("coordinator %s: %s %s", name, error.code().name, error.details())
        return ErrorEnvelope.of("storage_error")
    if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
        log.warning("coordinator refused %s: %s", name, error.details())
        return ErrorEnvelope.of("invalid_input")
    log.error("coordinator %s failed: %s %s", name, error.code().name, error.details())
    return ErrorEnvelope.of("internal_error")
