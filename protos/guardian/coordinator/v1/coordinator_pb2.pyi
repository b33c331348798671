import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Realm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REALM_UNSPECIFIED: _ClassVar[Realm]
    REALM_OPERATOR: _ClassVar[Realm]
    REALM_EVM: _ClassVar[Realm]
REALM_UNSPECIFIED: Realm
REALM_OPERATOR: Realm
REALM_EVM: Realm

class DescribeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DescribeResponse(_message.Message):
    __slots__ = ("mode", "backend", "supports_fencing", "schema_revision", "version", "stage", "max_replicas")
    MODE_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_FENCING_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_REVISION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    MAX_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    mode: str
    backend: str
    supports_fencing: bool
    schema_revision: str
    version: str
    stage: str
    max_replicas: int
    def __init__(self, mode: _Optional[str] = ..., backend: _Optional[str] = ..., supports_fencing: _Optional[bool] = ..., schema_revision: _Optional[str] = ..., version: _Optional[str] = ..., stage: _Optional[str] = ..., max_replicas: _Optional[int] = ...) -> None: ...

class InsertRequest(_message.Message):
    __slots__ = ("realm", "token_digest", "subject_json", "ttl_seconds")
    REALM_FIELD_NUMBER: _ClassVar[int]
    TOKEN_DIGEST_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_JSON_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    realm: Realm
    token_digest: bytes
    subject_json: str
    ttl_seconds: int
    def __init__(self, realm: _Optional[_Union[Realm, str]] = ..., token_digest: _Optional[bytes] = ..., subject_json: _Optional[str] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class InsertResponse(_message.Message):
    __slots__ = ("issued_at", "expires_at")
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    issued_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetRequest(_message.Message):
    __slots__ = ("realm", "token_digest")
    REALM_FIELD_NUMBER: _ClassVar[int]
    TOKEN_DIGEST_FIELD_NUMBER: _ClassVar[int]
    realm: Realm
    token_digest: bytes
    def __init__(self, realm: _Optional[_Union[Realm, str]] = ..., token_digest: _Optional[bytes] = ...) -> None: ...

class GetResponse(_message.Message):
    __slots__ = ("found", "subject_json", "issued_at", "expires_at")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_JSON_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    found: bool
    subject_json: str
    issued_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, found: _Optional[bool] = ..., subject_json: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RevokeRequest(_message.Message):
    __slots__ = ("realm", "token_digest")
    REALM_FIELD_NUMBER: _ClassVar[int]
    TOKEN_DIGEST_FIELD_NUMBER: _ClassVar[int]
    realm: Realm
    token_digest: bytes
    def __init__(self, realm: _Optional[_Union[Realm, str]] = ..., token_digest: _Optional[bytes] = ...) -> None: ...

class RevokeResponse(_message.Message):
    __slots__ = ("revoked", "subject_json")
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_JSON_FIELD_NUMBER: _ClassVar[int]
    revoked: bool
    subject_json: str
    def __init__(self, revoked: _Optional[bool] = ..., subject_json: _Optional[str] = ...) -> None: ...

class SweepSessionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SweepSessionsResponse(_message.Message):
    __slots__ = ("deleted",)
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    def __init__(self, deleted: _Optional[int] = ...) -> None: ...

class IssueRequest(_message.Message):
    __slots__ = ("realm", "principal", "key", "payload_json", "ttl_seconds", "max_outstanding")
    REALM_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    realm: Realm
    principal: str
    key: str
    payload_json: str
    ttl_seconds: int
    max_outstanding: int
    def __init__(self, realm: _Optional[_Union[Realm, str]] = ..., principal: _Optional[str] = ..., key: _Optional[str] = ..., payload_json: _Optional[str] = ..., ttl_seconds: _Optional[int] = ..., max_outstanding: _Optional[int] = ...) -> None: ...

class IssueResponse(_message.Message):
    __slots__ = ("issued_at", "expires_at")
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    issued_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListActiveRequest(_message.Message):
    __slots__ = ("realm", "principal")
    REALM_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    realm: Realm
    principal: str
    def __init__(self, realm: _Optional[_Union[Realm, str]] = ..., principal: _Optional[str] = ...) -> None: ...

class Challenge(_message.Message):
    __slots__ = ("key", "payload_json", "issued_at", "expires_at")
    KEY_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    key: str
    payload_json: str
    issued_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, key: _Optional[str] = ..., payload_json: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListActiveResponse(_message.Message):
    __slots__ = ("challenge",)
    CHALLENGE_FIELD_NUMBER: _ClassVar[int]
    challenge: _containers.RepeatedCompositeFieldContainer[Challenge]
    def __init__(self, challenge: _Optional[_Iterable[_Union[Challenge, _Mapping]]] = ...) -> None: ...

class ConsumeRequest(_message.Message):
    __slots__ = ("realm", "principal", "key")
    REALM_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    realm: Realm
    principal: str
    key: str
    def __init__(self, realm: _Optional[_Union[Realm, str]] = ..., principal: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class ConsumeResponse(_message.Message):
    __slots__ = ("won",)
    WON_FIELD_NUMBER: _ClassVar[int]
    won: bool
    def __init__(self, won: _Optional[bool] = ...) -> None: ...

class SweepChallengesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SweepChallengesResponse(_message.Message):
    __slots__ = ("deleted",)
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    def __init__(self, deleted: _Optional[int] = ...) -> None: ...

class Lease(_message.Message):
    __slots__ = ("name", "holder_id", "fence_token", "expires_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    FENCE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    holder_id: str
    fence_token: int
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., holder_id: _Optional[str] = ..., fence_token: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AcquireRequest(_message.Message):
    __slots__ = ("name", "holder_id", "ttl_ms")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    name: str
    holder_id: str
    ttl_ms: int
    def __init__(self, name: _Optional[str] = ..., holder_id: _Optional[str] = ..., ttl_ms: _Optional[int] = ...) -> None: ...

class AcquireResponse(_message.Message):
    __slots__ = ("acquired", "lease")
    ACQUIRED_FIELD_NUMBER: _ClassVar[int]
    LEASE_FIELD_NUMBER: _ClassVar[int]
    acquired: bool
    lease: Lease
    def __init__(self, acquired: _Optional[bool] = ..., lease: _Optional[_Union[Lease, _Mapping]] = ...) -> None: ...

class RenewRequest(_message.Message):
    __slots__ = ("lease", "ttl_ms")
    LEASE_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    lease: Lease
    ttl_ms: int
    def __init__(self, lease: _Optional[_Union[Lease, _Mapping]] = ..., ttl_ms: _Optional[int] = ...) -> None: ...

class RenewResponse(_message.Message):
    __slots__ = ("held", "expires_at")
    HELD_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    held: bool
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, held: _Optional[bool] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VerifyRequest(_message.Message):
    __slots__ = ("lease",)
    LEASE_FIELD_NUMBER: _ClassVar[int]
    lease: Lease
    def __init__(self, lease: _Optional[_Union[Lease, _Mapping]] = ...) -> None: ...

class VerifyResponse(_message.Message):
    __slots__ = ("held",)
    HELD_FIELD_NUMBER: _ClassVar[int]
    held: bool
    def __init__(self, held: _Optional[bool] = ...) -> None: ...

class ReleaseRequest(_message.Message):
    __slots__ = ("lease",)
    LEASE_FIELD_NUMBER: _ClassVar[int]
    lease: Lease
    def __init__(self, lease: _Optional[_Union[Lease, _Mapping]] = ...) -> None: ...

class ReleaseResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
