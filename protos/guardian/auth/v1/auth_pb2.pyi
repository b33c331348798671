import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
    __slots__ = ("address",)
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    address: str
    def __init__(self, address: _Optional[str] = ...) -> None: ...
