"""The coordinator's EvmProposals service, as far as the gateway needs it (on the coordinator's channel).

Outcomes are data; a failed call raises the envelope the HTTP answer must carry: `storage_error`
(retryable) when the coordinator or its store could not answer, `invalid_input` when it refused the
arguments (the gateway validates first, so this is a last line of defence)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from guardian.coordinator.v1 import evm_pb2 as pb
from guardian.coordinator.v1 import evm_pb2_grpc
from guardian_common.envelope import ErrorEnvelope
from guardian_common.grpc_client import InternalClient
from guardian_gateway.clients.rpc_errors import UNREACHABLE

log = logging.getLogger("guardian.gateway.evm_store")
Reply = TypeVar("Reply", bound=Message)


def nonce_entries(nonces: Mapping[int, int]) -> list[pb.EntryPointNonce]:
    return [pb.EntryPointNonce(nonce_key=str(key), nonce=str(value)) for key, value in sorted(nonces.items())]


class EvmStoreClient(InternalClient):
    def __init__(self, channel: grpc.aio.Channel, deadline_seconds: float | None) -> None:
        super().__init__(channel, deadline_seconds)
        self._stub = evm_pb2_grpc.EvmProposalsStub(channel)

    def map_error(self, what: str, error: grpc.aio.AioRpcError) -> Exception:
        if error.code() in UNREACHABLE:
            log.warning("coordinator %s: %s %s", what, error.code().name, error.details())
            return ErrorEnvelope.of("storage_error")
        if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
            log.warning("coordinator refused %s: %s", what, error.details())
            return ErrorEnvelope.of("invalid_input")
        log.error("coordinator %s failed: %s %s", what, error.code().name, error.details())
        return ErrorEnvelope.of("internal_error")

    async def _call(
        self, method: Callable[..., Awaitable[Any]], request: Message, reply: type[Reply]
    ) -> Reply:
        return await self.call(type(request).__name__.removesuffix("Request"), method, request, reply)

    async def register_account(self, request: pb.RegisterEvmAccountRequest) -> pb.RegisterEvmAccountResponse:
        return await self._call(self._stub.RegisterAccount, request, pb.RegisterEvmAccountResponse)

    async def get_account(self, account_id: str) -> pb.EvmAccount | None:
        reply = await self._call(
            self._stub.GetAccount, pb.GetEvmAccountRequest(account_id=account_id), pb.GetEvmAccountResponse
        )
        return reply.account if reply.found else None

    async def set_paused(
        self, account_id: str, paused: bool, operator: str, reason: str | None
    ) -> pb.SetEvmAccountPausedResponse:
        request = pb.SetEvmAccountPausedRequest(
            account_id=account_id, paused=paused, reason=reason or "", operator_commitment=operator
        )
        return await self._call(self._stub.SetAccountPaused, request, pb.SetEvmAccountPausedResponse)

    async def create_proposal(self, request: pb.CreateEvmProposalRequest) -> pb.CreateEvmProposalResponse:
        return await self._call(self._stub.CreateProposal, request, pb.CreateEvmProposalResponse)

    async def list_proposals(self, account_id: str, nonces: Mapping[int, int]) -> pb.ListEvmProposalsResponse:
        request = pb.ListEvmProposalsRequest(account_id=account_id, current_nonces=nonce_entries(nonces))
        return await self._call(self._stub.ListProposals, request, pb.ListEvmProposalsResponse)

    async def get_proposal(self, account_id: str, proposal_id: str) -> pb.EvmProposal | None:
        request = pb.GetEvmProposalRequest(account_id=account_id, proposal_id=proposal_id)
        reply = await self._call(self._stub.GetProposal, request, pb.GetEvmProposalResponse)
        return reply.proposal if reply.found else None

    async def approve(self, request: pb.ApproveEvmProposalRequest) -> pb.ApproveEvmProposalResponse:
        return await self._call(self._stub.ApproveProposal, request, pb.ApproveEvmProposalResponse)

    async def cancel(self, request: pb.CancelEvmProposalRequest) -> pb.CancelEvmProposalResponse:
        return await self._call(self._stub.CancelProposal, request, pb.CancelEvmProposalResponse)
