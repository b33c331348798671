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
    __slots__ = ("replica_id", "shard_count", "joined_at", "heartbeat_at", "expires_at", "live", "last_passes")
    REPLICA_ID_FIELD_NUMBER: _ClassVar[int]
    SHARD_COUNT_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    LAST_PASSES_FIELD_NUMBER: _ClassVar[int]
    replica_id: str
    shard_count: int
    joined_at: _timestamp_pb2.Timestamp
    heartbeat_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    live: bool
    last_passes: _containers.RepeatedCompositeFieldContainer[PassSummary]
    def __init__(self, replica_id: _Optional[str] = ..., shard_count: _Optional[int] = ..., joined_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., heartbeat_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., live: _Optional[bool] = ..., last_passes: _Optional[_Iterable[_Union[PassSummary, _Mapping]]] = ...) -> None: ...

class PassSummary(_message.Message):
    __slots__ = ("kind", "outcome", "finished_at", "promoted", "discarded", "waiting", "failed")
    KIND_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PROMOTED_FIELD_NUMBER: _ClassVar[int]
    DISCARDED_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    outcome: str
    finished_at: _timestamp_pb2.Timestamp
    promoted: int
    discarded: int
    waiting: int
    failed: int
    def __init__(self, kind: _Optional[str] = ..., outcome: _Optional[str] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promoted: _Optional[int] = ..., discarded: _Optional[int] = ..., waiting: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

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

class GetActivityRequest(_message.Message):
    __slots__ = ("window_seconds", "bucket_count")
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_COUNT_FIELD_NUMBER: _ClassVar[int]
    window_seconds: int
    bucket_count: int
    def __init__(self, window_seconds: _Optional[int] = ..., bucket_count: _Optional[int] = ...) -> None: ...

class ActivityBucket(_message.Message):
    __slots__ = ("start", "submitted_candidate", "submitted_canonical", "submitted_retained", "submitted_discarded", "promoted", "latency_p50_ms", "latency_p95_ms", "latency_max_ms")
    START_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_CANONICAL_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_RETAINED_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_DISCARDED_FIELD_NUMBER: _ClassVar[int]
    PROMOTED_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MAX_MS_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    submitted_candidate: int
    submitted_canonical: int
    submitted_retained: int
    submitted_discarded: int
    promoted: int
    latency_p50_ms: float
    latency_p95_ms: float
    latency_max_ms: float
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submitted_candidate: _Optional[int] = ..., submitted_canonical: _Optional[int] = ..., submitted_retained: _Optional[int] = ..., submitted_discarded: _Optional[int] = ..., promoted: _Optional[int] = ..., latency_p50_ms: _Optional[float] = ..., latency_p95_ms: _Optional[float] = ..., latency_max_ms: _Optional[float] = ...) -> None: ...

class GetActivityResponse(_message.Message):
    __slots__ = ("observed_at", "window_start", "bucket_ms", "buckets")
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    BUCKET_MS_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    observed_at: _timestamp_pb2.Timestamp
    window_start: _timestamp_pb2.Timestamp
    bucket_ms: int
    buckets: _containers.RepeatedCompositeFieldContainer[ActivityBucket]
    def __init__(self, observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., bucket_ms: _Optional[int] = ..., buckets: _Optional[_Iterable[_Union[ActivityBucket, _Mapping]]] = ...) -> None: ...
