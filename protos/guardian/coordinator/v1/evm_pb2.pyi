import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EvmProposalOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVM_PROPOSAL_OUTCOME_UNSPECIFIED: _ClassVar[EvmProposalOutcome]
    EVM_PROPOSAL_OUTCOME_CREATED: _ClassVar[EvmProposalOutcome]
    EVM_PROPOSAL_OUTCOME_EXISTING: _ClassVar[EvmProposalOutcome]
    EVM_PROPOSAL_OUTCOME_APPROVED: _ClassVar[EvmProposalOutcome]
    EVM_PROPOSAL_OUTCOME_CANCELLED: _ClassVar[EvmProposalOutcome]
    EVM_PROPOSAL_OUTCOME_ACCOUNT_NOT_FOUND: _ClassVar[EvmProposalOutcome]
    EVM_PROPOSAL_OUTCOME_ACCOUNT_PAUSED: _ClassVar[EvmProposalOutcome]
    EVM_PROPOSAL_OUTCOME_PROPOSAL_NOT_FOUND: _ClassVar[EvmProposalOutcome]
    EVM_PROPOSAL_OUTCOME_NOT_A_SIGNER: _ClassVar[EvmProposalOutcome]
    EVM_PROPOSAL_OUTCOME_ALREADY_SIGNED: _ClassVar[EvmProposalOutcome]
    EVM_PROPOSAL_OUTCOME_NOT_PROPOSER: _ClassVar[EvmProposalOutcome]
EVM_PROPOSAL_OUTCOME_UNSPECIFIED: EvmProposalOutcome
EVM_PROPOSAL_OUTCOME_CREATED: EvmProposalOutcome
EVM_PROPOSAL_OUTCOME_EXISTING: EvmProposalOutcome
EVM_PROPOSAL_OUTCOME_APPROVED: EvmProposalOutcome
EVM_PROPOSAL_OUTCOME_CANCELLED: EvmProposalOutcome
EVM_PROPOSAL_OUTCOME_ACCOUNT_NOT_FOUND: EvmProposalOutcome
EVM_PROPOSAL_OUTCOME_ACCOUNT_PAUSED: EvmProposalOutcome
EVM_PROPOSAL_OUTCOME_PROPOSAL_NOT_FOUND: EvmProposalOutcome
EVM_PROPOSAL_OUTCOME_NOT_A_SIGNER: EvmProposalOutcome
EVM_PROPOSAL_OUTCOME_ALREADY_SIGNED: EvmProposalOutcome
EVM_PROPOSAL_OUTCOME_NOT_PROPOSER: EvmProposalOutcome

class EvmAccount(_message.Message):
    __slots__ = ("account_id", "chain_id", "account_address", "multisig_validator_address", "signers", "threshold", "created_at", "updated_at", "paused_at", "paused_reason")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    MULTISIG_VALIDATOR_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SIGNERS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    PAUSED_AT_FIELD_NUMBER: _ClassVar[int]
    PAUSED_REASON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chain_id: int
    account_address: str
    multisig_validator_address: str
    signers: _containers.RepeatedScalarFieldContainer[str]
    threshold: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    paused_at: _timestamp_pb2.Timestamp
    paused_reason: str
    def __init__(self, account_id: _Optional[str] = ..., chain_id: _Optional[int] = ..., account_address: _Optional[str] = ..., multisig_validator_address: _Optional[str] = ..., signers: _Optional[_Iterable[str]] = ..., threshold: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paused_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paused_reason: _Optional[str] = ...) -> None: ...

class EvmSignature(_message.Message):
    __slots__ = ("signer", "signature", "signed_at_ms")
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    signer: str
    signature: str
    signed_at_ms: int
    def __init__(self, signer: _Optional[str] = ..., signature: _Optional[str] = ..., signed_at_ms: _Optional[int] = ...) -> None: ...

