import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetFleetStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FleetMember(_message.Message):
    __slots__ = ("replica_id", "shard_count", "joined_at", "heartbeat_at", "expires_at", "live")
    REPLICA_ID_FIELD_NUMBER: _ClassVar[int]
    SHARD_COUNT_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    replica_id: str
    shard_count: int
    joined_at: _timestamp_pb2.Timestamp
    heartbeat_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    live: bool
    def __init__(self, replica_id: _Optional[str] = ..., shard_count: _Optional[int] = ..., joined_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., heartbeat_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., live: _Optional[bool] = ...) -> None: ...

class FleetLease(_message.Message):
    __slots__ = ("name", "holder_id", "fence_token", "acquired_at", "renewed_at", "expires_at", "live", "is_shard", "shard_index", "shard_count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    FENCE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACQUIRED_AT_FIELD_NUMBER: _ClassVar[int]
    RENEWED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    IS_SHARD_FIELD_NUMBER: _ClassVar[int]
    SHARD_INDEX_FIELD_NUMBER: _ClassVar[int]
    SHARD_COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    holder_id: str
    fence_token: int
    acquired_at: _timestamp_pb2.Timestamp
    renewed_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    live: bool
    is_shard: bool
    shard_index: int
    shard_count: int
    def __init__(self, name: _Optional[str] = ..., holder_id: _Optional[str] = ..., fence_token: _Optional[int] = ..., acquired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., renewed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., live: _Optional[bool] = ..., is_shard: _Optional[bool] = ..., shard_index: _Optional[int] = ..., shard_count: _Optional[int] = ...) -> None: ...

class GetFleetStatusResponse(_message.Message):
    __slots__ = ("observed_at", "members", "leases", "coordinator_mode", "coordinator_backend", "coordinator_version", "schema_revision", "stage", "max_replicas")
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    LEASES_FIELD_NUMBER: _ClassVar[int]
    COORDINATOR_MODE_FIELD_NUMBER: _ClassVar[int]
    COORDINATOR_BACKEND_FIELD_NUMBER: _ClassVar[int]
    COORDINATOR_VERSION_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_REVISION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    MAX_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    observed_at: _timestamp_pb2.Timestamp
    members: _containers.RepeatedCompositeFieldContainer[FleetMember]
    leases: _containers.RepeatedCompositeFieldContainer[FleetLease]
    coordinator_mode: str
    coordinator_backend: str
    coordinator_version: str
    schema_revision: str
    stage: str
    max_replicas: int
    def __init__(self, observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., members: _Optional[_Iterable[_Union[FleetMember, _Mapping]]] = ..., leases: _Optional[_Iterable[_Union[FleetLease, _Mapping]]] = ..., coordinator_mode: _Optional[str] = ..., coordinator_backend: _Optional[str] = ..., coordinator_version: _Optional[str] = ..., schema_revision: _Optional[str] = ..., stage: _Optional[str] = ..., max_replicas: _Optional[int] = ...) -> None: ...
