"""Multisig delta proposals of the json network (docs/proposals.md): the models, the store contract and
the use cases, which validate their input (InvalidArgument names the field) and leave each decision to one
atomic store call.

The caller (the gateway) has authenticated the request and computed the proposal's commitment and the
commitment of the state it leads to; what is decided here is what must hold across replicas: one row per
(account, commitment), one signature per signer, the pending cap, the pause, the pending candidate and the
base the proposal is built on, all under the account lock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from guardian_coordinator.domain.errors import InvalidArgument
from guardian_coordinator.domain.models import Account
from guardian_coordinator.domain.validation import (
    MAX_STATE_BYTES,
    require_account_id,
    require_commitment,
    require_json_object,
    require_nonce,
    require_text,
)

MAX_LIST_LIMIT = 1000
MAX_SIGNATURE_CHARS = 16 * 1024
MAX_SIGNER_CHARS = 256
# A page with payloads ends once they reach this many bytes (the first row always comes), so a reply stays
# below gRPC's 4 MiB.
PAYLOAD_PAGE_BUDGET = 2 * 1024 * 1024
SIGNATURE = re.compile(r"[0-9a-f]+")
DEFAULT_MAX_PENDING = 20


class ProposalState(Enum):
    PENDING = 1
    SUPERSEDED = 2
    FINALIZED = 3


@dataclass(frozen=True)
class ProposalSignature:
    signer_id: str
    signature: str
    timestamp_ms: int
    signed_at: datetime


@dataclass(frozen=True)
class Proposal:
    account_id: str
    commitment: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    delta_payload_json: str  # "" in lists without payloads
    proposer_id: str
    signatures: tuple[ProposalSignature, ...]
    signatures_required: int
    created_at: datetime
    state: ProposalState
    finalized_at: datetime | None = None


@dataclass(frozen=True)
class NewProposal:
    account_id: str
    commitment: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    delta_payload_json: str
    proposer_id: str


@dataclass(frozen=True)
class NewSignature:
    account_id: str
    commitment: str
    signer_id: str
    signature: str
    timestamp_ms: int


class ProposalOutcome(Enum):
    CREATED = 1
    EXISTING = 2
    SIGNED = 3
    ACCOUNT_NOT_FOUND = 4
    PAUSED = 5
    RELEASED = 6
    CONFLICT = 7
    COMMITMENT_MISMATCH = 8
    LIMIT_REACHED = 9
    NOT_FOUND = 10
    ALREADY_SIGNED = 11


@dataclass(frozen=True)
class ProposalResult:
    outcome: ProposalOutcome
    proposal: Proposal | None = None
    account: Account | None = None  # PAUSED, RELEASED
    expected_commitment: str = ""  # COMMITMENT_MISMATCH


@dataclass(frozen=True)
class ProposalKey:
    """A position in one account's list, (nonce DESC, commitment DESC)."""

    nonce: int
    commitment: str


@dataclass(frozen=True)
class ProposalFeedKey:
    """A position in the cross-account feed, (created_at DESC, account_id, nonce, commitment ASC)."""

    created_at: datetime
    account_id: str
    nonce: int
    commitment: str


@dataclass(frozen=True)
class ProposalPage:
    proposals: list[Proposal]
    has_more: bool


class ProposalStore(Protocol):
    async def create(self, proposal: NewProposal, max_pending: int) -> ProposalResult:
        """One transaction under the account lock, refusals in the order of CreateProposal's outcomes.
        A finalized row under the same commitment (its push was abandoned) is replaced."""
        ...

    async def sign(self, signature: NewSignature) -> ProposalResult:
        """One transaction under the account lock: at most one signature per signer, whatever runs
        concurrently; signatures of different signers are all recorded."""
        ...

    async def get(self, account_id: str, commitment: str) -> Proposal | None: ...

    async def list_account(
        self, account_id: str, before: ProposalKey | None, limit: int, include_payloads: bool
    ) -> ProposalPage:
        """Pending proposals (viable and superseded) of one account, (nonce DESC, commitment DESC)."""
        ...

    async def count_pending(self) -> tuple[int, int]:
        """(viable, superseded) pending proposals across every account."""
        ...

    async def list_all(self, after: ProposalFeedKey | None, limit: int) -> ProposalPage:
        """Pending proposals of every account without payloads, (created_at DESC, account_id, nonce,
        commitment ASC)."""
        ...


def _limit(value: int) -> int:
    if not 1 <= value <= MAX_LIST_LIMIT:
        raise InvalidArgument("limit", f"must be between 1 and {MAX_LIST_LIMIT}")
    return value


def _signer(field: str, value: str) -> str:
    return require_text(field, value, MAX_SIGNER_CHARS)


class DeltaProposals:
    def __init__(self, store: ProposalStore, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self.store = store
        self.max_pending = max_pending

    async def create(self, proposal: NewProposal) -> ProposalResult:
        require_account_id("account_id", proposal.account_id)
        require_commitment("commitment", proposal.commitment)
        require_nonce("nonce", proposal.nonce)
        require_commitment("prev_commitment", proposal.prev_commitment)
        require_commitment("new_commitment", proposal.new_commitment)
        require_json_object("delta_payload_json", proposal.delta_payload_json, MAX_STATE_BYTES)
        _signer("proposer_id", proposal.proposer_id)
        return await self.store.create(proposal, self.max_pending)

    async def sign(self, signature: NewSignature) -> ProposalResult:
        require_account_id("account_id", signature.account_id)
        require_commitment("commitment", signature.commitment)
        _signer("signer_id", signature.signer_id)
        if not 0 < len(signature.signature) <= MAX_SIGNATURE_CHARS or not SIGNATURE.fullmatch(
            signature.signature
        ):
            raise InvalidArgument(
                "signature", f"must be 1..{MAX_SIGNATURE_CHARS} lowercase hex digits without 0x"
            )
        if signature.timestamp_ms < 0:
            raise InvalidArgument("timestamp_ms", "must not be negative")
        return await self.store.sign(signature)

    async def get(self, account_id: str, commitment: str) -> Proposal | None:
        return await self.store.get(
            require_account_id("account_id", account_id), require_commitment("commitment", commitment)
        )

    async def list_account(
        self, account_id: str, before: ProposalKey | None, limit: int, include_payloads: bool
    ) -> ProposalPage:
        require_account_id("account_id", account_id)
        if before is not None:
            require_nonce("before.nonce", before.nonce)
            require_commitment("before.commitment", before.commitment)
        return await self.store.list_account(account_id, before, _limit(limit), include_payloads)

    async def list_all(self, after: ProposalFeedKey | None, limit: int) -> ProposalPage:
        if after is not None:
            require_account_id("after.account_id", after.account_id)
            require_nonce("after.nonce", after.nonce)
            require_commitment("after.commitment", after.commitment)
        return await self.store.list_all(after, _limit(limit))

    async def count_pending(self) -> tuple[int, int]:
        return await self.store.count_pending()
