import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from guardian.coordinator.v1 import coordinator_pb2 as _coordinator_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProposalOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROPOSAL_OUTCOME_UNSPECIFIED: _ClassVar[ProposalOutcome]
    PROPOSAL_OUTCOME_CREATED: _ClassVar[ProposalOutcome]
    PROPOSAL_OUTCOME_EXISTING: _ClassVar[ProposalOutcome]
    PROPOSAL_OUTCOME_SIGNED: _ClassVar[ProposalOutcome]
    PROPOSAL_OUTCOME_ACCOUNT_NOT_FOUND: _ClassVar[ProposalOutcome]
    PROPOSAL_OUTCOME_PAUSED: _ClassVar[ProposalOutcome]
    PROPOSAL_OUTCOME_RELEASED: _ClassVar[ProposalOutcome]
    PROPOSAL_OUTCOME_CONFLICT: _ClassVar[ProposalOutcome]
    PROPOSAL_OUTCOME_COMMITMENT_MISMATCH: _ClassVar[ProposalOutcome]
    PROPOSAL_OUTCOME_LIMIT_REACHED: _ClassVar[ProposalOutcome]
    PROPOSAL_OUTCOME_NOT_FOUND: _ClassVar[ProposalOutcome]
    PROPOSAL_OUTCOME_ALREADY_SIGNED: _ClassVar[ProposalOutcome]

class ProposalState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROPOSAL_STATE_UNSPECIFIED: _ClassVar[ProposalState]
    PROPOSAL_STATE_PENDING: _ClassVar[ProposalState]
    PROPOSAL_STATE_SUPERSEDED: _ClassVar[ProposalState]
    PROPOSAL_STATE_FINALIZED: _ClassVar[ProposalState]
PROPOSAL_OUTCOME_UNSPECIFIED: ProposalOutcome
PROPOSAL_OUTCOME_CREATED: ProposalOutcome
PROPOSAL_OUTCOME_EXISTING: ProposalOutcome
PROPOSAL_OUTCOME_SIGNED: ProposalOutcome
PROPOSAL_OUTCOME_ACCOUNT_NOT_FOUND: ProposalOutcome
PROPOSAL_OUTCOME_PAUSED: ProposalOutcome
PROPOSAL_OUTCOME_RELEASED: ProposalOutcome
PROPOSAL_OUTCOME_CONFLICT: ProposalOutcome
PROPOSAL_OUTCOME_COMMITMENT_MISMATCH: ProposalOutcome
PROPOSAL_OUTCOME_LIMIT_REACHED: ProposalOutcome
PROPOSAL_OUTCOME_NOT_FOUND: ProposalOutcome
PROPOSAL_OUTCOME_ALREADY_SIGNED: ProposalOutcome
PROPOSAL_STATE_UNSPECIFIED: ProposalState
PROPOSAL_STATE_PENDING: ProposalState
PROPOSAL_STATE_SUPERSEDED: ProposalState
PROPOSAL_STATE_FINALIZED: ProposalState

