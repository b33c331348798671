"""`guardian-gateway`: check the configuration, describe the coordinator, serve HTTP, drain on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Iterator

import uvicorn
import uvloop

from guardian_common.coordination_line import announce
from guardian_common.errors import ConfigurationError
from guardian_common.grpc_client import internal_channel
from guardian_common.grpc_server import wait_for_stop_signal
from guardian_common.offload import Offload
from guardian_common.startup import enforce, retry_until, run_service
from guardian_common.telemetry import setup_telemetry
from guardian_gateway.app import create_app
from guardian_gateway.clients.auth import AuthClient
from guardian_gateway.clients.coordinator import CoordinatorClient
from guardian_gateway.config import GatewaySettings
from guardian_gateway.cursor_secret import MISSING as MISSING_CURSOR_SECRET
from guardian_gateway.guards import configuration_problems, coordinator_problems
from guardian_gateway.http_protocol import guarded_protocol
from guardian_gateway.listener import bind, parse_listen_address
from guardian_gateway.runtime import resolve_runtime

log = logging.getLogger("guardian.gateway")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: `serve` decides when to drain, and exits 0 after it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(settings: GatewaySettings) -> int:
    setup_telemetry("gateway")
    runtime = resolve_runtime(settings)
    enforce(runtime.stage, configuration_problems(settings, runtime), log)
    if not runtime.cursor_key.configured:
        log.warning(MISSING_CURSOR_SECRET)
    token = settings.internal_token.get_secret_value() if settings.internal_token else None
    probe_deadline = settings.readiness_deadline_seconds
    coordinator = CoordinatorClient(
        internal_channel(settings.coordinator_target, token),
        settings.coordinator_deadline_seconds,
        probe_deadline,
    )
    auth = AuthClient(
        internal_channel(settings.auth_target, token), settings.auth_deadline_seconds, probe_deadline
    )
    offload = Offload(settings.offload_workers, settings.offload_queue)
    try:
        described = await retry_until("the coordinator", coordinator.describe, settings.startup_wait_seconds)
        enforce(runtime.stage, coordinator_problems(described), log)

        address = parse_listen_address(settings.http_addr)
        try:
            listener = bind(address)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot listen on GUARDIAN_HTTP_ADDR={settings.http_addr!r} ({exc.strerror}); choose a free "
                "port and an address of this host, e.g. 0.0.0.0:8080 in a container"
            ) from None
        announce(
            "gateway",
            f"http={address.display(listener.getsockname()[1])}",
            mode=described.mode,
            backend=described.backend,
            stage=runtime.stage.value,
            max_replicas=runtime.max_replicas.value,
            cursor_secret=runtime.cursor_key.state,
        )
        limits = runtime.limits
        log.info(
            "rate limiter enabled=%s burst_per_sec=%d per_min=%d (this replica's share)",
            limits.enabled,
            limits.burst_per_sec,
            limits.per_min,
        )
        await offload.start()
        app = create_app(runtime, auth, coordinator, offload=offload)
        server = _Server(
            uvicorn.Config(
                app,
                # httptools is the C parser; the subclass adds the head bounds it lacks (http_protocol.py).
                http=guarded_protocol(settings.max_header_bytes, settings.http_header_timeout_seconds),
                lifespan="off",
                log_config=None,
                access_log=False,
                proxy_headers=False,  # the rate limiter applies its own forwarding-header rule
                server_header=False,
                timeout_keep_alive=math.ceil(settings.http_keep_alive_seconds),
                timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_seconds),
            )
        )
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        stopping = asyncio.create_task(wait_for_stop_signal())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.done():
            if settings.drain_delay_seconds > 0:
                # Readiness first: the load balancer's health check sees 503 and stops routing here while
                # in-flight and late requests are still answered; then the server stops.
                app.state.gateway.lifecycle.draining = True
                log.info(
                    "received %s: not ready, serving for %ss more",
                    stopping.result().name,
                    settings.drain_delay_seconds,
                )
                await asyncio.wait({serving}, timeout=settings.drain_delay_seconds)
            log.info(
                "received %s: draining for up to %ss", stopping.result().name, settings.shutdown_grace_seconds
            )
            server.should_exit = True
        else:
            stopping.cancel()
        await serving
        log.info("stopped")
        return 0 if stopping.done() and not stopping.cancelled() else 1
    finally:
        offload.close()
        await auth.close()
        await coordinator.close()


def main() -> None:
    # libuv's event loop instead of asyncio's own: asyncio.run (in run_service) takes its loop from the policy.
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    run_service("gateway", GatewaySettings, serve)


if __name__ == "__main__":
    main()
