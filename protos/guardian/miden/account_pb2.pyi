from guardian.miden import primitives_pb2 as _primitives_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccountId(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: bytes
    def __init__(self, id: _Optional[bytes] = ...) -> None: ...

class AccountWitness(_message.Message):
    __slots__ = ("account_id", "witness_id", "commitment", "path")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    WITNESS_ID_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    account_id: AccountId
    witness_id: AccountId
    commitment: _primitives_pb2.Digest
    path: _primitives_pb2.SparseMerklePath
    def __init__(self, account_id: _Optional[_Union[AccountId, _Mapping]] = ..., witness_id: _Optional[_Union[AccountId, _Mapping]] = ..., commitment: _Optional[_Union[_primitives_pb2.Digest, _Mapping]] = ..., path: _Optional[_Union[_primitives_pb2.SparseMerklePath, _Mapping]] = ...) -> None: ...
