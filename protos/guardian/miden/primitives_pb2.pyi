from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Digest(_message.Message):
    __slots__ = ("d0", "d1", "d2", "d3")
    D0_FIELD_NUMBER: _ClassVar[int]
    D1_FIELD_NUMBER: _ClassVar[int]
    D2_FIELD_NUMBER: _ClassVar[int]
    D3_FIELD_NUMBER: _ClassVar[int]
    d0: int
    d1: int
    d2: int
    d3: int
    def __init__(self, d0: _Optional[int] = ..., d1: _Optional[int] = ..., d2: _Optional[int] = ..., d3: _Optional[int] = ...) -> None: ...

class SparseMerklePath(_message.Message):
    __slots__ = ("empty_nodes_mask", "siblings")
    EMPTY_NODES_MASK_FIELD_NUMBER: _ClassVar[int]
    SIBLINGS_FIELD_NUMBER: _ClassVar[int]
    empty_nodes_mask: int
    siblings: _containers.RepeatedCompositeFieldContainer[Digest]
    def __init__(self, empty_nodes_mask: _Optional[int] = ..., siblings: _Optional[_Iterable[_Union[Digest, _Mapping]]] = ...) -> None: ...
