import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignatureScheme(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNATURE_SCHEME_UNSPECIFIED: _ClassVar[SignatureScheme]
    SIGNATURE_SCHEME_FALCON: _ClassVar[SignatureScheme]
    SIGNATURE_SCHEME_ECDSA: _ClassVar[SignatureScheme]
SIGNATURE_SCHEME_UNSPECIFIED: SignatureScheme
SIGNATURE_SCHEME_FALCON: SignatureScheme
SIGNATURE_SCHEME_ECDSA: SignatureScheme

class OperatorChallengeRequest(_message.Message):
    __slots__ = ("commitment",)
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    commitment: str
    def __init__(self, commitment: _Optional[str] = ...) -> None: ...

class OperatorChallenge(_message.Message):
    __slots__ = ("domain", "commitment", "nonce", "expires_at", "signing_digest")
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    SIGNING_DIGEST_FIELD_NUMBER: _ClassVar[int]
    domain: str
    commitment: str
    nonce: str
    expires_at: str
    signing_digest: str
    def __init__(self, domain: _Optional[str] = ..., commitment: _Optional[str] = ..., nonce: _Optional[str] = ..., expires_at: _Optional[str] = ..., signing_digest: _Optional[str] = ...) -> None: ...

class OperatorVerifyRequest(_message.Message):
    __slots__ = ("commitment", "signature")
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    commitment: str
    signature: str
    def __init__(self, commitment: _Optional[str] = ..., signature: _Optional[str] = ...) -> None: ...

class OperatorSession(_message.Message):
    __slots__ = ("token", "operator_id", "expires_at", "max_age_seconds")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    MAX_AGE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    token: str
    operator_id: str
    expires_at: _timestamp_pb2.Timestamp
    max_age_seconds: int
    def __init__(self, token: _Optional[str] = ..., operator_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_age_seconds: _Optional[int] = ...) -> None: ...

class OperatorAuthenticateRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class OperatorPrincipal(_message.Message):
    __slots__ = ("operator_id", "commitment", "permissions")
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    operator_id: str
    commitment: str
    permissions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, operator_id: _Optional[str] = ..., commitment: _Optional[str] = ..., permissions: _Optional[_Iterable[str]] = ...) -> None: ...

class LogoutRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class LogoutResponse(_message.Message):
    __slots__ = ("revoked",)
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    revoked: bool
    def __init__(self, revoked: _Optional[bool] = ...) -> None: ...

class EvmChallengeRequest(_message.Message):
    __slots__ = ("address",)
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    address: str
    def __init__(self, address: _Optional[str] = ...) -> None: ...

class EvmChallenge(_message.Message):
    __slots__ = ("address", "nonce", "issued_at", "expires_at", "typed_data_json")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    TYPED_DATA_JSON_FIELD_NUMBER: _ClassVar[int]
    address: str
    nonce: str
    issued_at: int
    expires_at: int
    typed_data_json: str
    def __init__(self, address: _Optional[str] = ..., nonce: _Optional[str] = ..., issued_at: _Optional[int] = ..., expires_at: _Optional[int] = ..., typed_data_json: _Optional[str] = ...) -> None: ...

class EvmVerifyRequest(_message.Message):
    __slots__ = ("address", "nonce", "signature")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    address: str
    nonce: str
    signature: str
    def __init__(self, address: _Optional[str] = ..., nonce: _Optional[str] = ..., signature: _Optional[str] = ...) -> None: ...

class EvmSession(_message.Message):
    __slots__ = ("token", "address", "expires_at_ms", "max_age_seconds")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_AGE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    token: str
    address: str
    expires_at_ms: int
    max_age_seconds: int
    def __init__(self, token: _Optional[str] = ..., address: _Optional[str] = ..., expires_at_ms: _Optional[int] = ..., max_age_seconds: _Optional[int] = ...) -> None: ...

class EvmAuthenticateRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class EvmPrincipal(_message.Message):
    __slots__ = ("address", "reuse_for_ms")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    REUSE_FOR_MS_FIELD_NUMBER: _ClassVar[int]
    address: str
    reuse_for_ms: int
    def __init__(self, address: _Optional[str] = ..., reuse_for_ms: _Optional[int] = ...) -> None: ...

class LookupAuthorization(_message.Message):
    __slots__ = ("key_commitment", "signature", "timestamp")
    KEY_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    key_commitment: str
    signature: str
    timestamp: str
    def __init__(self, key_commitment: _Optional[str] = ..., signature: _Optional[str] = ..., timestamp: _Optional[str] = ...) -> None: ...

class AuthorizedLookup(_message.Message):
    __slots__ = ("key_commitment",)
    KEY_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    key_commitment: str
    def __init__(self, key_commitment: _Optional[str] = ...) -> None: ...

class RequestVerification(_message.Message):
    __slots__ = ("account_id", "pubkey", "signature", "timestamp", "payload", "scheme", "cosigner_commitments", "consume_timestamp")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    COSIGNER_COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    CONSUME_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    pubkey: str
    signature: str
    timestamp: str
    payload: bytes
    scheme: SignatureScheme
    cosigner_commitments: _containers.RepeatedScalarFieldContainer[str]
    consume_timestamp: bool
    def __init__(self, account_id: _Optional[str] = ..., pubkey: _Optional[str] = ..., signature: _Optional[str] = ..., timestamp: _Optional[str] = ..., payload: _Optional[bytes] = ..., scheme: _Optional[_Union[SignatureScheme, str]] = ..., cosigner_commitments: _Optional[_Iterable[str]] = ..., consume_timestamp: _Optional[bool] = ...) -> None: ...

