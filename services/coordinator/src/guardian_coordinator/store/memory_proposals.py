"""Delta proposals in memory: the same contract as Postgres (store/postgres/proposals.py).

No method awaits, so the event loop runs each to completion: each is as atomic as its Postgres
transaction. The custody store is read for the account, its state and its candidate, and calls back
into `_finalize` from inside a submission."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from guardian_coordinator.domain.models import Account, DeltaKind, NewCandidate
from guardian_coordinator.domain.proposals import (
    PAYLOAD_PAGE_BUDGET,
    NewProposal,
    NewSignature,
    Proposal,
    ProposalFeedKey,
    ProposalKey,
    ProposalOutcome,
    ProposalPage,
    ProposalResult,
    ProposalSignature,
    ProposalState,
)
from guardian_coordinator.store.memory_custody import MemoryCustodyStore, micros


@dataclass
class _Row:
    account_id: str
    commitment: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    payload_json: str
    proposer_id: str
    signatures_required: int
    created_at: datetime
    signatures: list[ProposalSignature] = field(default_factory=list)
    finalized_at: datetime | None = None


def _same_json(left: str, right: str) -> bool:
    """jsonb equality: the same value whatever the key order or spacing (true is not 1)."""
    return json.dumps(json.loads(left), sort_keys=True) == json.dumps(json.loads(right), sort_keys=True)


def _cosigner_count(auth_json: str) -> int:
    auth = json.loads(auth_json)
    if isinstance(auth, dict):
        for body in auth.values():
            listed = body.get("cosigner_commitments") if isinstance(body, dict) else None
            if isinstance(listed, list):
                return len(listed)
    return 0


def _payload_size(row: _Row) -> int:
    """The payload's length as Postgres would store it (jsonb text: `{"a": 1}` spacing)."""
    return len(json.dumps(json.loads(row.payload_json), ensure_ascii=False).encode())


