"""The same hops as an authenticated request (HTTP → gRPC → gRPC), each doing no work: the baseline
for the login benchmark. Run as three processes:

    python bench/bare_chain.py leaf ADDR
    python bench/bare_chain.py middle ADDR NEXT
    python bench/bare_chain.py http ADDR NEXT
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Callable
from typing import Any

import grpc
import uvicorn
from fastapi import FastAPI
from grpc_health.v1 import health_pb2, health_pb2_grpc


class Leaf(health_pb2_grpc.HealthServicer):  # type: ignore[misc]
    async def Check(self, request: Any, context: Any) -> health_pb2.HealthCheckResponse:
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


class Middle(health_pb2_grpc.HealthServicer):  # type: ignore[misc]
    def __init__(self, next_target: str) -> None:
        self._next = health_pb2_grpc.HealthStub(grpc.aio.insecure_channel(next_target))

    async def Check(self, request: Any, context: Any) -> health_pb2.HealthCheckResponse:
        response: health_pb2.HealthCheckResponse = await self._next.Check(health_pb2.HealthCheckRequest())
        return response


async def serve_grpc(make_servicer: Callable[[], health_pb2_grpc.HealthServicer], address: str) -> None:
    server = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(make_servicer(), server)  # channels bind to this loop
    port = server.add_insecure_port(address)
    await server.start()
    print(f"bare listening grpc=127.0.0.1:{port}", flush=True)
    await server.wait_for_termination()


def serve_http(address: str, next_target: str) -> None:
    app = FastAPI()
    stub: dict[str, health_pb2_grpc.HealthStub] = {}

    @app.get("/dashboard/session")
    async def session() -> dict[str, str]:
        if "next" not in stub:
            stub["next"] = health_pb2_grpc.HealthStub(grpc.aio.insecure_channel(next_target))
        await stub["next"].Check(health_pb2.HealthCheckRequest())
        return {"operator_id": "bare", "permissions": "[]"}

    host, port = address.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # lets asyncio disable Nagle
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, int(port)))
    print(f"bare listening http={host}:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    role, address = sys.argv[1], sys.argv[2]
    if role == "leaf":
        asyncio.run(serve_grpc(Leaf, address))
    elif role == "middle":
        asyncio.run(serve_grpc(lambda: Middle(sys.argv[3]), address))
    else:
        serve_http(address, sys.argv[3])