class VerifiedRequest(_message.Message):
    __slots__ = ("signer_commitment", "timestamp_ms")
    SIGNER_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    signer_commitment: str
    timestamp_ms: int
    def __init__(self, signer_commitment: _Optional[str] = ..., timestamp_ms: _Optional[int] = ...) -> None: ...

class PushAuthorization(_message.Message):
    __slots__ = ("account_id", "pubkey", "signature", "timestamp", "payload", "nonce", "prev_commitment", "delta_payload_json")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    PREV_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    DELTA_PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    pubkey: str
    signature: str
    timestamp: str
    payload: bytes
    nonce: int
    prev_commitment: str
    delta_payload_json: str
    def __init__(self, account_id: _Optional[str] = ..., pubkey: _Optional[str] = ..., signature: _Optional[str] = ..., timestamp: _Optional[str] = ..., payload: _Optional[bytes] = ..., nonce: _Optional[int] = ..., prev_commitment: _Optional[str] = ..., delta_payload_json: _Optional[str] = ...) -> None: ...

class AuthorizedPush(_message.Message):
    __slots__ = ("signer_commitment", "timestamp_ms", "new_commitment", "ack")
    SIGNER_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    NEW_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    ACK_FIELD_NUMBER: _ClassVar[int]
    signer_commitment: str
    timestamp_ms: int
    new_commitment: str
    ack: AckSignature
    def __init__(self, signer_commitment: _Optional[str] = ..., timestamp_ms: _Optional[int] = ..., new_commitment: _Optional[str] = ..., ack: _Optional[_Union[AckSignature, _Mapping]] = ...) -> None: ...

class RequestAuthorization(_message.Message):
    __slots__ = ("account_id", "pubkey", "signature", "timestamp", "payload", "include_state", "defer_replay_check", "proposed_auth_json")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_STATE_FIELD_NUMBER: _ClassVar[int]
    DEFER_REPLAY_CHECK_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_AUTH_JSON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    pubkey: str
    signature: str
    timestamp: str
    payload: bytes
    include_state: bool
    defer_replay_check: bool
    proposed_auth_json: str
    def __init__(self, account_id: _Optional[str] = ..., pubkey: _Optional[str] = ..., signature: _Optional[str] = ..., timestamp: _Optional[str] = ..., payload: _Optional[bytes] = ..., include_state: _Optional[bool] = ..., defer_replay_check: _Optional[bool] = ..., proposed_auth_json: _Optional[str] = ...) -> None: ...

class AccountStateInfo(_message.Message):
    __slots__ = ("state_json", "commitment", "created_at", "updated_at")
    STATE_JSON_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    state_json: str
    commitment: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, state_json: _Optional[str] = ..., commitment: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AuthorizedRequest(_message.Message):
    __slots__ = ("signer_commitment", "timestamp_ms", "account_exists", "auth_scheme", "state", "ack_key")
    SIGNER_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_EXISTS_FIELD_NUMBER: _ClassVar[int]
    AUTH_SCHEME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ACK_KEY_FIELD_NUMBER: _ClassVar[int]
    signer_commitment: str
    timestamp_ms: int
    account_exists: bool
    auth_scheme: str
    state: AccountStateInfo
    ack_key: AckKeyInfo
    def __init__(self, signer_commitment: _Optional[str] = ..., timestamp_ms: _Optional[int] = ..., account_exists: _Optional[bool] = ..., auth_scheme: _Optional[str] = ..., state: _Optional[_Union[AccountStateInfo, _Mapping]] = ..., ack_key: _Optional[_Union[AckKeyInfo, _Mapping]] = ...) -> None: ...

class AckRequest(_message.Message):
    __slots__ = ("account_id", "nonce", "prev_commitment", "new_commitment", "delta_payload_json")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    PREV_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    NEW_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    DELTA_PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    delta_payload_json: str
    def __init__(self, account_id: _Optional[str] = ..., nonce: _Optional[int] = ..., prev_commitment: _Optional[str] = ..., new_commitment: _Optional[str] = ..., delta_payload_json: _Optional[str] = ...) -> None: ...

class AckSignature(_message.Message):
    __slots__ = ("ack_sig", "ack_pubkey", "ack_scheme", "message")
    ACK_SIG_FIELD_NUMBER: _ClassVar[int]
    ACK_PUBKEY_FIELD_NUMBER: _ClassVar[int]
    ACK_SCHEME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ack_sig: str
    ack_pubkey: str
    ack_scheme: str
    message: str
    def __init__(self, ack_sig: _Optional[str] = ..., ack_pubkey: _Optional[str] = ..., ack_scheme: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class AckKeyRequest(_message.Message):
    __slots__ = ("scheme",)
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    scheme: str
    def __init__(self, scheme: _Optional[str] = ...) -> None: ...

class AckKeyInfo(_message.Message):
    __slots__ = ("scheme", "public_key", "commitment")
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    scheme: str
    public_key: str
    commitment: str
    def __init__(self, scheme: _Optional[str] = ..., public_key: _Optional[str] = ..., commitment: _Optional[str] = ...) -> None: ...
