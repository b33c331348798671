"""The coordinator, as far as the gateway needs it: Describe for the startup line, health for /readyz."""

from __future__ import annotations

import grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import coordinator_pb2_grpc
from guardian_gateway.clients.health import HealthProbe


class CoordinatorClient:
    def __init__(
        self, channel: grpc.aio.Channel, deadline_seconds: float, probe_deadline_seconds: float
    ) -> None:
        self._channel = channel
        self._deadline = deadline_seconds
        self._coordination = coordinator_pb2_grpc.CoordinationStub(channel)
        self.health = HealthProbe(channel, probe_deadline_seconds)

    async def describe(self) -> pb.DescribeResponse:
        reply = await self._coordination.Describe(pb.DescribeRequest(), timeout=self._deadline)
        if not isinstance(reply, pb.DescribeResponse):
            raise TypeError(f"coordinator answered {type(reply).__name__} to Describe")
        return reply

    async def close(self) -> None:
        await self._channel.close(None)
