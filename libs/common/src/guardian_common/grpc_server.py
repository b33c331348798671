"""gRPC server bootstrap shared by every service: health, reflection, internal token, telemetry, drain on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

import grpc
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from guardian_common.errors import ConfigurationError
from guardian_common.internal_token import InternalTokenInterceptor
from guardian_common.telemetry import server_interceptors

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
    ) -> None:
        token_check = [InternalTokenInterceptor(internal_token)] if internal_token else []
        interceptors = [*server_interceptors(), *token_check]
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

    async def start(self) -> int:
        """Binds and serves; a busy or invalid address refuses start-up with one line naming the setting."""
        self.port = bind_insecure_port(self.server, self._address, self._setting)
        await self.server.start()
        await self._set_all(health_pb2.HealthCheckResponse.SERVING)
        return self.port

    async def drain(self, grace_seconds: float) -> None:
        """Health turns NOT_SERVING, new calls are refused, in-flight calls get `grace_seconds` to finish."""
        await self._set_all(health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.server.stop(grace_seconds)

    async def _set_all(self, status: health_pb2.HealthCheckResponse.ServingStatus.ValueType) -> None:
        for name in ["", *self._service_names]:
            await self._health.set(name, status)


def bind_insecure_port(server: grpc.aio.Server, address: str, setting: str) -> int:
    """`server.add_insecure_port` whose failure (a port in use, an unresolvable host) is a ConfigurationError.

    grpc raises a RuntimeError (older versions return 0) without saying why; the common causes are named."""
    try:
        port = server.add_insecure_port(address)
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
