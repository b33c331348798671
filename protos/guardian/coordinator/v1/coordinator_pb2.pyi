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

class DeltaKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELTA_KIND_UNSPECIFIED: _ClassVar[DeltaKind]
    DELTA_KIND_CANDIDATE: _ClassVar[DeltaKind]
    DELTA_KIND_CANONICAL: _ClassVar[DeltaKind]
    DELTA_KIND_RETAINED: _ClassVar[DeltaKind]
    DELTA_KIND_DISCARDED: _ClassVar[DeltaKind]

class ConfigureOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIGURE_OUTCOME_UNSPECIFIED: _ClassVar[ConfigureOutcome]
    CONFIGURE_OUTCOME_CREATED: _ClassVar[ConfigureOutcome]
    CONFIGURE_OUTCOME_UPDATED: _ClassVar[ConfigureOutcome]
    CONFIGURE_OUTCOME_REPLAY: _ClassVar[ConfigureOutcome]
    CONFIGURE_OUTCOME_EXISTS: _ClassVar[ConfigureOutcome]

class SubmitOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBMIT_OUTCOME_UNSPECIFIED: _ClassVar[SubmitOutcome]
    SUBMIT_OUTCOME_SUBMITTED: _ClassVar[SubmitOutcome]
    SUBMIT_OUTCOME_CONFLICT: _ClassVar[SubmitOutcome]
    SUBMIT_OUTCOME_COMMITMENT_MISMATCH: _ClassVar[SubmitOutcome]
    SUBMIT_OUTCOME_ACCOUNT_NOT_FOUND: _ClassVar[SubmitOutcome]
    SUBMIT_OUTCOME_PAUSED: _ClassVar[SubmitOutcome]
    SUBMIT_OUTCOME_RELEASED: _ClassVar[SubmitOutcome]
    SUBMIT_OUTCOME_REPLAY: _ClassVar[SubmitOutcome]

class AbandonOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ABANDON_OUTCOME_UNSPECIFIED: _ClassVar[AbandonOutcome]
    ABANDON_OUTCOME_RECORDED: _ClassVar[AbandonOutcome]
    ABANDON_OUTCOME_ALREADY_REQUESTED: _ClassVar[AbandonOutcome]
    ABANDON_OUTCOME_NOT_CANDIDATE: _ClassVar[AbandonOutcome]
    ABANDON_OUTCOME_ACCOUNT_NOT_FOUND: _ClassVar[AbandonOutcome]
    ABANDON_OUTCOME_PAUSED: _ClassVar[AbandonOutcome]
    ABANDON_OUTCOME_RELEASED: _ClassVar[AbandonOutcome]

class AuthTimestampOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTH_TIMESTAMP_OUTCOME_UNSPECIFIED: _ClassVar[AuthTimestampOutcome]
    AUTH_TIMESTAMP_OUTCOME_ACCEPTED: _ClassVar[AuthTimestampOutcome]
    AUTH_TIMESTAMP_OUTCOME_REPLAY: _ClassVar[AuthTimestampOutcome]
    AUTH_TIMESTAMP_OUTCOME_ACCOUNT_NOT_FOUND: _ClassVar[AuthTimestampOutcome]

class WriteOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WRITE_OUTCOME_UNSPECIFIED: _ClassVar[WriteOutcome]
    WRITE_OUTCOME_APPLIED: _ClassVar[WriteOutcome]
    WRITE_OUTCOME_STALE_LEASE: _ClassVar[WriteOutcome]
    WRITE_OUTCOME_NOT_CANDIDATE: _ClassVar[WriteOutcome]
    WRITE_OUTCOME_STALE_BASE: _ClassVar[WriteOutcome]
    WRITE_OUTCOME_WRONG_SHARD: _ClassVar[WriteOutcome]

class PausedFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAUSED_FILTER_ALL: _ClassVar[PausedFilter]
    PAUSED_FILTER_PAUSED: _ClassVar[PausedFilter]
    PAUSED_FILTER_ACTIVE: _ClassVar[PausedFilter]

class WorkMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORK_MODE_UNSPECIFIED: _ClassVar[WorkMode]
    WORK_MODE_PENDING: _ClassVar[WorkMode]
    WORK_MODE_RECENT: _ClassVar[WorkMode]
    WORK_MODE_RECOVERABLE: _ClassVar[WorkMode]
