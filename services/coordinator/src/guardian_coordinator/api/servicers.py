"""The coordinator's gRPC services. Thin: every decision lives in domain.coordination."""

from __future__ import annotations

from typing import Any

import grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian.coordinator.v1 import (
    evm_pb2,
    evm_pb2_grpc,
    fleet_pb2,
    fleet_pb2_grpc,
    proposals_pb2,
    proposals_pb2_grpc,
)
from guardian_coordinator.api.canonicalization import CanonicalizationServicer
from guardian_coordinator.api.convert import lease_from_proto, lease_to_proto, realm_from_proto, timestamp
from guardian_coordinator.api.custody import CustodyServicer
from guardian_coordinator.api.errors import mapped_errors
from guardian_coordinator.api.evm import EvmProposalsServicer
from guardian_coordinator.api.fleet import FleetServicer
from guardian_coordinator.api.proposals import DeltaProposalsServicer
from guardian_coordinator.domain.canonicalization import Canonicalization
from guardian_coordinator.domain.coordination import Coordination
from guardian_coordinator.domain.custody import Custody
from guardian_coordinator.domain.evm import EvmProposals
from guardian_coordinator.domain.proposals import DEFAULT_MAX_PENDING, DeltaProposals
from guardian_coordinator.metrics import LEASE_ACQUISITIONS, LEASE_RENEWALS

Context = grpc.aio.ServicerContext[Any, Any]


class CoordinationServicer(pb_grpc.CoordinationServicer):
    def __init__(self, coordination: Coordination, *, mode: str, stage: str, max_replicas: int, version: str):
        self._coordination = coordination
        self._mode, self._stage, self._max_replicas, self._version = mode, stage, max_replicas, version

    @mapped_errors
    async def Describe(self, request: pb.DescribeRequest, context: Context) -> pb.DescribeResponse:
        store = self._coordination.store
        return pb.DescribeResponse(
            backend=store.backend,
            supports_fencing=store.supports_fencing,
            schema_revision=await store.schema_revision(),
            mode=self._mode,
            stage=self._stage,
            max_replicas=self._max_replicas,
            version=self._version,
        )


class SessionsServicer(pb_grpc.SessionsServicer):
    def __init__(self, coordination: Coordination) -> None:
        self._coordination = coordination

    @mapped_errors
    async def Insert(self, request: pb.InsertRequest, context: Context) -> pb.InsertResponse:
        issued = await self._coordination.insert_session(
            realm_from_proto(request.realm), request.token_digest, request.subject_json, request.ttl_seconds
        )
        return pb.InsertResponse(
            issued_at=timestamp(issued.issued_at), expires_at=timestamp(issued.expires_at)
        )

    @mapped_errors
    async def Get(self, request: pb.GetRequest, context: Context) -> pb.GetResponse:
        session = await self._coordination.get_session(realm_from_proto(request.realm), request.token_digest)
        if session is None:
            return pb.GetResponse(found=False)
        return pb.GetResponse(
            found=True,
            subject_json=session.subject_json,
            issued_at=timestamp(session.issued_at),
            expires_at=timestamp(session.expires_at),
        )

    @mapped_errors
    async def Revoke(self, request: pb.RevokeRequest, context: Context) -> pb.RevokeResponse:
        session = await self._coordination.revoke_session(
            realm_from_proto(request.realm), request.token_digest
        )
        if session is None:
            return pb.RevokeResponse(revoked=False)
        return pb.RevokeResponse(revoked=True, subject_json=session.subject_json)

    @mapped_errors
    async def SweepSessions(
        self, request: pb.SweepSessionsRequest, context: Context
    ) -> pb.SweepSessionsResponse:
        return pb.SweepSessionsResponse(deleted=await self._coordination.sweep_sessions())


