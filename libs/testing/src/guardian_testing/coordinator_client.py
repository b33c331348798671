"""A typed handle on one coordinator endpoint (or several, round-robin) for tests and benchmarks."""

from __future__ import annotations

from types import TracebackType

from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian_common.grpc_client import internal_channel


class CoordinatorClient:
    def __init__(self, target: str, internal_token: str | None = None) -> None:
        self.channel = internal_channel(target, internal_token)
        self.coordination = pb_grpc.CoordinationStub(self.channel)
        self.sessions = pb_grpc.SessionsStub(self.channel)
        self.challenges = pb_grpc.ChallengesStub(self.channel)
        self.leases = pb_grpc.LeasesStub(self.channel)
        self.custody = pb_grpc.CustodyStub(self.channel)

    async def close(self) -> None:
        await self.channel.close(None)

    async def __aenter__(self) -> CoordinatorClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
