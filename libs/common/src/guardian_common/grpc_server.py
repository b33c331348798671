"""gRPC server bootstrap shared by every service: health, reflection, internal token, telemetry, drain on SIGTERM."""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from guardian_common.errors import ConfigurationError
from guardian_common.internal_token import InternalTokenInterceptor
from guardian_common.telemetry import server_interceptors
from guardian_common.transport_security import server_credentials

log = logging.getLogger("guardian.health")
# gRPC health service names (docs/runbooks/container-fleet.md "Liveness and readiness"): "" is liveness (the process serves
# gRPC; only a drain turns it NOT_SERVING); READINESS (and each service's own name) is SERVING only while the
# dependencies answer: PostgreSQL for the coordinator, the coordinator for auth and the canonicalizer.
READINESS = "readiness"
READINESS_INTERVAL_SECONDS = 2.0
READINESS_TIMEOUT_SECONDS = 2.0

MAX_CONNECTION_AGE_MS = 5 * 60 * 1000
MAX_CONNECTION_AGE_GRACE_MS = 30 * 1000


class GrpcServer:
    """One grpc.aio server with gRPC health checking and reflection for the given service names."""

    def __init__(
        self,
        *,
        address: str,
        service_names: Iterable[str],
        internal_token: str | None,
        setting: str = "GUARDIAN_GRPC_ADDR",
        readiness: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        """`readiness`: a probe of the dependencies, raising (or timing out) when one does not answer;
        None: ready whenever live."""
        token_check = [InternalTokenInterceptor(internal_token)] if internal_token else []
        # Innermost: it wraps the registered handler itself (a token refusal never decodes the request).
        interceptors = [*server_interceptors(), *token_check, RequestDecodingInterceptor()]
        self.server = grpc.aio.server(
            interceptors=interceptors,
            options=[
                ("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", 4 * 1024 * 1024),
                # Clients reconnect (and re-resolve DNS) at least this often, so replicas added by an
                # autoscaler start receiving traffic from long-lived channels.
                ("grpc.max_connection_age_ms", MAX_CONNECTION_AGE_MS),
                ("grpc.max_connection_age_grace_ms", MAX_CONNECTION_AGE_GRACE_MS),
            ],
        )
        self._address = address
        self._setting = setting
        self._service_names = list(service_names)
        self._health = health_aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self.server)
        reflection.enable_server_reflection(
            [*self._service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server
        )
        self.port = 0
        self._readiness = readiness
        self._ready: bool | None = None
        self._watcher: asyncio.Task[None] | None = None

    async def start(self) -> int:
        """Binds and serves; a busy or invalid address refuses start-up with one line naming the setting.
        With GUARDIAN_GRPC_TLS_CERT_FILE/_KEY_FILE set the port speaks TLS (mutual with
        GUARDIAN_GRPC_TLS_CLIENT_CA_FILE)."""
        credentials = server_credentials()
        if credentials is None:
            self.port = bind_insecure_port(self.server, self._address, self._setting)
        else:
            self.port = bind_port(self.server, self._address, self._setting, credentials)
        await self.server.start()
        await self._health.set("", health_pb2.HealthCheckResponse.SERVING)
        await self._set_readiness(await self._probe())
        if self._readiness is not None:
            self._watcher = asyncio.create_task(self._watch_readiness())
        return self.port

    async def drain(self, grace_seconds: float) -> None:
        """Health turns NOT_SERVING, new calls are refused, in-flight calls get `grace_seconds` to finish."""
        if self._watcher is not None:
            self._watcher.cancel()
        for name in ["", READINESS, *self._service_names]:
            await self._health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.server.stop(grace_seconds)

    async def _probe(self) -> bool:
        if self._readiness is None:
            return True
        try:
            await asyncio.wait_for(self._readiness(), READINESS_TIMEOUT_SECONDS)
        except Exception as exc:  # any failure of the probe means "not ready"; the reason is logged
            if self._ready is not False:
                log.warning("not ready: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return False
        return True

    async def _set_readiness(self, ready: bool) -> None:
        if ready and self._ready is False:
            log.info("ready again")
        self._ready = ready
        status = (
            health_pb2.HealthCheckResponse.SERVING if ready else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in [READINESS, *self._service_names]:
            await self._health.set(name, status)

    async def _watch_readiness(self) -> None:
        while True:
            await asyncio.sleep(READINESS_INTERVAL_SECONDS)
            await self._set_readiness(await self._probe())


Context = grpc.aio.ServicerContext[Any, Any]


class _Undecodable:
    """What a guarded request deserializer hands on for bytes that are not the request message."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


async def _checked(request: Any, context: Context) -> Any:
    if isinstance(request, _Undecodable):
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, request.reason)
    return request


async def _checked_stream(requests: AsyncIterator[Any], context: Context) -> AsyncIterator[Any]:
    async for request in requests:
        yield await _checked(request, context)


async def _checked_stream_of(requests: AsyncIterator[Any], context: Context) -> AsyncIterator[Any]:
    return _checked_stream(requests, context)


def guard_request_decoding(handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
    """`handler` with request bytes that do not decode answered INVALID_ARGUMENT (docs/coordinator.md, "Bad input").

    grpc.aio runs the request deserializer outside the servicer, where no ServicerContext exists: a DecodeError
    there becomes UNKNOWN and a logged traceback. The guarded deserializer returns a marker instead, and the
    guarded behavior (which has the context) turns the marker into the status. Behaviors are the aio kind: a
    coroutine function, or an async generator function for streamed responses."""
    deserialize = handler.request_deserializer
    if deserialize is None:  # raw bytes in, nothing to decode
        return handler

    def guarded_deserialize(raw: bytes) -> Any:
        try:
            return deserialize(raw)
        except DecodeError as exc:
            return _Undecodable(f"request: not a valid protobuf message ({str(exc).splitlines()[0]})")

    behavior: Callable[..., Any]
    accept: Callable[[Any, Context], Awaitable[Any]]
    if handler.request_streaming:
        behavior, accept = (handler.stream_stream or handler.stream_unary), _checked_stream_of  # type: ignore[assignment]
    else:
        behavior, accept = (handler.unary_stream or handler.unary_unary), _checked  # type: ignore[assignment]

    wrapped: Callable[..., Any]
    if inspect.isasyncgenfunction(behavior):

        async def streamed(request: Any, context: Context) -> AsyncIterator[Any]:
            async for response in behavior(await accept(request, context), context):
                yield response

        wrapped = streamed
    else:

        async def answered(request: Any, context: Context) -> Any:
            return await behavior(await accept(request, context), context)

        wrapped = answered
    make = {
        (False, False): grpc.unary_unary_rpc_method_handler,
        (False, True): grpc.unary_stream_rpc_method_handler,
        (True, False): grpc.stream_unary_rpc_method_handler,
        (True, True): grpc.stream_stream_rpc_method_handler,
    }[(handler.request_streaming, handler.response_streaming)]
    return make(wrapped, guarded_deserialize, handler.response_serializer)


class RequestDecodingInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Applies `guard_request_decoding` to every handler of the server, each handler wrapped once."""

    # Entries are added only for methods the server has a handler for, a fixed set; the cap keeps that true
    # even for a generic handler that would accept any method name.
    MAX_CACHED = 1024

    def __init__(self) -> None:
        self._guarded: dict[str, tuple[grpc.RpcMethodHandler[Any, Any], grpc.RpcMethodHandler[Any, Any]]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        handler = await continuation(handler_call_details)
        if handler is None:  # an unknown method: grpc answers UNIMPLEMENTED
            return handler
        method: str = handler_call_details.method
        cached = self._guarded.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        guarded = guard_request_decoding(handler)
        if len(self._guarded) < self.MAX_CACHED or method in self._guarded:
            self._guarded[method] = (handler, guarded)
        return guarded


def bind_insecure_port(server: grpc.aio.Server, address: str, setting: str) -> int:
    """`server.add_insecure_port` whose failure (a port in use, an unresolvable host) is a ConfigurationError."""
    return bind_port(server, address, setting, None)


def bind_port(
    server: grpc.aio.Server, address: str, setting: str, credentials: grpc.ServerCredentials | None
) -> int:
    """Adds the listening port (TLS when `credentials`); a failure is a ConfigurationError.

    grpc raises a RuntimeError (older versions return 0) without saying why; the common causes are named."""
    try:
        if credentials is None:
            port = server.add_insecure_port(address)
        else:
            port = server.add_secure_port(address, credentials)
    except RuntimeError:
        port = 0
    if port == 0:
        raise ConfigurationError(
            f"cannot listen on {setting}={address!r}: the port is in use by another process or the host is "
            "not an address of this machine; stop what holds the port or choose another HOST:PORT "
            "(port 0 picks a free one)"
        )
    return port


async def wait_for_stop_signal() -> signal.Signals:
    """Returns the first SIGTERM or SIGINT the process receives."""
    loop = asyncio.get_running_loop()
    received: asyncio.Future[signal.Signals] = loop.create_future()

    def on_signal(sig: signal.Signals) -> None:
        if not received.done():
            received.set_result(sig)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        return await received
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
