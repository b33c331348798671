"""The auth service's OperatorAuth, EvmAuth and AccountAuth, each call bounded by a deadline. A failed call raises the
ErrorEnvelope the HTTP answer must carry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from guardian.auth.v1 import auth_pb2 as pb
from guardian.auth.v1 import auth_pb2_grpc
from guardian_common.grpc_client import InternalClient
from guardian_gateway.clients.health import HealthProbe
from guardian_gateway.clients.rpc_errors import envelope_for

Reply = TypeVar("Reply", bound=Message)


class AuthClient(InternalClient):
    def __init__(
        self, channel: grpc.aio.Channel, deadline_seconds: float, probe_deadline_seconds: float
    ) -> None:
        super().__init__(channel, deadline_seconds)
        self._operator = auth_pb2_grpc.OperatorAuthStub(channel)
        self._evm = auth_pb2_grpc.EvmAuthStub(channel)
        self._account = auth_pb2_grpc.AccountAuthStub(channel)
        self.health = HealthProbe(channel, probe_deadline_seconds)

    def map_error(self, what: str, error: grpc.aio.AioRpcError) -> Exception:
        return envelope_for(error, "auth")

    async def _call(
        self, method: Callable[..., Awaitable[Any]], request: Message, reply_type: type[Reply]
    ) -> Reply:
        return await self.call(
            f"auth {type(request).__name__.removesuffix('Request')}", method, request, reply_type
        )

    async def operator_challenge(self, commitment: str) -> pb.OperatorChallenge:
        request = pb.OperatorChallengeRequest(commitment=commitment)
        return await self._call(self._operator.IssueChallenge, request, pb.OperatorChallenge)

    async def operator_verify(self, commitment: str, signature: str) -> pb.OperatorSession:
        request = pb.OperatorVerifyRequest(commitment=commitment, signature=signature)
        return await self._call(self._operator.Verify, request, pb.OperatorSession)

    async def operator_authenticate(self, token: str) -> pb.OperatorPrincipal:
        request = pb.OperatorAuthenticateRequest(token=token)
        return await self._call(self._operator.Authenticate, request, pb.OperatorPrincipal)

    async def operator_logout(self, token: str) -> pb.LogoutResponse:
        return await self._call(self._operator.Logout, pb.LogoutRequest(token=token), pb.LogoutResponse)

    async def evm_challenge(self, address: str) -> pb.EvmChallenge:
        return await self._call(
            self._evm.IssueChallenge, pb.EvmChallengeRequest(address=address), pb.EvmChallenge
        )

    async def evm_verify(self, address: str, nonce: str, signature: str) -> pb.EvmSession:
        request = pb.EvmVerifyRequest(address=address, nonce=nonce, signature=signature)
        return await self._call(self._evm.Verify, request, pb.EvmSession)

    async def evm_authenticate(self, token: str) -> pb.EvmPrincipal:
        request = pb.EvmAuthenticateRequest(token=token)
        return await self._call(self._evm.Authenticate, request, pb.EvmPrincipal)

    async def evm_logout(self, token: str) -> pb.LogoutResponse:
        return await self._call(self._evm.Logout, pb.LogoutRequest(token=token), pb.LogoutResponse)

    async def authorize_request(self, request: pb.RequestAuthorization) -> pb.AuthorizedRequest:
        return await self._call(self._account.AuthorizeRequest, request, pb.AuthorizedRequest)

    async def authorize_push(self, request: pb.PushAuthorization) -> pb.AuthorizedPush:
        return await self._call(self._account.AuthorizePush, request, pb.AuthorizedPush)

    async def authorize_lookup(self, request: pb.LookupAuthorization) -> pb.AuthorizedLookup:
        return await self._call(self._account.AuthorizeLookup, request, pb.AuthorizedLookup)

    async def ack_key(self, scheme: str) -> pb.AckKeyInfo:
        return await self._call(self._account.AckKey, pb.AckKeyRequest(scheme=scheme), pb.AckKeyInfo)