REALM_UNSPECIFIED: Realm
REALM_OPERATOR: Realm
REALM_EVM: Realm
DELTA_KIND_UNSPECIFIED: DeltaKind
DELTA_KIND_CANDIDATE: DeltaKind
DELTA_KIND_CANONICAL: DeltaKind
DELTA_KIND_RETAINED: DeltaKind
DELTA_KIND_DISCARDED: DeltaKind
CONFIGURE_OUTCOME_UNSPECIFIED: ConfigureOutcome
CONFIGURE_OUTCOME_CREATED: ConfigureOutcome
CONFIGURE_OUTCOME_UPDATED: ConfigureOutcome
CONFIGURE_OUTCOME_REPLAY: ConfigureOutcome
CONFIGURE_OUTCOME_EXISTS: ConfigureOutcome
SUBMIT_OUTCOME_UNSPECIFIED: SubmitOutcome
SUBMIT_OUTCOME_SUBMITTED: SubmitOutcome
SUBMIT_OUTCOME_CONFLICT: SubmitOutcome
SUBMIT_OUTCOME_COMMITMENT_MISMATCH: SubmitOutcome
SUBMIT_OUTCOME_ACCOUNT_NOT_FOUND: SubmitOutcome
SUBMIT_OUTCOME_PAUSED: SubmitOutcome
SUBMIT_OUTCOME_RELEASED: SubmitOutcome
SUBMIT_OUTCOME_REPLAY: SubmitOutcome
ABANDON_OUTCOME_UNSPECIFIED: AbandonOutcome
ABANDON_OUTCOME_RECORDED: AbandonOutcome
ABANDON_OUTCOME_ALREADY_REQUESTED: AbandonOutcome
ABANDON_OUTCOME_NOT_CANDIDATE: AbandonOutcome
ABANDON_OUTCOME_ACCOUNT_NOT_FOUND: AbandonOutcome
ABANDON_OUTCOME_PAUSED: AbandonOutcome
ABANDON_OUTCOME_RELEASED: AbandonOutcome
AUTH_TIMESTAMP_OUTCOME_UNSPECIFIED: AuthTimestampOutcome
AUTH_TIMESTAMP_OUTCOME_ACCEPTED: AuthTimestampOutcome
AUTH_TIMESTAMP_OUTCOME_REPLAY: AuthTimestampOutcome
AUTH_TIMESTAMP_OUTCOME_ACCOUNT_NOT_FOUND: AuthTimestampOutcome
WRITE_OUTCOME_UNSPECIFIED: WriteOutcome
WRITE_OUTCOME_APPLIED: WriteOutcome
WRITE_OUTCOME_STALE_LEASE: WriteOutcome
WRITE_OUTCOME_NOT_CANDIDATE: WriteOutcome
WRITE_OUTCOME_STALE_BASE: WriteOutcome
WRITE_OUTCOME_WRONG_SHARD: WriteOutcome
PAUSED_FILTER_ALL: PausedFilter
PAUSED_FILTER_PAUSED: PausedFilter
PAUSED_FILTER_ACTIVE: PausedFilter
WORK_MODE_UNSPECIFIED: WorkMode
WORK_MODE_PENDING: WorkMode
WORK_MODE_RECENT: WorkMode
WORK_MODE_RECOVERABLE: WorkMode

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

class Account(_message.Message):
    __slots__ = ("account_id", "auth_json", "network_config_json", "created_at", "updated_at", "has_pending_candidate", "paused_at", "paused_reason", "released_at", "state_commitment", "state_created_at", "state_updated_at")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTH_JSON_FIELD_NUMBER: _ClassVar[int]
    NETWORK_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    HAS_PENDING_CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    PAUSED_AT_FIELD_NUMBER: _ClassVar[int]
    PAUSED_REASON_FIELD_NUMBER: _ClassVar[int]
    RELEASED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    STATE_CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    auth_json: str
    network_config_json: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    has_pending_candidate: bool
    paused_at: _timestamp_pb2.Timestamp
    paused_reason: str
    released_at: _timestamp_pb2.Timestamp
    state_commitment: str
    state_created_at: _timestamp_pb2.Timestamp
    state_updated_at: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., auth_json: _Optional[str] = ..., network_config_json: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., has_pending_candidate: _Optional[bool] = ..., paused_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paused_reason: _Optional[str] = ..., released_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state_commitment: _Optional[str] = ..., state_created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state_updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AccountState(_message.Message):
    __slots__ = ("account_id", "state_json", "commitment", "created_at", "updated_at")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_JSON_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    state_json: str
    commitment: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., state_json: _Optional[str] = ..., commitment: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Delta(_message.Message):
    __slots__ = ("account_id", "nonce", "prev_commitment", "new_commitment", "delta_payload_json", "ack_sig", "status_json", "status_kind", "status_timestamp", "metadata_json")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    PREV_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    NEW_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    DELTA_PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    ACK_SIG_FIELD_NUMBER: _ClassVar[int]
    STATUS_JSON_FIELD_NUMBER: _ClassVar[int]
    STATUS_KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    delta_payload_json: str
    ack_sig: str
    status_json: str
    status_kind: DeltaKind
    status_timestamp: _timestamp_pb2.Timestamp
    metadata_json: str
    def __init__(self, account_id: _Optional[str] = ..., nonce: _Optional[int] = ..., prev_commitment: _Optional[str] = ..., new_commitment: _Optional[str] = ..., delta_payload_json: _Optional[str] = ..., ack_sig: _Optional[str] = ..., status_json: _Optional[str] = ..., status_kind: _Optional[_Union[DeltaKind, str]] = ..., status_timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata_json: _Optional[str] = ...) -> None: ...