class EvmProposal(_message.Message):
    __slots__ = ("proposal_id", "account_id", "chain_id", "smart_account_address", "validator_address", "user_op_hash", "payload", "nonce", "nonce_key", "proposer", "signer_snapshot", "threshold", "signatures", "created_at_ms", "expires_at_ms")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    SMART_ACCOUNT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    USER_OP_HASH_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    NONCE_KEY_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_FIELD_NUMBER: _ClassVar[int]
    SIGNER_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    account_id: str
    chain_id: int
    smart_account_address: str
    validator_address: str
    user_op_hash: str
    payload: str
    nonce: str
    nonce_key: str
    proposer: str
    signer_snapshot: _containers.RepeatedScalarFieldContainer[str]
    threshold: int
    signatures: _containers.RepeatedCompositeFieldContainer[EvmSignature]
    created_at_ms: int
    expires_at_ms: int
    def __init__(self, proposal_id: _Optional[str] = ..., account_id: _Optional[str] = ..., chain_id: _Optional[int] = ..., smart_account_address: _Optional[str] = ..., validator_address: _Optional[str] = ..., user_op_hash: _Optional[str] = ..., payload: _Optional[str] = ..., nonce: _Optional[str] = ..., nonce_key: _Optional[str] = ..., proposer: _Optional[str] = ..., signer_snapshot: _Optional[_Iterable[str]] = ..., threshold: _Optional[int] = ..., signatures: _Optional[_Iterable[_Union[EvmSignature, _Mapping]]] = ..., created_at_ms: _Optional[int] = ..., expires_at_ms: _Optional[int] = ...) -> None: ...

class EntryPointNonce(_message.Message):
    __slots__ = ("nonce_key", "nonce")
    NONCE_KEY_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    nonce_key: str
    nonce: str
    def __init__(self, nonce_key: _Optional[str] = ..., nonce: _Optional[str] = ...) -> None: ...

class RegisterEvmAccountRequest(_message.Message):
    __slots__ = ("chain_id", "account_address", "multisig_validator_address", "signers", "threshold")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    MULTISIG_VALIDATOR_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SIGNERS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    chain_id: int
    account_address: str
    multisig_validator_address: str
    signers: _containers.RepeatedScalarFieldContainer[str]
    threshold: int
    def __init__(self, chain_id: _Optional[int] = ..., account_address: _Optional[str] = ..., multisig_validator_address: _Optional[str] = ..., signers: _Optional[_Iterable[str]] = ..., threshold: _Optional[int] = ...) -> None: ...

