import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StatusResponse(_message.Message):
    __slots__ = ("holder_id", "role", "fence_token", "last_pass_kind", "last_pass_outcome", "last_pass_finished_at", "passes", "promotions", "shard_count", "shards", "longest_renewal_gap_seconds")
    HOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    FENCE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LAST_PASS_KIND_FIELD_NUMBER: _ClassVar[int]
    LAST_PASS_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    LAST_PASS_FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PASSES_FIELD_NUMBER: _ClassVar[int]
    PROMOTIONS_FIELD_NUMBER: _ClassVar[int]
    SHARD_COUNT_FIELD_NUMBER: _ClassVar[int]
    SHARDS_FIELD_NUMBER: _ClassVar[int]
    LONGEST_RENEWAL_GAP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    holder_id: str
    role: str
    fence_token: int
    last_pass_kind: str
    last_pass_outcome: str
    last_pass_finished_at: _timestamp_pb2.Timestamp
    passes: int
    promotions: int
    shard_count: int
    shards: _containers.RepeatedCompositeFieldContainer[HeldShard]
    longest_renewal_gap_seconds: float
    def __init__(self, holder_id: _Optional[str] = ..., role: _Optional[str] = ..., fence_token: _Optional[int] = ..., last_pass_kind: _Optional[str] = ..., last_pass_outcome: _Optional[str] = ..., last_pass_finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., passes: _Optional[int] = ..., promotions: _Optional[int] = ..., shard_count: _Optional[int] = ..., shards: _Optional[_Iterable[_Union[HeldShard, _Mapping]]] = ..., longest_renewal_gap_seconds: _Optional[float] = ...) -> None: ...

class HeldShard(_message.Message):
    __slots__ = ("index", "fence_token", "expires_at")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    FENCE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    index: int
    fence_token: int
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, index: _Optional[int] = ..., fence_token: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