class AuthStamp(_message.Message):
    __slots__ = ("signer_commitment", "timestamp_ms")
    SIGNER_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    signer_commitment: str
    timestamp_ms: int
    def __init__(self, signer_commitment: _Optional[str] = ..., timestamp_ms: _Optional[int] = ...) -> None: ...

class ConfigureAccountRequest(_message.Message):
    __slots__ = ("account_id", "auth_json", "network_config_json", "initial_state_json", "initial_commitment", "auth_stamp", "create_only")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTH_JSON_FIELD_NUMBER: _ClassVar[int]
    NETWORK_CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
    INITIAL_STATE_JSON_FIELD_NUMBER: _ClassVar[int]
    INITIAL_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    AUTH_STAMP_FIELD_NUMBER: _ClassVar[int]
    CREATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    auth_json: str
    network_config_json: str
    initial_state_json: str
    initial_commitment: str
    auth_stamp: AuthStamp
    create_only: bool
    def __init__(self, account_id: _Optional[str] = ..., auth_json: _Optional[str] = ..., network_config_json: _Optional[str] = ..., initial_state_json: _Optional[str] = ..., initial_commitment: _Optional[str] = ..., auth_stamp: _Optional[_Union[AuthStamp, _Mapping]] = ..., create_only: _Optional[bool] = ...) -> None: ...