class ProposalSignature(_message.Message):
    __slots__ = ("signer_id", "signature", "timestamp_ms", "signed_at")
    SIGNER_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    signer_id: str
    signature: str
    timestamp_ms: int
    signed_at: _timestamp_pb2.Timestamp
    def __init__(self, signer_id: _Optional[str] = ..., signature: _Optional[str] = ..., timestamp_ms: _Optional[int] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Proposal(_message.Message):
    __slots__ = ("account_id", "commitment", "nonce", "prev_commitment", "new_commitment", "delta_payload_json", "proposer_id", "signatures", "signatures_required", "created_at", "state", "finalized_at")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    PREV_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    NEW_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    DELTA_PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FINALIZED_AT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    commitment: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    delta_payload_json: str
    proposer_id: str
    signatures: _containers.RepeatedCompositeFieldContainer[ProposalSignature]
    signatures_required: int
    created_at: _timestamp_pb2.Timestamp
    state: ProposalState
    finalized_at: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., commitment: _Optional[str] = ..., nonce: _Optional[int] = ..., prev_commitment: _Optional[str] = ..., new_commitment: _Optional[str] = ..., delta_payload_json: _Optional[str] = ..., proposer_id: _Optional[str] = ..., signatures: _Optional[_Iterable[_Union[ProposalSignature, _Mapping]]] = ..., signatures_required: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[ProposalState, str]] = ..., finalized_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateProposalRequest(_message.Message):
    __slots__ = ("account_id", "commitment", "nonce", "prev_commitment", "new_commitment", "delta_payload_json", "proposer_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    PREV_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    NEW_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    DELTA_PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    commitment: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    delta_payload_json: str
    proposer_id: str
    def __init__(self, account_id: _Optional[str] = ..., commitment: _Optional[str] = ..., nonce: _Optional[int] = ..., prev_commitment: _Optional[str] = ..., new_commitment: _Optional[str] = ..., delta_payload_json: _Optional[str] = ..., proposer_id: _Optional[str] = ...) -> None: ...

class CreateProposalResponse(_message.Message):
    __slots__ = ("outcome", "proposal", "account", "expected_commitment", "max_pending")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    MAX_PENDING_FIELD_NUMBER: _ClassVar[int]
    outcome: ProposalOutcome
    proposal: Proposal
    account: _coordinator_pb2.Account
    expected_commitment: str
    max_pending: int
    def __init__(self, outcome: _Optional[_Union[ProposalOutcome, str]] = ..., proposal: _Optional[_Union[Proposal, _Mapping]] = ..., account: _Optional[_Union[_coordinator_pb2.Account, _Mapping]] = ..., expected_commitment: _Optional[str] = ..., max_pending: _Optional[int] = ...) -> None: ...

class SignProposalRequest(_message.Message):
    __slots__ = ("account_id", "commitment", "signer_id", "signature", "timestamp_ms")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    SIGNER_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    commitment: str
    signer_id: str
    signature: str
    timestamp_ms: int
    def __init__(self, account_id: _Optional[str] = ..., commitment: _Optional[str] = ..., signer_id: _Optional[str] = ..., signature: _Optional[str] = ..., timestamp_ms: _Optional[int] = ...) -> None: ...

class SignProposalResponse(_message.Message):
    __slots__ = ("outcome", "proposal", "account")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    outcome: ProposalOutcome
    proposal: Proposal
    account: _coordinator_pb2.Account
    def __init__(self, outcome: _Optional[_Union[ProposalOutcome, str]] = ..., proposal: _Optional[_Union[Proposal, _Mapping]] = ..., account: _Optional[_Union[_coordinator_pb2.Account, _Mapping]] = ...) -> None: ...

class GetProposalRequest(_message.Message):
    __slots__ = ("account_id", "commitment")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    commitment: str
    def __init__(self, account_id: _Optional[str] = ..., commitment: _Optional[str] = ...) -> None: ...

class GetProposalResponse(_message.Message):
    __slots__ = ("found", "proposal")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    found: bool
    proposal: Proposal
    def __init__(self, found: _Optional[bool] = ..., proposal: _Optional[_Union[Proposal, _Mapping]] = ...) -> None: ...

class ProposalKey(_message.Message):
    __slots__ = ("nonce", "commitment")
    NONCE_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    nonce: int
    commitment: str
    def __init__(self, nonce: _Optional[int] = ..., commitment: _Optional[str] = ...) -> None: ...

class ListAccountProposalsRequest(_message.Message):
    __slots__ = ("account_id", "limit", "before", "include_payloads")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_PAYLOADS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    limit: int
    before: ProposalKey
    include_payloads: bool
    def __init__(self, account_id: _Optional[str] = ..., limit: _Optional[int] = ..., before: _Optional[_Union[ProposalKey, _Mapping]] = ..., include_payloads: _Optional[bool] = ...) -> None: ...

class ListAccountProposalsResponse(_message.Message):
    __slots__ = ("proposals", "has_more")
    PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    proposals: _containers.RepeatedCompositeFieldContainer[Proposal]
    has_more: bool
    def __init__(self, proposals: _Optional[_Iterable[_Union[Proposal, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class ProposalFeedKey(_message.Message):
    __slots__ = ("created_at", "account_id", "nonce", "commitment")
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    created_at: _timestamp_pb2.Timestamp
    account_id: str
    nonce: int
    commitment: str
    def __init__(self, created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., account_id: _Optional[str] = ..., nonce: _Optional[int] = ..., commitment: _Optional[str] = ...) -> None: ...

class ListProposalsRequest(_message.Message):
    __slots__ = ("limit", "after")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    limit: int
    after: ProposalFeedKey
    def __init__(self, limit: _Optional[int] = ..., after: _Optional[_Union[ProposalFeedKey, _Mapping]] = ...) -> None: ...

class ListProposalsResponse(_message.Message):
    __slots__ = ("proposals", "has_more")
    PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    proposals: _containers.RepeatedCompositeFieldContainer[Proposal]
    has_more: bool
    def __init__(self, proposals: _Optional[_Iterable[_Union[Proposal, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class CountPendingProposalsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CountPendingProposalsResponse(_message.Message):
    __slots__ = ("viable", "superseded")
    VIABLE_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_FIELD_NUMBER: _ClassVar[int]
    viable: int
    superseded: int
    def __init__(self, viable: _Optional[int] = ..., superseded: _Optional[int] = ...) -> None: ...
