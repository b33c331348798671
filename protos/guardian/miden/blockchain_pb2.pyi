from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class BlockNumber(_message.Message):
    __slots__ = ("block_num",)
    BLOCK_NUM_FIELD_NUMBER: _ClassVar[int]
    block_num: int
    def __init__(self, block_num: _Optional[int] = ...) -> None: ...
