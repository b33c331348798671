"""Conversions between protobuf messages and domain values."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_coordinator.domain.models import Lease, Realm

_REALMS: dict[int, Realm] = {pb.REALM_OPERATOR: Realm.OPERATOR, pb.REALM_EVM: Realm.EVM}


def realm_from_proto(value: int) -> Realm | None:
    return _REALMS.get(value)


def timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def lease_to_proto(lease: Lease) -> pb.Lease:
    return pb.Lease(
        name=lease.name,
        holder_id=lease.holder_id,
        fence_token=lease.fence_token,
        expires_at=timestamp(lease.expires_at),
    )


def lease_from_proto(message: pb.Lease) -> Lease:
    return Lease(
        name=message.name,
        holder_id=message.holder_id,
        fence_token=message.fence_token,
        expires_at=message.expires_at.ToDatetime(),
    )
