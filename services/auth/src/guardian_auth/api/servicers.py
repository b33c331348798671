"""OperatorAuth and EvmAuth over gRPC. Errors leave as a status whose details are the JSON envelope."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from guardian.auth.v1 import auth_pb2 as pb
from guardian.auth.v1 import auth_pb2_grpc as pb_grpc
from guardian_auth.domain.evm import EvmLogins
from guardian_auth.domain.operator import OperatorLogins
from guardian_auth.metrics import (
    EVM_CHALLENGES,
    EVM_SESSIONS,
    EVM_VERIFICATIONS,
    OPERATOR_CHALLENGES,
    OPERATOR_SESSIONS,
    OPERATOR_VERIFICATIONS,
    counted,
)
from guardian_common.envelope import ErrorEnvelope

log = logging.getLogger(__name__)

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Context = grpc.aio.ServicerContext[Any, Any]
Handler = Callable[[Any, Req, Context], Awaitable[Resp]]


def envelope_errors(handler: Handler[Req, Resp]) -> Handler[Req, Resp]:
    @functools.wraps(handler)
    async def wrapper(self: Any, request: Req, context: Context) -> Resp:
        try:
            return await handler(self, request, context)
        except ErrorEnvelope as envelope:
            if envelope.code == "rate_limit_exceeded":
                context.set_trailing_metadata(
                    (("retry-after", str(envelope.meta.get("retry_after_secs", 1))),)
                )
            await context.abort(envelope.grpc_status(), envelope.to_grpc_details())
        except Exception:
            log.exception("unexpected error in %s", handler.__name__)
            await context.abort(
                grpc.StatusCode.INTERNAL, ErrorEnvelope.of("internal_error").to_grpc_details()
            )
        raise AssertionError("unreachable: context.abort raises")

    return wrapper


class OperatorAuthServicer(pb_grpc.OperatorAuthServicer):
    def __init__(self, logins: OperatorLogins) -> None:
        self._logins = logins

    @envelope_errors
    @counted(OPERATOR_CHALLENGES)
    async def IssueChallenge(
        self, request: pb.OperatorChallengeRequest, context: Context
    ) -> pb.OperatorChallenge:
        c = await self._logins.issue_challenge(request.commitment)
        return pb.OperatorChallenge(
            domain=c.domain,
            commitment=c.commitment,
            nonce=c.nonce,
            expires_at=c.expires_at,
            signing_digest=c.signing_digest,
        )

    @envelope_errors
    @counted(OPERATOR_VERIFICATIONS, OPERATOR_SESSIONS)
    async def Verify(self, request: pb.OperatorVerifyRequest, context: Context) -> pb.OperatorSession:
        session = await self._logins.verify(request.commitment, request.signature)
        expires_at = Timestamp()
        expires_at.FromDatetime(session.expires_at)
        return pb.OperatorSession(
            token=session.token,
            operator_id=session.operator_id,
            expires_at=expires_at,
            max_age_seconds=session.max_age_seconds,
        )

    @envelope_errors
    async def Authenticate(
        self, request: pb.OperatorAuthenticateRequest, context: Context
    ) -> pb.OperatorPrincipal:
        operator = await self._logins.authenticate(request.token)
        return pb.OperatorPrincipal(
            operator_id=operator.operator_id,
            commitment=operator.commitment,
            permissions=sorted(operator.permissions),
        )

    @envelope_errors
    async def Logout(self, request: pb.LogoutRequest, context: Context) -> pb.LogoutResponse:
        return pb.LogoutResponse(revoked=await self._logins.logout(request.token))


class EvmAuthServicer(pb_grpc.EvmAuthServicer):
    def __init__(self, logins: EvmLogins) -> None:
        self._logins = logins

    @envelope_errors
    @counted(EVM_CHALLENGES)
    async def IssueChallenge(self, request: pb.EvmChallengeRequest, context: Context) -> pb.EvmChallenge:
        c = await self._logins.issue_challenge(request.address)
        return pb.EvmChallenge(
            address=c.address,
            nonce=c.nonce,
            issued_at=c.issued_at,
            expires_at=c.expires_at,
            typed_data_json=c.typed_data_json,
        )

    @envelope_errors
    @counted(EVM_VERIFICATIONS, EVM_SESSIONS)
    async def Verify(self, request: pb.EvmVerifyRequest, context: Context) -> pb.EvmSession:
        s = await self._logins.verify(request.address, request.nonce, request.signature)
        return pb.EvmSession(
            token=s.token, address=s.address, expires_at_ms=s.expires_at_ms, max_age_seconds=s.max_age_seconds
        )

    @envelope_errors
    async def Authenticate(self, request: pb.EvmAuthenticateRequest, context: Context) -> pb.EvmPrincipal:
        check = await self._logins.authenticate(request.token)
        return pb.EvmPrincipal(address=check.address, reuse_for_ms=check.reuse_for_ms)

    @envelope_errors
    async def Logout(self, request: pb.LogoutRequest, context: Context) -> pb.LogoutResponse:
        return pb.LogoutResponse(revoked=await self._logins.logout(request.token))


SERVICE_NAMES = [
    pb.DESCRIPTOR.services_by_name[name].full_name for name in ("OperatorAuth", "EvmAuth", "AccountAuth")
]


def register(server: grpc.aio.Server, operator: OperatorLogins, evm: EvmLogins) -> None:
    """OperatorAuth and EvmAuth; AccountAuth is added by `api.account_servicer.register_account_auth`."""
    pb_grpc.add_OperatorAuthServicer_to_server(OperatorAuthServicer(operator), server)
    pb_grpc.add_EvmAuthServicer_to_server(EvmAuthServicer(evm), server)
