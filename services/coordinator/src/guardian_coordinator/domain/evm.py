"""EVM smart accounts and their multisig proposals (docs/contracts/auth.md §3.7): the models, the store
contract, and the use cases, which validate their input (InvalidArgument names the field) and leave each
decision to one atomic store call.

The caller (the gateway) has already read the chain and checked signatures; what is decided here is what
must hold across replicas: one proposal per id, one approval per signer, the pause, expiry on the
database clock, and pruning against the EntryPoint nonces the caller read."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from guardian_coordinator.domain.errors import InvalidArgument

ADDRESS = re.compile(r"0x[0-9a-f]{40}")
BYTES32 = re.compile(r"0x[0-9a-f]{64}")
SIGNATURE = re.compile(r"0x[0-9a-f]{130}")
EVM_ACCOUNT_ID = re.compile(r"evm:([1-9][0-9]{0,19}):(0x[0-9a-f]{40})")
DECIMAL = re.compile(r"0|[1-9][0-9]{0,77}")
MAX_U64 = 2**64 - 1
MAX_U256 = 2**256 - 1
MAX_SIGNERS = 1024
# Upper TTL bound (the reference only requires > 0); a year keeps every expiry a valid timestamp.
MAX_PROPOSAL_TTL_SECONDS = 366 * 24 * 3600
MAX_PAYLOAD_CHARS = 1024 * 1024
MAX_REASON_CHARS = 1024
MAX_CURRENT_NONCES = 1024

# The EntryPoint nonce a caller read, by nonce key (nonce >> 64).
Nonces = Mapping[int, int]


@dataclass(frozen=True)
class EvmAccount:
    account_id: str
    chain_id: int
    account_address: str
    validator_address: str
    signers: tuple[str, ...]
    threshold: int
    created_at: datetime
    updated_at: datetime
    paused_at: datetime | None = None
    paused_reason: str | None = None


@dataclass(frozen=True)
class EvmRegistration:
    chain_id: int
    account_address: str
    validator_address: str
    signers: tuple[str, ...]
    threshold: int

    @property
    def account_id(self) -> str:
        return evm_account_id(self.chain_id, self.account_address)


@dataclass(frozen=True)
class EvmSignature:
    signer: str
    signature: str
    signed_at: datetime


@dataclass(frozen=True)
class EvmProposal:
    proposal_id: str
    account_id: str
    chain_id: int
    smart_account_address: str
    validator_address: str
    user_op_hash: str
    payload: str
    nonce: int
    nonce_key: int
    proposer: str
    signer_snapshot: tuple[str, ...]
    threshold: int
    signatures: tuple[EvmSignature, ...]
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class NewEvmProposal:
    proposal_id: str
    account_id: str
    user_op_hash: str
    payload: str
    nonce: int
    proposer: str
    signature: str
    signer_snapshot: tuple[str, ...]
    threshold: int
    ttl_seconds: int

    @property
    def nonce_key(self) -> int:
        return self.nonce >> 64


class ProposalOutcome(Enum):
    CREATED = 1
    EXISTING = 2
    APPROVED = 3
    CANCELLED = 4
    ACCOUNT_NOT_FOUND = 5
    ACCOUNT_PAUSED = 6
    PROPOSAL_NOT_FOUND = 7
    NOT_A_SIGNER = 8
    ALREADY_SIGNED = 9
    NOT_PROPOSER = 10


@dataclass(frozen=True)
class ProposalResult:
    outcome: ProposalOutcome
    proposal: EvmProposal | None = None
    account: EvmAccount | None = None


@dataclass(frozen=True)
class PauseChange:
    account_id: str
    paused: bool
    reason: str | None
    operator: str

    @property
    def action(self) -> str:
        return "accounts.pause" if self.paused else "accounts.unpause"


@dataclass(frozen=True)
class PauseResult:
    account: EvmAccount | None  # None: no such account (nothing recorded)
    before_state: str = ""
    after_state: str = ""


@dataclass(frozen=True)
class ProposalList:
    account_found: bool
    proposals: list[EvmProposal]
    pruned: int = 0


def evm_account_id(chain_id: int, account_address: str) -> str:
    return f"evm:{chain_id}:{account_address}"


def is_inactive(proposal: EvmProposal, now: datetime, nonces: Nonces) -> bool:
    """Expired, or the EntryPoint nonce of its key has moved past its nonce (it executed or was replaced)."""
    if proposal.expires_at <= now:
        return True
    current = nonces.get(proposal.nonce_key)
    return current is not None and proposal.nonce < current


class EvmStore(Protocol):
    async def register_account(self, registration: EvmRegistration) -> tuple[EvmAccount, bool]:
        """Upsert; a pause and created_at survive. Returns the account and whether it was created."""
        ...

    async def get_account(self, account_id: str) -> EvmAccount | None: ...

    async def set_paused(self, change: PauseChange) -> PauseResult:
        """One transaction: a paused account keeps its first pause (instant and reason), resuming clears
        both, and every call is recorded in the pause audit (admin actions) with the states before and after."""
        ...

    async def create_proposal(self, proposal: NewEvmProposal, nonces: Nonces) -> ProposalResult:
        """One transaction: the account (ACCOUNT_NOT_FOUND, ACCOUNT_PAUSED), then the row under the id: an
        active one is EXISTING as is, an inactive one is replaced; CREATED carries the proposer's signature.
        created_at/expires_at are the store's clock."""
        ...

    async def list_proposals(self, account_id: str, nonces: Nonces) -> ProposalList:
        """Deletes the account's inactive proposals, returns the others by created_at, proposal_id."""
        ...

    async def get_proposal(self, account_id: str, proposal_id: str) -> EvmProposal | None:
        """None when absent or expired (an expired row is deleted)."""
        ...

    async def approve(
        self, account_id: str, proposal_id: str, signer: str, signature: str, nonces: Nonces
    ) -> ProposalResult:
        """One transaction, checks in this order: account, proposal active (an inactive one is deleted:
        PROPOSAL_NOT_FOUND), signer in the snapshot, not signed yet, account not paused; then the
        signature is appended (at most one per signer, whatever runs concurrently)."""
        ...

    async def cancel(
        self, account_id: str, proposal_id: str, requester: str, nonces: Nonces
    ) -> ProposalResult:
        """One transaction: account, proposal active, requester is the proposer, not paused, delete."""
        ...

    async def sweep_expired(self) -> int:
        """Deletes up to a batch of expired proposals (with their approvals); returns how many."""
        ...