class ConfigureAccountResponse(_message.Message):
    __slots__ = ("outcome", "account")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    outcome: ConfigureOutcome
    account: Account
    def __init__(self, outcome: _Optional[_Union[ConfigureOutcome, str]] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class SubmitCandidateRequest(_message.Message):
    __slots__ = ("account_id", "nonce", "prev_commitment", "new_commitment", "delta_payload_json", "ack_sig", "metadata_json", "auth_stamp")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    PREV_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    NEW_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    DELTA_PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    ACK_SIG_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    AUTH_STAMP_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    delta_payload_json: str
    ack_sig: str
    metadata_json: str
    auth_stamp: AuthStamp
    def __init__(self, account_id: _Optional[str] = ..., nonce: _Optional[int] = ..., prev_commitment: _Optional[str] = ..., new_commitment: _Optional[str] = ..., delta_payload_json: _Optional[str] = ..., ack_sig: _Optional[str] = ..., metadata_json: _Optional[str] = ..., auth_stamp: _Optional[_Union[AuthStamp, _Mapping]] = ...) -> None: ...

class SubmitCandidateResponse(_message.Message):
    __slots__ = ("outcome", "delta", "expected_commitment", "account")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    outcome: SubmitOutcome
    delta: Delta
    expected_commitment: str
    account: Account
    def __init__(self, outcome: _Optional[_Union[SubmitOutcome, str]] = ..., delta: _Optional[_Union[Delta, _Mapping]] = ..., expected_commitment: _Optional[str] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class RecordAbandonRequest(_message.Message):
    __slots__ = ("account_id", "nonce")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    nonce: int
    def __init__(self, account_id: _Optional[str] = ..., nonce: _Optional[int] = ...) -> None: ...

class RecordAbandonResponse(_message.Message):
    __slots__ = ("outcome", "requested_at", "delta", "account")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    outcome: AbandonOutcome
    requested_at: _timestamp_pb2.Timestamp
    delta: Delta
    account: Account
    def __init__(self, outcome: _Optional[_Union[AbandonOutcome, str]] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delta: _Optional[_Union[Delta, _Mapping]] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class CheckAndAdvanceAuthTimestampRequest(_message.Message):
    __slots__ = ("account_id", "signer_commitment", "timestamp_ms")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNER_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    signer_commitment: str
    timestamp_ms: int
    def __init__(self, account_id: _Optional[str] = ..., signer_commitment: _Optional[str] = ..., timestamp_ms: _Optional[int] = ...) -> None: ...

class CheckAndAdvanceAuthTimestampResponse(_message.Message):
    __slots__ = ("outcome",)
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    outcome: AuthTimestampOutcome
    def __init__(self, outcome: _Optional[_Union[AuthTimestampOutcome, str]] = ...) -> None: ...

class ReadAsSignerRequest(_message.Message):
    __slots__ = ("account_id", "include_state", "auth_method", "candidate_signers", "timestamp_ms")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_STATE_FIELD_NUMBER: _ClassVar[int]
    AUTH_METHOD_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_SIGNERS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    include_state: bool
    auth_method: str
    candidate_signers: _containers.RepeatedScalarFieldContainer[str]
    timestamp_ms: int
    def __init__(self, account_id: _Optional[str] = ..., include_state: _Optional[bool] = ..., auth_method: _Optional[str] = ..., candidate_signers: _Optional[_Iterable[str]] = ..., timestamp_ms: _Optional[int] = ...) -> None: ...

class ReadAsSignerResponse(_message.Message):
    __slots__ = ("found", "account", "state", "signer_commitment", "floor")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SIGNER_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    FLOOR_FIELD_NUMBER: _ClassVar[int]
    found: bool
    account: Account
    state: AccountState
    signer_commitment: str
    floor: AuthTimestampOutcome
    def __init__(self, found: _Optional[bool] = ..., account: _Optional[_Union[Account, _Mapping]] = ..., state: _Optional[_Union[AccountState, _Mapping]] = ..., signer_commitment: _Optional[str] = ..., floor: _Optional[_Union[AuthTimestampOutcome, str]] = ...) -> None: ...

class PauseRequest(_message.Message):
    __slots__ = ("account_id", "operator_commitment", "reason")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    operator_commitment: str
    reason: str
    def __init__(self, account_id: _Optional[str] = ..., operator_commitment: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PauseResponse(_message.Message):
    __slots__ = ("found", "before_state", "after_state", "account")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    BEFORE_STATE_FIELD_NUMBER: _ClassVar[int]
    AFTER_STATE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    found: bool
    before_state: str
    after_state: str
    account: Account
    def __init__(self, found: _Optional[bool] = ..., before_state: _Optional[str] = ..., after_state: _Optional[str] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class UnpauseRequest(_message.Message):
    __slots__ = ("account_id", "operator_commitment", "reason")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    operator_commitment: str
    reason: str
    def __init__(self, account_id: _Optional[str] = ..., operator_commitment: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UnpauseResponse(_message.Message):
    __slots__ = ("found", "before_state", "after_state", "account")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    BEFORE_STATE_FIELD_NUMBER: _ClassVar[int]
    AFTER_STATE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    found: bool
    before_state: str
    after_state: str
    account: Account
    def __init__(self, found: _Optional[bool] = ..., before_state: _Optional[str] = ..., after_state: _Optional[str] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class PromoteRequest(_message.Message):
    __slots__ = ("lease", "account_id", "nonce", "source_kind", "new_commitment", "new_state_json", "auth_json", "release")
    LEASE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_KIND_FIELD_NUMBER: _ClassVar[int]
    NEW_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    NEW_STATE_JSON_FIELD_NUMBER: _ClassVar[int]
    AUTH_JSON_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    lease: Lease
    account_id: str
    nonce: int
    source_kind: DeltaKind
    new_commitment: str
    new_state_json: str
    auth_json: str
    release: bool
    def __init__(self, lease: _Optional[_Union[Lease, _Mapping]] = ..., account_id: _Optional[str] = ..., nonce: _Optional[int] = ..., source_kind: _Optional[_Union[DeltaKind, str]] = ..., new_commitment: _Optional[str] = ..., new_state_json: _Optional[str] = ..., auth_json: _Optional[str] = ..., release: _Optional[bool] = ...) -> None: ...

class PromoteResponse(_message.Message):
    __slots__ = ("outcome",)
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    outcome: WriteOutcome
    def __init__(self, outcome: _Optional[_Union[WriteOutcome, str]] = ...) -> None: ...

class DiscardRequest(_message.Message):
    __slots__ = ("lease", "account_id", "nonce", "kind")
    LEASE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    lease: Lease
    account_id: str
    nonce: int
    kind: DeltaKind
    def __init__(self, lease: _Optional[_Union[Lease, _Mapping]] = ..., account_id: _Optional[str] = ..., nonce: _Optional[int] = ..., kind: _Optional[_Union[DeltaKind, str]] = ...) -> None: ...

class DiscardResponse(_message.Message):
    __slots__ = ("outcome",)
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    outcome: WriteOutcome
    def __init__(self, outcome: _Optional[_Union[WriteOutcome, str]] = ...) -> None: ...

class UpdateCandidateStatusRequest(_message.Message):
    __slots__ = ("lease", "account_id", "nonce", "new_kind", "reason", "retry_count", "divergence_count", "abandon_confirm_count")
    LEASE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    NEW_KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RETRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    DIVERGENCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ABANDON_CONFIRM_COUNT_FIELD_NUMBER: _ClassVar[int]
    lease: Lease
    account_id: str
    nonce: int
    new_kind: DeltaKind
    reason: str
    retry_count: int
    divergence_count: int
    abandon_confirm_count: int
    def __init__(self, lease: _Optional[_Union[Lease, _Mapping]] = ..., account_id: _Optional[str] = ..., nonce: _Optional[int] = ..., new_kind: _Optional[_Union[DeltaKind, str]] = ..., reason: _Optional[str] = ..., retry_count: _Optional[int] = ..., divergence_count: _Optional[int] = ..., abandon_confirm_count: _Optional[int] = ...) -> None: ...

class UpdateCandidateStatusResponse(_message.Message):
    __slots__ = ("outcome",)
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    outcome: WriteOutcome
    def __init__(self, outcome: _Optional[_Union[WriteOutcome, str]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("account_id", "include_state")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_STATE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    include_state: bool
    def __init__(self, account_id: _Optional[str] = ..., include_state: _Optional[bool] = ...) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ("found", "account", "state")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    found: bool
    account: Account
    state: AccountState
    def __init__(self, found: _Optional[bool] = ..., account: _Optional[_Union[Account, _Mapping]] = ..., state: _Optional[_Union[AccountState, _Mapping]] = ...) -> None: ...

class GetStateRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class GetStateResponse(_message.Message):
    __slots__ = ("found", "state")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    found: bool
    state: AccountState
    def __init__(self, found: _Optional[bool] = ..., state: _Optional[_Union[AccountState, _Mapping]] = ...) -> None: ...

class GetDeltaRequest(_message.Message):
    __slots__ = ("account_id", "nonce")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    nonce: int
    def __init__(self, account_id: _Optional[str] = ..., nonce: _Optional[int] = ...) -> None: ...

class GetDeltaResponse(_message.Message):
    __slots__ = ("found", "delta")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    found: bool
    delta: Delta
    def __init__(self, found: _Optional[bool] = ..., delta: _Optional[_Union[Delta, _Mapping]] = ...) -> None: ...

class ListDeltasResponse(_message.Message):
    __slots__ = ("deltas", "has_more")
    DELTAS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    deltas: _containers.RepeatedCompositeFieldContainer[Delta]
    has_more: bool
    def __init__(self, deltas: _Optional[_Iterable[_Union[Delta, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class ListDeltasSinceRequest(_message.Message):
    __slots__ = ("account_id", "from_nonce", "statuses", "limit")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_NONCE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    from_nonce: int
    statuses: _containers.RepeatedScalarFieldContainer[DeltaKind]
    limit: int
    def __init__(self, account_id: _Optional[str] = ..., from_nonce: _Optional[int] = ..., statuses: _Optional[_Iterable[_Union[DeltaKind, str]]] = ..., limit: _Optional[int] = ...) -> None: ...

class ListAccountDeltasRequest(_message.Message):
    __slots__ = ("account_id", "statuses", "limit", "before_nonce")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_NONCE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    statuses: _containers.RepeatedScalarFieldContainer[DeltaKind]
    limit: int
    before_nonce: int
    def __init__(self, account_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[DeltaKind, str]]] = ..., limit: _Optional[int] = ..., before_nonce: _Optional[int] = ...) -> None: ...

class DeltaFeedKey(_message.Message):
    __slots__ = ("status_timestamp", "account_id", "nonce")
    STATUS_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    status_timestamp: _timestamp_pb2.Timestamp
    account_id: str
    nonce: int
    def __init__(self, status_timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., account_id: _Optional[str] = ..., nonce: _Optional[int] = ...) -> None: ...

class ListDeltasRequest(_message.Message):
    __slots__ = ("statuses", "limit", "after")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedScalarFieldContainer[DeltaKind]
    limit: int
    after: DeltaFeedKey
    def __init__(self, statuses: _Optional[_Iterable[_Union[DeltaKind, str]]] = ..., limit: _Optional[int] = ..., after: _Optional[_Union[DeltaFeedKey, _Mapping]] = ...) -> None: ...

class AccountKey(_message.Message):
    __slots__ = ("updated_at", "account_id")
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    updated_at: _timestamp_pb2.Timestamp
    account_id: str
    def __init__(self, updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., account_id: _Optional[str] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
    __slots__ = ("paused", "limit", "after", "account_id_prefix")
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_PREFIX_FIELD_NUMBER: _ClassVar[int]
    paused: PausedFilter
    limit: int
    after: AccountKey
    account_id_prefix: str
    def __init__(self, paused: _Optional[_Union[PausedFilter, str]] = ..., limit: _Optional[int] = ..., after: _Optional[_Union[AccountKey, _Mapping]] = ..., account_id_prefix: _Optional[str] = ...) -> None: ...

class ListAccountsResponse(_message.Message):
    __slots__ = ("accounts", "has_more")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[Account]
    has_more: bool
    def __init__(self, accounts: _Optional[_Iterable[_Union[Account, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class ListAccountIdsResponse(_message.Message):
    __slots__ = ("account_ids", "has_more")
    ACCOUNT_IDS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    account_ids: _containers.RepeatedScalarFieldContainer[str]
    has_more: bool
    def __init__(self, account_ids: _Optional[_Iterable[str]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class ListAccountsByCosignerRequest(_message.Message):
    __slots__ = ("cosigner_commitment", "limit", "after_account_id")
    COSIGNER_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AFTER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    cosigner_commitment: str
    limit: int
    after_account_id: str
    def __init__(self, cosigner_commitment: _Optional[str] = ..., limit: _Optional[int] = ..., after_account_id: _Optional[str] = ...) -> None: ...

class ListPendingAccountsRequest(_message.Message):
    __slots__ = ("limit", "after_account_id")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AFTER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    limit: int
    after_account_id: str
    def __init__(self, limit: _Optional[int] = ..., after_account_id: _Optional[str] = ...) -> None: ...

class ListCandidatesRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ListRecentCandidatesRequest(_message.Message):
    __slots__ = ("window_ms", "limit", "after")
    WINDOW_MS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    window_ms: int
    limit: int
    after: DeltaFeedKey
    def __init__(self, window_ms: _Optional[int] = ..., limit: _Optional[int] = ..., after: _Optional[_Union[DeltaFeedKey, _Mapping]] = ...) -> None: ...

class ListRecoverableAccountsRequest(_message.Message):
    __slots__ = ("retained_ttl_seconds", "limit", "after_account_id")
    RETAINED_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AFTER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    retained_ttl_seconds: int
    limit: int
    after_account_id: str
    def __init__(self, retained_ttl_seconds: _Optional[int] = ..., limit: _Optional[int] = ..., after_account_id: _Optional[str] = ...) -> None: ...

class ListRecoverableDeltasRequest(_message.Message):
    __slots__ = ("account_id", "retained_ttl_seconds")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    RETAINED_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    retained_ttl_seconds: int
    def __init__(self, account_id: _Optional[str] = ..., retained_ttl_seconds: _Optional[int] = ...) -> None: ...

class AdminAction(_message.Message):
    __slots__ = ("id", "account_id", "action", "operator_commitment", "reason", "created_at", "before_state", "after_state")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_STATE_FIELD_NUMBER: _ClassVar[int]
    AFTER_STATE_FIELD_NUMBER: _ClassVar[int]
    id: int
    account_id: str
    action: str
    operator_commitment: str
    reason: str
    created_at: _timestamp_pb2.Timestamp
    before_state: str
    after_state: str
    def __init__(self, id: _Optional[int] = ..., account_id: _Optional[str] = ..., action: _Optional[str] = ..., operator_commitment: _Optional[str] = ..., reason: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., before_state: _Optional[str] = ..., after_state: _Optional[str] = ...) -> None: ...

class ListAdminActionsRequest(_message.Message):
    __slots__ = ("account_id", "limit", "before_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    limit: int
    before_id: int
    def __init__(self, account_id: _Optional[str] = ..., limit: _Optional[int] = ..., before_id: _Optional[int] = ...) -> None: ...

class ListAdminActionsResponse(_message.Message):
    __slots__ = ("actions", "has_more")
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[AdminAction]
    has_more: bool
    def __init__(self, actions: _Optional[_Iterable[_Union[AdminAction, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class GetDashboardInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDashboardInfoResponse(_message.Message):
    __slots__ = ("total_account_count", "accounts_by_auth_method", "delta_status_counts", "latest_activity")
    class AccountsByAuthMethodEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class DeltaStatusCountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    TOTAL_ACCOUNT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_BY_AUTH_METHOD_FIELD_NUMBER: _ClassVar[int]
    DELTA_STATUS_COUNTS_FIELD_NUMBER: _ClassVar[int]
    LATEST_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    total_account_count: int
    accounts_by_auth_method: _containers.ScalarMap[str, int]
    delta_status_counts: _containers.ScalarMap[str, int]
    latest_activity: _timestamp_pb2.Timestamp
    def __init__(self, total_account_count: _Optional[int] = ..., accounts_by_auth_method: _Optional[_Mapping[str, int]] = ..., delta_status_counts: _Optional[_Mapping[str, int]] = ..., latest_activity: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShardRef(_message.Message):
    __slots__ = ("index", "count")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    index: int
    count: int
    def __init__(self, index: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class Member(_message.Message):
    __slots__ = ("replica_id", "shard_count", "expires_at")
    REPLICA_ID_FIELD_NUMBER: _ClassVar[int]
    SHARD_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    replica_id: str
    shard_count: int
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, replica_id: _Optional[str] = ..., shard_count: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShardHolder(_message.Message):
    __slots__ = ("shard", "holder_id", "fence_token", "expires_at", "live")
    SHARD_FIELD_NUMBER: _ClassVar[int]
    HOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    FENCE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    shard: ShardRef
    holder_id: str
    fence_token: int
    expires_at: _timestamp_pb2.Timestamp
    live: bool
    def __init__(self, shard: _Optional[_Union[ShardRef, _Mapping]] = ..., holder_id: _Optional[str] = ..., fence_token: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., live: _Optional[bool] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("replica_id", "shard_count", "member_ttl_ms", "lease_ttl_ms", "renew", "last_passes")
    REPLICA_ID_FIELD_NUMBER: _ClassVar[int]
    SHARD_COUNT_FIELD_NUMBER: _ClassVar[int]
    MEMBER_TTL_MS_FIELD_NUMBER: _ClassVar[int]
    LEASE_TTL_MS_FIELD_NUMBER: _ClassVar[int]
    RENEW_FIELD_NUMBER: _ClassVar[int]
    LAST_PASSES_FIELD_NUMBER: _ClassVar[int]
    replica_id: str
    shard_count: int
    member_ttl_ms: int
    lease_ttl_ms: int
    renew: _containers.RepeatedCompositeFieldContainer[Lease]
    last_passes: _containers.RepeatedCompositeFieldContainer[PassReport]
    def __init__(self, replica_id: _Optional[str] = ..., shard_count: _Optional[int] = ..., member_ttl_ms: _Optional[int] = ..., lease_ttl_ms: _Optional[int] = ..., renew: _Optional[_Iterable[_Union[Lease, _Mapping]]] = ..., last_passes: _Optional[_Iterable[_Union[PassReport, _Mapping]]] = ...) -> None: ...

class PassReport(_message.Message):
    __slots__ = ("kind", "outcome", "age_ms", "promoted", "discarded", "waiting", "failed")
    KIND_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    AGE_MS_FIELD_NUMBER: _ClassVar[int]
    PROMOTED_FIELD_NUMBER: _ClassVar[int]
    DISCARDED_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    outcome: str
    age_ms: int
    promoted: int
    discarded: int
    waiting: int
    failed: int
    def __init__(self, kind: _Optional[str] = ..., outcome: _Optional[str] = ..., age_ms: _Optional[int] = ..., promoted: _Optional[int] = ..., discarded: _Optional[int] = ..., waiting: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("members", "renewed", "holders")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    RENEWED_FIELD_NUMBER: _ClassVar[int]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Member]
    renewed: _containers.RepeatedCompositeFieldContainer[Lease]
    holders: _containers.RepeatedCompositeFieldContainer[ShardHolder]
    def __init__(self, members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ..., renewed: _Optional[_Iterable[_Union[Lease, _Mapping]]] = ..., holders: _Optional[_Iterable[_Union[ShardHolder, _Mapping]]] = ...) -> None: ...

class AcquireShardsRequest(_message.Message):
    __slots__ = ("replica_id", "shard_count", "indexes", "lease_ttl_ms")
    REPLICA_ID_FIELD_NUMBER: _ClassVar[int]
    SHARD_COUNT_FIELD_NUMBER: _ClassVar[int]
    INDEXES_FIELD_NUMBER: _ClassVar[int]
    LEASE_TTL_MS_FIELD_NUMBER: _ClassVar[int]
    replica_id: str
    shard_count: int
    indexes: _containers.RepeatedScalarFieldContainer[int]
    lease_ttl_ms: int
    def __init__(self, replica_id: _Optional[str] = ..., shard_count: _Optional[int] = ..., indexes: _Optional[_Iterable[int]] = ..., lease_ttl_ms: _Optional[int] = ...) -> None: ...

class AcquireShardsResponse(_message.Message):
    __slots__ = ("acquired", "conflicting_shard_count")
    ACQUIRED_FIELD_NUMBER: _ClassVar[int]
    CONFLICTING_SHARD_COUNT_FIELD_NUMBER: _ClassVar[int]
    acquired: _containers.RepeatedCompositeFieldContainer[Lease]
    conflicting_shard_count: int
    def __init__(self, acquired: _Optional[_Iterable[_Union[Lease, _Mapping]]] = ..., conflicting_shard_count: _Optional[int] = ...) -> None: ...

class ReleaseShardsRequest(_message.Message):
    __slots__ = ("replica_id", "leases", "leave")
    REPLICA_ID_FIELD_NUMBER: _ClassVar[int]
    LEASES_FIELD_NUMBER: _ClassVar[int]
    LEAVE_FIELD_NUMBER: _ClassVar[int]
    replica_id: str
    leases: _containers.RepeatedCompositeFieldContainer[Lease]
    leave: bool
    def __init__(self, replica_id: _Optional[str] = ..., leases: _Optional[_Iterable[_Union[Lease, _Mapping]]] = ..., leave: _Optional[bool] = ...) -> None: ...

class ReleaseShardsResponse(_message.Message):
    __slots__ = ("released",)
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    released: int
    def __init__(self, released: _Optional[int] = ...) -> None: ...

class ListShardWorkRequest(_message.Message):
    __slots__ = ("shard", "mode", "after_account_id", "limit", "recent_window_ms", "retained_ttl_seconds")
    SHARD_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    AFTER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    RECENT_WINDOW_MS_FIELD_NUMBER: _ClassVar[int]
    RETAINED_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    shard: ShardRef
    mode: WorkMode
    after_account_id: str
    limit: int
    recent_window_ms: int
    retained_ttl_seconds: int
    def __init__(self, shard: _Optional[_Union[ShardRef, _Mapping]] = ..., mode: _Optional[_Union[WorkMode, str]] = ..., after_account_id: _Optional[str] = ..., limit: _Optional[int] = ..., recent_window_ms: _Optional[int] = ..., retained_ttl_seconds: _Optional[int] = ...) -> None: ...

class ShardWorkItem(_message.Message):
    __slots__ = ("account_id", "state", "rows", "has_candidate", "paused")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    HAS_CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    state: AccountState
    rows: _containers.RepeatedCompositeFieldContainer[Delta]
    has_candidate: bool
    paused: bool
    def __init__(self, account_id: _Optional[str] = ..., state: _Optional[_Union[AccountState, _Mapping]] = ..., rows: _Optional[_Iterable[_Union[Delta, _Mapping]]] = ..., has_candidate: _Optional[bool] = ..., paused: _Optional[bool] = ...) -> None: ...

class ListShardWorkResponse(_message.Message):
    __slots__ = ("items", "has_more")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ShardWorkItem]
    has_more: bool
    def __init__(self, items: _Optional[_Iterable[_Union[ShardWorkItem, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class PromoteWrite(_message.Message):
    __slots__ = ("source_kind", "new_commitment", "new_state_json", "auth_json", "release")
    SOURCE_KIND_FIELD_NUMBER: _ClassVar[int]
    NEW_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    NEW_STATE_JSON_FIELD_NUMBER: _ClassVar[int]
    AUTH_JSON_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    source_kind: DeltaKind
    new_commitment: str
    new_state_json: str
    auth_json: str
    release: bool
    def __init__(self, source_kind: _Optional[_Union[DeltaKind, str]] = ..., new_commitment: _Optional[str] = ..., new_state_json: _Optional[str] = ..., auth_json: _Optional[str] = ..., release: _Optional[bool] = ...) -> None: ...

class DiscardWrite(_message.Message):
    __slots__ = ("kind",)
    KIND_FIELD_NUMBER: _ClassVar[int]
    kind: DeltaKind
    def __init__(self, kind: _Optional[_Union[DeltaKind, str]] = ...) -> None: ...

class StatusWrite(_message.Message):
    __slots__ = ("new_kind", "reason", "retry_count", "divergence_count", "abandon_confirm_count")
    NEW_KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RETRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    DIVERGENCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ABANDON_CONFIRM_COUNT_FIELD_NUMBER: _ClassVar[int]
    new_kind: DeltaKind
    reason: str
    retry_count: int
    divergence_count: int
    abandon_confirm_count: int
    def __init__(self, new_kind: _Optional[_Union[DeltaKind, str]] = ..., reason: _Optional[str] = ..., retry_count: _Optional[int] = ..., divergence_count: _Optional[int] = ..., abandon_confirm_count: _Optional[int] = ...) -> None: ...

class FencedWrite(_message.Message):
    __slots__ = ("account_id", "nonce", "promote", "discard", "status")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    PROMOTE_FIELD_NUMBER: _ClassVar[int]
    DISCARD_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    nonce: int
    promote: PromoteWrite
    discard: DiscardWrite
    status: StatusWrite
    def __init__(self, account_id: _Optional[str] = ..., nonce: _Optional[int] = ..., promote: _Optional[_Union[PromoteWrite, _Mapping]] = ..., discard: _Optional[_Union[DiscardWrite, _Mapping]] = ..., status: _Optional[_Union[StatusWrite, _Mapping]] = ...) -> None: ...

class ApplyWritesRequest(_message.Message):
    __slots__ = ("lease", "writes")
    LEASE_FIELD_NUMBER: _ClassVar[int]
    WRITES_FIELD_NUMBER: _ClassVar[int]
    lease: Lease
    writes: _containers.RepeatedCompositeFieldContainer[FencedWrite]
    def __init__(self, lease: _Optional[_Union[Lease, _Mapping]] = ..., writes: _Optional[_Iterable[_Union[FencedWrite, _Mapping]]] = ...) -> None: ...

class ApplyWritesResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedScalarFieldContainer[WriteOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[WriteOutcome, str]]] = ...) -> None: ...
