"""Gateway test support: a scripted in-test auth gRPC server on a real loopback port, a coordinator
process, and gateways built in-process around both."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import grpc
import httpx
import pytest
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from guardian.auth.v1 import auth_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_common.grpc_client import internal_channel
from guardian_common.rate_windows import FixedWindows
from guardian_gateway.app import create_app
from guardian_gateway.clients.auth import AuthClient
from guardian_gateway.clients.coordinator import CoordinatorClient
from guardian_gateway.config import GatewaySettings
from guardian_gateway.runtime import resolve_runtime
from guardian_testing.fixtures import StartService

COMMITMENT = "0x" + "24" * 32
GOOD_FALCON_SIGNATURE = "0x" + "b9" * 1524
OPERATOR_TOKEN = "ab" * 32
WALLET = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
GOOD_EVM_SIGNATURE = "0x" + "1c" * 65
EVM_TOKEN = "0x" + "cd" * 32
SESSION_SECONDS = 28_800
TYPED_DATA = {"primaryType": "GuardianEvmSession", "domain": {"name": "Guardian EVM Session", "version": "1"}}

Answer = Message | ErrorEnvelope | grpc.StatusCode | Callable[[Any], Awaitable[Message]]


@dataclass(frozen=True)
class Hold:
    entered: asyncio.Event
    release: asyncio.Event


@dataclass
class ScriptedAuth:
    """OperatorAuth and EvmAuth with sensible stateful defaults (one valid signature per realm, logout
    revokes) that a test can override per method, e.g. `answers["OperatorAuth/Logout"] = envelope`. An
    ErrorEnvelope answer travels the way the real service sends it; a bare StatusCode has no envelope."""

    # Tests reach these through the fixture (conftest is not importable at run time).
    COMMITMENT = COMMITMENT
    GOOD_FALCON_SIGNATURE = GOOD_FALCON_SIGNATURE
    OPERATOR_TOKEN = OPERATOR_TOKEN
    WALLET = WALLET
    GOOD_EVM_SIGNATURE = GOOD_EVM_SIGNATURE
    EVM_TOKEN = EVM_TOKEN
    SESSION_SECONDS = SESSION_SECONDS
    TYPED_DATA = TYPED_DATA

    target: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    health: health_aio.HealthServicer = field(default_factory=health_aio.HealthServicer)

    def hold(self, method: str) -> Hold:
        """`method` signals `entered` on arrival, then waits for the test to set `release` before giving
        its default answer."""
        hold = Hold(asyncio.Event(), asyncio.Event())
        answer = getattr(self, method.replace("/", "_"))

        async def held(request: Any) -> Message:
            hold.entered.set()
            await hold.release.wait()
            return cast(Message, await answer(request))

        self.answers[method] = held
        return hold

    def hang(self, method: str) -> None:
        """`method` never answers, so the gateway's deadline decides."""
        self.hold(method)

    def called(self, method: str) -> list[Any]:
        return [request for name, request in self.calls if name == method]

    async def handle(self, method: str, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Message:
        self.calls.append((method, request))
        answer = self.answers.get(method) or getattr(self, method.replace("/", "_"))
        if isinstance(answer, ErrorEnvelope):
            await context.abort(answer.grpc_status(), answer.to_grpc_details())
        if isinstance(answer, grpc.StatusCode):
            await context.abort(answer, "scripted failure without an envelope")
        if isinstance(answer, Message):
            return answer
        try:
            return await answer(request)
        except ErrorEnvelope as envelope:
            await context.abort(envelope.grpc_status(), envelope.to_grpc_details())
        raise AssertionError("unreachable")

    async def OperatorAuth_IssueChallenge(self, request: pb.OperatorChallengeRequest) -> Message:
        return pb.OperatorChallenge(
            domain="*",
            commitment=request.commitment,
            nonce="ef" * 32,
            expires_at="2030-01-01T00:05:00+00:00",
            signing_digest="0x" + "11" * 32,
        )

    async def OperatorAuth_Verify(self, request: pb.OperatorVerifyRequest) -> Message:
        if request.signature != GOOD_FALCON_SIGNATURE:
            raise ErrorEnvelope.of("authentication_failed")
        expires_at = Timestamp()
        expires_at.FromDatetime(datetime.now(UTC) + timedelta(seconds=SESSION_SECONDS))
        return pb.OperatorSession(
            token=OPERATOR_TOKEN,
            operator_id=COMMITMENT,
            expires_at=expires_at,
            max_age_seconds=SESSION_SECONDS,
        )

    async def OperatorAuth_Authenticate(self, request: pb.OperatorAuthenticateRequest) -> Message:
        if request.token != OPERATOR_TOKEN or request.token in self.revoked:
            raise ErrorEnvelope.of("authentication_failed")
        return pb.OperatorPrincipal(
            operator_id=COMMITMENT, commitment=COMMITMENT, permissions=["dashboard:read", "accounts:pause"]
        )

    async def OperatorAuth_Logout(self, request: pb.LogoutRequest) -> Message:
        return self._revoke(request.token)

    async def EvmAuth_IssueChallenge(self, request: pb.EvmChallengeRequest) -> Message:
        if request.address.lower() != WALLET:
            raise ErrorEnvelope.of("invalid_input", "address must be 0x followed by 40 hex digits")
        return pb.EvmChallenge(
            address=WALLET,
            nonce="0x" + "11" * 32,
            issued_at=1_700_000_000,
            expires_at=1_700_000_300,
            typed_data_json=json.dumps(TYPED_DATA),
        )

    async def EvmAuth_Verify(self, request: pb.EvmVerifyRequest) -> Message:
        if request.signature != GOOD_EVM_SIGNATURE:
            raise ErrorEnvelope.of("authentication_failed")
        expires_ms = int((datetime.now(UTC) + timedelta(seconds=SESSION_SECONDS)).timestamp() * 1000)
        return pb.EvmSession(
            token=EVM_TOKEN, address=WALLET, expires_at_ms=expires_ms, max_age_seconds=SESSION_SECONDS
        )

    async def EvmAuth_Authenticate(self, request: pb.EvmAuthenticateRequest) -> Message:
        if request.token != EVM_TOKEN or request.token in self.revoked:
            raise ErrorEnvelope.of("authentication_failed")
        return pb.EvmPrincipal(address=WALLET)

    async def EvmAuth_Logout(self, request: pb.LogoutRequest) -> Message:
        return self._revoke(request.token)

    async def AccountAuth_AuthorizePush(self, request: pb.PushAuthorization) -> Message:
        """No per-account signature is valid here: a push gets as far as auth's refusal. A test that needs
        an authorised push scripts the answer (a pb.AuthorizedPush)."""
        raise ErrorEnvelope.of("authentication_failed")

    def _revoke(self, token: str) -> Message:
        live = token in (OPERATOR_TOKEN, EVM_TOKEN) and token not in self.revoked
        self.revoked.add(token)
        return pb.LogoutResponse(revoked=live)


def _handlers(auth: ScriptedAuth) -> list[grpc.GenericRpcHandler[Any, Any]]:
    handlers = []
    for service_name in ("OperatorAuth", "EvmAuth", "AccountAuth"):
        service = pb.DESCRIPTOR.services_by_name[service_name]
        methods = {}
        for method in service.methods:
            name = f"{service_name}/{method.name}"

            async def behave(request: Any, context: Any, name: str = name) -> Message:
                return await auth.handle(name, request, context)

            methods[method.name] = grpc.unary_unary_rpc_method_handler(
                behave,
                request_deserializer=getattr(pb, method.input_type.name).FromString,
                response_serializer=lambda reply: reply.SerializeToString(),
            )
        handlers.append(grpc.method_handlers_generic_handler(service.full_name, methods))
    return handlers


@pytest.fixture
async def fake_auth() -> AsyncIterator[ScriptedAuth]:
    auth = ScriptedAuth()
    server = grpc.aio.server()
    server.add_generic_rpc_handlers(_handlers(auth))
    health_pb2_grpc.add_HealthServicer_to_server(auth.health, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    await auth.health.set("", health_pb2.HealthCheckResponse.SERVING)
    auth.target = f"127.0.0.1:{port}"
    yield auth
    await server.stop(0)


@pytest.fixture(scope="module")
def coordinator_target(start_module_service: StartService) -> str:
    """One memory-backed coordinator process per test module."""
    return start_module_service("guardian-coordinator").grpc_target


GatewayFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def make_gateway(fake_auth: ScriptedAuth, coordinator_target: str) -> GatewayFactory:
    """`async with make_gateway(env={"GUARDIAN_ENV": "prod"}, rate_burst_per_sec=2) as client:` — an
    in-process gateway (httpx over ASGI, peer 203.0.113.7) wired to the scripted auth and the coordinator
    process. The rate limiter is off unless the test passes `rate_limit_enabled=True`."""

    @asynccontextmanager
    async def build(
        env: dict[str, str] | None = None,
        auth_target: str | None = None,
        rate_windows: FixedWindows | None = None,
        **settings: Any,
    ) -> AsyncIterator[httpx.AsyncClient]:
        config = GatewaySettings(**{"rate_limit_enabled": False, **settings})
        runtime = resolve_runtime(config, environ=env or {})
        probe = config.readiness_deadline_seconds
        auth_channel = internal_channel(auth_target or fake_auth.target, None)
        auth = AuthClient(auth_channel, config.auth_deadline_seconds, probe)
        coordinator = CoordinatorClient(internal_channel(coordinator_target, None), 5.0, probe)
        app = create_app(runtime, auth, coordinator, rate_windows)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
                yield client
        finally:
            await auth.close()
            await coordinator.close()

    return build