def _address(field: str, value: str) -> str:
    if not ADDRESS.fullmatch(value):
        raise InvalidArgument(field, "must be 0x followed by 40 lowercase hex digits")
    return value


def _bytes32(field: str, value: str) -> str:
    if not BYTES32.fullmatch(value):
        raise InvalidArgument(field, "must be 0x followed by 64 lowercase hex digits")
    return value


def _signature(field: str, value: str) -> str:
    if not SIGNATURE.fullmatch(value):
        raise InvalidArgument(field, "must be 0x followed by 130 lowercase hex digits")
    return value


def require_evm_account_id(field: str, value: str) -> str:
    match = EVM_ACCOUNT_ID.fullmatch(value)
    if match is None or int(match.group(1)) > MAX_U64:
        raise InvalidArgument(field, "must be evm:<chain id>:<lowercase 0x address>")
    return value


def _decimal(field: str, value: str, maximum: int) -> int:
    if not DECIMAL.fullmatch(value) or int(value) > maximum:
        raise InvalidArgument(field, f"must be a canonical decimal integer at most {maximum}")
    return int(value)


def require_nonces(field: str, pairs: list[tuple[str, str]]) -> dict[int, int]:
    if len(pairs) > MAX_CURRENT_NONCES:
        raise InvalidArgument(field, f"at most {MAX_CURRENT_NONCES} entries")
    return {
        _decimal(f"{field}.nonce_key", key, MAX_U256 >> 64): _decimal(f"{field}.nonce", nonce, MAX_U256)
        for key, nonce in pairs
    }