class RegisterEvmAccountResponse(_message.Message):
    __slots__ = ("account", "created")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    account: EvmAccount
    created: bool
    def __init__(self, account: _Optional[_Union[EvmAccount, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetEvmAccountRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class GetEvmAccountResponse(_message.Message):
    __slots__ = ("found", "account")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    found: bool
    account: EvmAccount
    def __init__(self, found: _Optional[bool] = ..., account: _Optional[_Union[EvmAccount, _Mapping]] = ...) -> None: ...

class SetEvmAccountPausedRequest(_message.Message):
    __slots__ = ("account_id", "paused", "reason", "operator_commitment")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    paused: bool
    reason: str
    operator_commitment: str
    def __init__(self, account_id: _Optional[str] = ..., paused: _Optional[bool] = ..., reason: _Optional[str] = ..., operator_commitment: _Optional[str] = ...) -> None: ...

class SetEvmAccountPausedResponse(_message.Message):
    __slots__ = ("found", "account", "before_state", "after_state")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_STATE_FIELD_NUMBER: _ClassVar[int]
    AFTER_STATE_FIELD_NUMBER: _ClassVar[int]
    found: bool
    account: EvmAccount
    before_state: str
    after_state: str
    def __init__(self, found: _Optional[bool] = ..., account: _Optional[_Union[EvmAccount, _Mapping]] = ..., before_state: _Optional[str] = ..., after_state: _Optional[str] = ...) -> None: ...

class CreateEvmProposalRequest(_message.Message):
    __slots__ = ("proposal_id", "account_id", "user_op_hash", "payload", "nonce", "nonce_key", "proposer", "signature", "signer_snapshot", "threshold", "ttl_seconds", "current_nonces")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_OP_HASH_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    NONCE_KEY_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNER_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_NONCES_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    account_id: str
    user_op_hash: str
    payload: str
    nonce: str
    nonce_key: str
    proposer: str
    signature: str
    signer_snapshot: _containers.RepeatedScalarFieldContainer[str]
    threshold: int
    ttl_seconds: int
    current_nonces: _containers.RepeatedCompositeFieldContainer[EntryPointNonce]
    def __init__(self, proposal_id: _Optional[str] = ..., account_id: _Optional[str] = ..., user_op_hash: _Optional[str] = ..., payload: _Optional[str] = ..., nonce: _Optional[str] = ..., nonce_key: _Optional[str] = ..., proposer: _Optional[str] = ..., signature: _Optional[str] = ..., signer_snapshot: _Optional[_Iterable[str]] = ..., threshold: _Optional[int] = ..., ttl_seconds: _Optional[int] = ..., current_nonces: _Optional[_Iterable[_Union[EntryPointNonce, _Mapping]]] = ...) -> None: ...

class CreateEvmProposalResponse(_message.Message):
    __slots__ = ("outcome", "proposal", "account")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    outcome: EvmProposalOutcome
    proposal: EvmProposal
    account: EvmAccount
    def __init__(self, outcome: _Optional[_Union[EvmProposalOutcome, str]] = ..., proposal: _Optional[_Union[EvmProposal, _Mapping]] = ..., account: _Optional[_Union[EvmAccount, _Mapping]] = ...) -> None: ...

class ListEvmProposalsRequest(_message.Message):
    __slots__ = ("account_id", "current_nonces")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_NONCES_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    current_nonces: _containers.RepeatedCompositeFieldContainer[EntryPointNonce]
    def __init__(self, account_id: _Optional[str] = ..., current_nonces: _Optional[_Iterable[_Union[EntryPointNonce, _Mapping]]] = ...) -> None: ...

class ListEvmProposalsResponse(_message.Message):
    __slots__ = ("account_found", "proposals", "pruned")
    ACCOUNT_FOUND_FIELD_NUMBER: _ClassVar[int]
    PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    PRUNED_FIELD_NUMBER: _ClassVar[int]
    account_found: bool
    proposals: _containers.RepeatedCompositeFieldContainer[EvmProposal]
    pruned: int
    def __init__(self, account_found: _Optional[bool] = ..., proposals: _Optional[_Iterable[_Union[EvmProposal, _Mapping]]] = ..., pruned: _Optional[int] = ...) -> None: ...

class GetEvmProposalRequest(_message.Message):
    __slots__ = ("account_id", "proposal_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    proposal_id: str
    def __init__(self, account_id: _Optional[str] = ..., proposal_id: _Optional[str] = ...) -> None: ...

class GetEvmProposalResponse(_message.Message):
    __slots__ = ("found", "proposal")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    found: bool
    proposal: EvmProposal
    def __init__(self, found: _Optional[bool] = ..., proposal: _Optional[_Union[EvmProposal, _Mapping]] = ...) -> None: ...

class ApproveEvmProposalRequest(_message.Message):
    __slots__ = ("account_id", "proposal_id", "signer", "signature", "current_nonces")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_NONCES_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    proposal_id: str
    signer: str
    signature: str
    current_nonces: _containers.RepeatedCompositeFieldContainer[EntryPointNonce]
    def __init__(self, account_id: _Optional[str] = ..., proposal_id: _Optional[str] = ..., signer: _Optional[str] = ..., signature: _Optional[str] = ..., current_nonces: _Optional[_Iterable[_Union[EntryPointNonce, _Mapping]]] = ...) -> None: ...

class ApproveEvmProposalResponse(_message.Message):
    __slots__ = ("outcome", "proposal", "account")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    outcome: EvmProposalOutcome
    proposal: EvmProposal
    account: EvmAccount
    def __init__(self, outcome: _Optional[_Union[EvmProposalOutcome, str]] = ..., proposal: _Optional[_Union[EvmProposal, _Mapping]] = ..., account: _Optional[_Union[EvmAccount, _Mapping]] = ...) -> None: ...

class CancelEvmProposalRequest(_message.Message):
    __slots__ = ("account_id", "proposal_id", "requester", "current_nonces")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    CURRENT_NONCES_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    proposal_id: str
    requester: str
    current_nonces: _containers.RepeatedCompositeFieldContainer[EntryPointNonce]
    def __init__(self, account_id: _Optional[str] = ..., proposal_id: _Optional[str] = ..., requester: _Optional[str] = ..., current_nonces: _Optional[_Iterable[_Union[EntryPointNonce, _Mapping]]] = ...) -> None: ...

class CancelEvmProposalResponse(_message.Message):
    __slots__ = ("outcome", "account")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    outcome: EvmProposalOutcome
    account: EvmAccount
    def __init__(self, outcome: _Optional[_Union[EvmProposalOutcome, str]] = ..., account: _Optional[_Union[EvmAccount, _Mapping]] = ...) -> None: ...
