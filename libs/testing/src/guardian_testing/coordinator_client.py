"""A typed handle on one coordinator endpoint (or several, round-robin) for tests and benchmarks.

Tests call the raw stubs (`client.custody.Promote(...)`) to see the coordinator's own answers and gRPC
errors unchanged: no deadline beyond the call's own, no error mapping (the skeleton's defaults)."""

from __future__ import annotations

from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian_common.grpc_client import InternalClient, internal_channel


class CoordinatorClient(InternalClient):
    def __init__(self, target: str, internal_token: str | None = None) -> None:
        super().__init__(internal_channel(target, internal_token), deadline_seconds=None)
        self.coordination = pb_grpc.CoordinationStub(self.channel)
        self.sessions = pb_grpc.SessionsStub(self.channel)
        self.challenges = pb_grpc.ChallengesStub(self.channel)
        self.leases = pb_grpc.LeasesStub(self.channel)
        self.custody = pb_grpc.CustodyStub(self.channel)
        self.canonicalization = pb_grpc.CanonicalizationStub(self.channel)
