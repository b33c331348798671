"""gRPC health probes for /readyz."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVING = "serving"
NOT_SERVING = "not_serving"
UNREACHABLE = "unreachable"


class HealthProbe:
    """Asks the overall health (`service=""`) of whichever replica the channel picks."""

    def __init__(self, channel: grpc.aio.Channel, deadline_seconds: float) -> None:
        self._stub = health_pb2_grpc.HealthStub(channel)
        self._deadline = deadline_seconds

    async def status(self) -> str:
        try:
            reply = await self._stub.Check(health_pb2.HealthCheckRequest(), timeout=self._deadline)
        except grpc.aio.AioRpcError:
            return UNREACHABLE
        return SERVING if reply.status == health_pb2.HealthCheckResponse.SERVING else NOT_SERVING