class MemoryProposalStore:
    def __init__(self, custody: MemoryCustodyStore) -> None:
        self._custody = custody
        self._rows: dict[tuple[str, str], _Row] = {}
        custody.on_submitted = self._finalize

    def _proposal(self, row: _Row, *, payload: bool = True) -> Proposal:
        if row.finalized_at is not None:
            state = ProposalState.FINALIZED
        else:
            account = self._custody._account(row.account_id)
            current = account.state_commitment if account else None
            state = ProposalState.PENDING if current == row.prev_commitment else ProposalState.SUPERSEDED
        return Proposal(
            account_id=row.account_id,
            commitment=row.commitment,
            nonce=row.nonce,
            prev_commitment=row.prev_commitment,
            new_commitment=row.new_commitment,
            delta_payload_json=row.payload_json if payload else "",
            proposer_id=row.proposer_id,
            signatures=tuple(row.signatures),
            signatures_required=row.signatures_required,
            created_at=row.created_at,
            state=state,
            finalized_at=row.finalized_at,
        )

    def _inactive(self, account: Account) -> ProposalResult | None:
        if account.released_at is not None:
            return ProposalResult(ProposalOutcome.RELEASED, account=account)
        if account.paused_at is not None:
            return ProposalResult(ProposalOutcome.PAUSED, account=account)
        return None

    def _finalize(self, candidate: NewCandidate) -> None:
        now = self._custody.clock.now()
        for row in self._rows.values():
            if (
                row.account_id == candidate.account_id
                and row.finalized_at is None
                and row.nonce == candidate.nonce
                and row.prev_commitment == candidate.prev_commitment
                and _same_json(row.payload_json, candidate.delta_payload_json)
            ):
                row.finalized_at = now

    def _pending(self, account_id: str | None = None) -> list[_Row]:
        return [
            row
            for row in self._rows.values()
            if row.finalized_at is None and (account_id is None or row.account_id == account_id)
        ]

    async def create(self, proposal: NewProposal, max_pending: int) -> ProposalResult:
        account = self._custody._account(proposal.account_id)
        if account is None or account.state_commitment is None:
            return ProposalResult(ProposalOutcome.ACCOUNT_NOT_FOUND)
        refusal = self._inactive(account)
        if refusal is not None:
            return refusal
        key = (proposal.account_id, proposal.commitment)
        existing = self._rows.get(key)
        if existing is not None and existing.finalized_at is None:
            return ProposalResult(ProposalOutcome.EXISTING, self._proposal(existing))
        if any(row.kind is DeltaKind.CANDIDATE for row in self._custody._rows(proposal.account_id).values()):
            return ProposalResult(ProposalOutcome.CONFLICT)
        if account.state_commitment != proposal.prev_commitment:
            return ProposalResult(
                ProposalOutcome.COMMITMENT_MISMATCH, expected_commitment=account.state_commitment
            )
        viable = [
            r for r in self._pending(proposal.account_id) if r.prev_commitment == account.state_commitment
        ]
        if len(viable) >= max_pending:
            return ProposalResult(ProposalOutcome.LIMIT_REACHED)
        row = _Row(
            account_id=proposal.account_id,
            commitment=proposal.commitment,
            nonce=proposal.nonce,
            prev_commitment=proposal.prev_commitment,
            new_commitment=proposal.new_commitment,
            payload_json=json.dumps(json.loads(proposal.delta_payload_json)),
            proposer_id=proposal.proposer_id,
            signatures_required=_cosigner_count(account.auth_json),
            created_at=self._custody.clock.now(),
        )
        self._rows.pop(key, None)  # a finalized row whose push was abandoned: proposed afresh
        self._rows[key] = row
        return ProposalResult(ProposalOutcome.CREATED, self._proposal(row))

    async def sign(self, signature: NewSignature) -> ProposalResult:
        account = self._custody._account(signature.account_id)
        if account is None:
            return ProposalResult(ProposalOutcome.ACCOUNT_NOT_FOUND)
        refusal = self._inactive(account)
        if refusal is not None:
            return refusal
        row = self._rows.get((signature.account_id, signature.commitment))
        if row is None or row.finalized_at is not None:
            return ProposalResult(ProposalOutcome.NOT_FOUND)
        if any(s.signer_id == signature.signer_id for s in row.signatures):
            return ProposalResult(ProposalOutcome.ALREADY_SIGNED, self._proposal(row))
        row.signatures.append(
            ProposalSignature(
                signature.signer_id, signature.signature, signature.timestamp_ms, self._custody.clock.now()
            )
        )
        return ProposalResult(ProposalOutcome.SIGNED, self._proposal(row))

    async def get(self, account_id: str, commitment: str) -> Proposal | None:
        row = self._rows.get((account_id, commitment))
        return None if row is None else self._proposal(row)

    async def list_account(
        self, account_id: str, before: ProposalKey | None, limit: int, include_payloads: bool
    ) -> ProposalPage:
        rows = sorted(self._pending(account_id), key=lambda r: (r.nonce, r.commitment), reverse=True)
        if before is not None:
            rows = [r for r in rows if (r.nonce, r.commitment) < (before.nonce, before.commitment)]
        fetched = rows[: limit + 1]
        kept: list[_Row] = []
        spent = 0
        for row in fetched:
            if include_payloads and kept and spent >= PAYLOAD_PAGE_BUDGET:
                break
            kept.append(row)
            spent += _payload_size(row)
        proposals = [self._proposal(r, payload=include_payloads) for r in kept[:limit]]
        return ProposalPage(proposals, len(fetched) > len(proposals))

    async def list_all(self, after: ProposalFeedKey | None, limit: int) -> ProposalPage:
        def key(row: _Row) -> tuple[Any, ...]:
            return (-micros(row.created_at), row.account_id, row.nonce, row.commitment)

        rows = sorted(self._pending(), key=key)
        if after is not None:
            position = (-micros(after.created_at), after.account_id, after.nonce, after.commitment)
            rows = [r for r in rows if key(r) > position]
        page = rows[: limit + 1]
        return ProposalPage([self._proposal(r, payload=False) for r in page[:limit]], len(page) > limit)

    async def count_pending(self) -> tuple[int, int]:
        states = [self._proposal(row, payload=False).state for row in self._pending()]
        viable = states.count(ProposalState.PENDING)
        return viable, len(states) - viable
