"""`guardian-devnet`: a local chain for development and tests (never for production).

Serves the Miden node `rpc.Api/GetAccount` over gRPC and the control API over HTTP on one event loop,
prints `devnet listening grpc=HOST:PORT listening http=HOST:PORT`, and stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import grpc
import uvicorn

from guardian_common.errors import ConfigurationError
from guardian_common.grpc_server import bind_insecure_port, wait_for_stop_signal
from guardian_common.startup import run_service
from guardian_devnet.config import DevnetSettings
from guardian_devnet.grpc_api import register
from guardian_devnet.http_api import build_app
from guardian_devnet.ledger import Ledger

log = logging.getLogger("guardian.devnet")


class QuietServer(uvicorn.Server):
    """Leaves SIGTERM/SIGINT to this process's own handler (it stops both servers)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(settings: DevnetSettings) -> int:
    ledger = Ledger()
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    register(server, ledger)
    grpc_port = bind_insecure_port(server, settings.grpc_addr, "GUARDIAN_GRPC_ADDR")
    await server.start()

    http_host, _, http_port = settings.http_addr.rpartition(":")
    config = uvicorn.Config(
        build_app(ledger), host=http_host, port=int(http_port), log_level="warning", lifespan="off"
    )
    http = QuietServer(config)
    http_task = asyncio.create_task(http.serve())
    while not http.started:
        if http_task.done():
            await server.stop(0)
            raise ConfigurationError(f"GUARDIAN_HTTP_ADDR={settings.http_addr!r}: cannot listen there")
        await asyncio.sleep(0.01)
    bound = http.servers[0].sockets[0].getsockname()[1]
    grpc_host = settings.grpc_addr.rsplit(":", 1)[0]
    print(f"devnet listening grpc={grpc_host}:{grpc_port} listening http={http_host}:{bound}", flush=True)

    received = await wait_for_stop_signal()
    log.info("received %s: stopping", received.name)
    http.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await http_task
    await server.stop(1)
    return 0


def main() -> None:
    run_service("devnet", DevnetSettings, serve)


if __name__ == "__main__":
    main()