class ChallengesServicer(pb_grpc.ChallengesServicer):
    def __init__(self, coordination: Coordination) -> None:
        self._coordination = coordination

    @mapped_errors
    async def Issue(self, request: pb.IssueRequest, context: Context) -> pb.IssueResponse:
        issued = await self._coordination.issue_challenge(
            realm_from_proto(request.realm),
            request.principal,
            request.key,
            request.payload_json,
            request.ttl_seconds,
            request.max_outstanding,
        )
        return pb.IssueResponse(
            issued_at=timestamp(issued.issued_at), expires_at=timestamp(issued.expires_at)
        )

    @mapped_errors
    async def ListActive(self, request: pb.ListActiveRequest, context: Context) -> pb.ListActiveResponse:
        active = await self._coordination.list_active_challenges(
            realm_from_proto(request.realm), request.principal
        )
        return pb.ListActiveResponse(
            challenge=[
                pb.Challenge(
                    key=c.key,
                    payload_json=c.payload_json,
                    issued_at=timestamp(c.issued_at),
                    expires_at=timestamp(c.expires_at),
                )
                for c in active
            ]
        )

    @mapped_errors
    async def Consume(self, request: pb.ConsumeRequest, context: Context) -> pb.ConsumeResponse:
        won = await self._coordination.consume_challenge(
            realm_from_proto(request.realm), request.principal, request.key
        )
        return pb.ConsumeResponse(won=won)

    @mapped_errors
    async def SweepChallenges(
        self, request: pb.SweepChallengesRequest, context: Context
    ) -> pb.SweepChallengesResponse:
        return pb.SweepChallengesResponse(deleted=await self._coordination.sweep_challenges())


class LeasesServicer(pb_grpc.LeasesServicer):
    def __init__(self, coordination: Coordination) -> None:
        self._coordination = coordination

    @mapped_errors
    async def Acquire(self, request: pb.AcquireRequest, context: Context) -> pb.AcquireResponse:
        lease = await self._coordination.acquire_lease(request.name, request.holder_id, request.ttl_ms)
        LEASE_ACQUISITIONS.labels("held_elsewhere" if lease is None else "granted").inc()
        if lease is None:
            return pb.AcquireResponse(acquired=False)
        return pb.AcquireResponse(acquired=True, lease=lease_to_proto(lease))

    @mapped_errors
    async def Renew(self, request: pb.RenewRequest, context: Context) -> pb.RenewResponse:
        renewed = await self._coordination.renew_lease(lease_from_proto(request.lease), request.ttl_ms)
        LEASE_RENEWALS.labels("lost" if renewed is None else "renewed").inc()
        if renewed is None:
            return pb.RenewResponse(held=False)
        return pb.RenewResponse(held=True, expires_at=timestamp(renewed.expires_at))

    @mapped_errors
    async def Verify(self, request: pb.VerifyRequest, context: Context) -> pb.VerifyResponse:
        return pb.VerifyResponse(held=await self._coordination.verify_lease(lease_from_proto(request.lease)))

    @mapped_errors
    async def Release(self, request: pb.ReleaseRequest, context: Context) -> pb.ReleaseResponse:
        await self._coordination.release_lease(lease_from_proto(request.lease))
        return pb.ReleaseResponse()


SERVICE_NAMES = [
    pb.DESCRIPTOR.services_by_name[name].full_name
    for name in ("Coordination", "Sessions", "Challenges", "Leases", "Custody", "Canonicalization")
] + [
    fleet_pb2.DESCRIPTOR.services_by_name["Fleet"].full_name,
    evm_pb2.DESCRIPTOR.services_by_name["EvmProposals"].full_name,
    proposals_pb2.DESCRIPTOR.services_by_name["DeltaProposals"].full_name,
]


def register(
    server: grpc.aio.Server,
    coordination: Coordination,
    *,
    mode: str,
    stage: str,
    max_replicas: int,
    version: str,
    max_pending_proposals: int = DEFAULT_MAX_PENDING,
) -> None:
    pb_grpc.add_CoordinationServicer_to_server(
        CoordinationServicer(
            coordination, mode=mode, stage=stage, max_replicas=max_replicas, version=version
        ),
        server,
    )
    pb_grpc.add_SessionsServicer_to_server(SessionsServicer(coordination), server)
    pb_grpc.add_ChallengesServicer_to_server(ChallengesServicer(coordination), server)
    pb_grpc.add_LeasesServicer_to_server(LeasesServicer(coordination), server)
    store = coordination.store
    pb_grpc.add_CustodyServicer_to_server(CustodyServicer(Custody(store.custody)), server)
    pb_grpc.add_CanonicalizationServicer_to_server(
        CanonicalizationServicer(Canonicalization(store.shards, store.custody)), server
    )
    fleet_pb2_grpc.add_FleetServicer_to_server(
        FleetServicer(coordination, mode=mode, stage=stage, max_replicas=max_replicas, version=version),
        server,
    )
    evm_pb2_grpc.add_EvmProposalsServicer_to_server(EvmProposalsServicer(EvmProposals(store.evm)), server)
    proposals_pb2_grpc.add_DeltaProposalsServicer_to_server(
        DeltaProposalsServicer(DeltaProposals(store.proposals, max_pending_proposals)), server
    )
