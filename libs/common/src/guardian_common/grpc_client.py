"""Internal gRPC clients: the channel (round-robin over replicas, internal token and trace context on every
call) and the skeleton every service's client facade stands on (per-call deadline, error mapping, close)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from guardian_common.internal_token import AUTHORIZATION, bearer
from guardian_common.telemetry import client_interceptors
from guardian_common.transport_security import channel_security

Reply = TypeVar("Reply")


class _TokenInjector(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[type-arg]
    def __init__(self, token: str) -> None:
        self._pair = (AUTHORIZATION, bearer(token))

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Awaitable[Any]],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        metadata = grpc.aio.Metadata(*(client_call_details.metadata or ()), self._pair)
        details = client_call_details._replace(metadata=metadata)  # type: ignore[attr-defined]
        return await continuation(details, request)


def internal_channel(target: str, internal_token: str | None) -> grpc.aio.Channel:
    """`target` is `host:port`, `ipv4:h1:p1,h2:p2` or `dns:///name:port`; calls are spread round-robin.
    TLS (and a client certificate) when the GUARDIAN_GRPC_TLS_* client settings say so
    (guardian_common.transport_security)."""
    token = [_TokenInjector(internal_token)] if internal_token else []
    interceptors = [*client_interceptors(), *token]
    options: list[tuple[str, Any]] = [("grpc.lb_policy_name", "round_robin"), ("grpc.enable_retries", 0)]
    security = channel_security()
    if security is None:
        return grpc.aio.insecure_channel(target, options=options, interceptors=interceptors or None)
    if security.server_name:
        options.append(("grpc.ssl_target_name_override", security.server_name))
    return grpc.aio.secure_channel(
        target, security.credentials, options=options, interceptors=interceptors or None
    )


class InternalClient:
    """What every internal client shares. A facade subclasses it, builds its stubs on `channel`, sends every
    call through `call` and overrides `map_error` with its own idea of a failed call (a retryable envelope,
    a domain's "unavailable" error, ...). The internal token travels on the channel (`internal_channel`)."""

    def __init__(self, channel: grpc.aio.Channel, deadline_seconds: float | None) -> None:
        if deadline_seconds is not None and not deadline_seconds > 0:
            raise ValueError(f"deadline_seconds must be positive or None, got {deadline_seconds!r}")
        self.channel = channel
        self.deadline_seconds = deadline_seconds  # None: calls wait as long as the server takes

    def map_error(self, what: str, error: grpc.aio.AioRpcError) -> Exception:
        """The exception a failed call raises instead of `error`; `what` names the call for logs.
        The default raises the gRPC error itself."""
        return error

    async def call(
        self,
        what: str,
        method: Callable[..., Awaitable[Any]],
        request: Any,
        reply_type: type[Reply],
        *,
        map_errors: bool = True,
    ) -> Reply:
        """One unary call with the deadline; a gRPC error goes through `map_error` (unless `map_errors` is
        False: a startup probe whose retry loop reports the transport's own words), and a reply of another
        type than expected (a mismatched stub) is a TypeError rather than a silent misread."""
        try:
            reply = await method(request, timeout=self.deadline_seconds)
        except grpc.aio.AioRpcError as error:
            mapped = self.map_error(what, error) if map_errors else error
            if mapped is error:
                raise
            raise mapped from None
        if not isinstance(reply, reply_type):
            raise TypeError(f"{what} answered {type(reply).__name__}, expected {reply_type.__name__}")
        return reply

    async def reachable(self) -> bool:
        """Raises unless a replica behind the channel answers gRPC health (any status: it is reachable).
        The readiness probe of the services that depend on this one."""
        stub = health_pb2_grpc.HealthStub(self.channel)
        await stub.Check(health_pb2.HealthCheckRequest(), timeout=self.deadline_seconds or 2.0)
        return True

    async def close(self) -> None:
        await self.channel.close(None)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