def _signer_set(field: str, signers: list[str], threshold: int) -> tuple[tuple[str, ...], int]:
    if not 1 <= len(signers) <= MAX_SIGNERS:
        raise InvalidArgument(field, f"must hold 1..{MAX_SIGNERS} signers")
    for signer in signers:
        _address(field, signer)
    if len(set(signers)) != len(signers):
        raise InvalidArgument(field, "signers must be distinct")
    if not 1 <= threshold <= len(signers):
        raise InvalidArgument("threshold", "must be between 1 and the number of signers")
    return tuple(signers), threshold


class EvmProposals:
    def __init__(self, store: EvmStore) -> None:
        self.store = store

    async def register_account(
        self, chain_id: int, account_address: str, validator_address: str, signers: list[str], threshold: int
    ) -> tuple[EvmAccount, bool]:
        if not 1 <= chain_id <= MAX_U64:
            raise InvalidArgument("chain_id", "must be a uint64 above zero")
        snapshot, threshold = _signer_set("signers", signers, threshold)
        registration = EvmRegistration(
            chain_id,
            _address("account_address", account_address),
            _address("multisig_validator_address", validator_address),
            snapshot,
            threshold,
        )
        return await self.store.register_account(registration)

    async def get_account(self, account_id: str) -> EvmAccount | None:
        return await self.store.get_account(require_evm_account_id("account_id", account_id))

    async def set_paused(self, account_id: str, paused: bool, reason: str, operator: str) -> PauseResult:
        if len(reason) > MAX_REASON_CHARS:
            raise InvalidArgument("reason", f"at most {MAX_REASON_CHARS} characters")
        if not operator or len(operator) > MAX_REASON_CHARS:
            raise InvalidArgument("operator_commitment", "required, at most 1024 characters")
        change = PauseChange(
            require_evm_account_id("account_id", account_id), paused, reason or None, operator
        )
        return await self.store.set_paused(change)

    async def create_proposal(self, proposal: NewEvmProposal, nonces: Nonces) -> ProposalResult:
        require_evm_account_id("account_id", proposal.account_id)
        _bytes32("proposal_id", proposal.proposal_id)
        _bytes32("user_op_hash", proposal.user_op_hash)
        _signature("signature", proposal.signature)
        _address("proposer", proposal.proposer)
        if not 0 <= proposal.nonce <= MAX_U256:
            raise InvalidArgument("nonce", "must be a uint256")
        if len(proposal.payload) > MAX_PAYLOAD_CHARS:
            raise InvalidArgument("payload", f"at most {MAX_PAYLOAD_CHARS} characters")
        if not 1 <= proposal.ttl_seconds <= MAX_PROPOSAL_TTL_SECONDS:
            raise InvalidArgument("ttl_seconds", f"must be between 1 and {MAX_PROPOSAL_TTL_SECONDS}")
        _signer_set("signer_snapshot", list(proposal.signer_snapshot), proposal.threshold)
        if proposal.proposer not in proposal.signer_snapshot:
            raise InvalidArgument("proposer", "must be one of signer_snapshot")
        return await self.store.create_proposal(proposal, nonces)

    async def list_proposals(self, account_id: str, nonces: Nonces) -> ProposalList:
        return await self.store.list_proposals(require_evm_account_id("account_id", account_id), nonces)

    async def get_proposal(self, account_id: str, proposal_id: str) -> EvmProposal | None:
        return await self.store.get_proposal(
            require_evm_account_id("account_id", account_id), _bytes32("proposal_id", proposal_id)
        )

    async def approve(
        self, account_id: str, proposal_id: str, signer: str, signature: str, nonces: Nonces
    ) -> ProposalResult:
        return await self.store.approve(
            require_evm_account_id("account_id", account_id),
            _bytes32("proposal_id", proposal_id),
            _address("signer", signer),
            _signature("signature", signature),
            nonces,
        )

    async def cancel(
        self, account_id: str, proposal_id: str, requester: str, nonces: Nonces
    ) -> ProposalResult:
        return await self.store.cancel(
            require_evm_account_id("account_id", account_id),
            _bytes32("proposal_id", proposal_id),
            _address("requester", requester),
            nonces,
        )
