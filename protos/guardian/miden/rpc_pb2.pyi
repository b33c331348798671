from guardian.miden import account_pb2 as _account_pb2
from guardian.miden import blockchain_pb2 as _blockchain_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccountRequest(_message.Message):
    __slots__ = ("account_id", "block_num", "details")
    class AccountDetailRequest(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BLOCK_NUM_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    account_id: _account_pb2.AccountId
    block_num: _blockchain_pb2.BlockNumber
    details: AccountRequest.AccountDetailRequest
    def __init__(self, account_id: _Optional[_Union[_account_pb2.AccountId, _Mapping]] = ..., block_num: _Optional[_Union[_blockchain_pb2.BlockNumber, _Mapping]] = ..., details: _Optional[_Union[AccountRequest.AccountDetailRequest, _Mapping]] = ...) -> None: ...

class AccountResponse(_message.Message):
    __slots__ = ("block_num", "witness", "details")
    class AccountDetails(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    BLOCK_NUM_FIELD_NUMBER: _ClassVar[int]
    WITNESS_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    block_num: _blockchain_pb2.BlockNumber
    witness: _account_pb2.AccountWitness
    details: AccountResponse.AccountDetails
    def __init__(self, block_num: _Optional[_Union[_blockchain_pb2.BlockNumber, _Mapping]] = ..., witness: _Optional[_Union[_account_pb2.AccountWitness, _Mapping]] = ..., details: _Optional[_Union[AccountResponse.AccountDetails, _Mapping]] = ...) -> None: ...
