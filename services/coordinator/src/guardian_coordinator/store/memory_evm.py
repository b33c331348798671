"""EVM accounts and proposals in memory: the same contract as Postgres.

No method awaits, so the event loop runs each to completion: each is as atomic as its Postgres
transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from guardian_coordinator.domain.evm import (
    EvmAccount,
    EvmProposal,
    EvmRegistration,
    EvmSignature,
    NewEvmProposal,
    Nonces,
    PauseChange,
    PauseResult,
    ProposalList,
    ProposalOutcome,
    ProposalResult,
    is_inactive,
)
from guardian_coordinator.domain.models import AdminAction


class Clock(Protocol):
    def now(self) -> datetime: ...


class MemoryEvmStore:
    def __init__(self, clock: Clock, audit: list[AdminAction]) -> None:
        """`audit` is the custody store's admin-action log: EVM pauses are recorded with the others."""
        self._clock = clock
        self._audit = audit
        self._accounts: dict[str, EvmAccount] = {}
        self._proposals: dict[str, EvmProposal] = {}

    async def register_account(self, registration: EvmRegistration) -> tuple[EvmAccount, bool]:
        now = self._clock.now()
        existing = self._accounts.get(registration.account_id)
        account = EvmAccount(
            account_id=registration.account_id,
            chain_id=registration.chain_id,
            account_address=registration.account_address,
            validator_address=registration.validator_address,
            signers=registration.signers,
            threshold=registration.threshold,
            created_at=existing.created_at if existing else now,
            updated_at=now,
            paused_at=existing.paused_at if existing else None,
            paused_reason=existing.paused_reason if existing else None,
        )
        self._accounts[account.account_id] = account
        return account, existing is None

    async def get_account(self, account_id: str) -> EvmAccount | None:
        return self._accounts.get(account_id)

    async def set_paused(self, change: PauseChange) -> PauseResult:
        account = self._accounts.get(change.account_id)
        if account is None:
            return PauseResult(None)
        now = self._clock.now()
        before = "paused" if account.paused_at else "active"
        after = "paused" if change.paused else "active"
        if before != after:
            paused_at, reason = (now, change.reason) if change.paused else (None, None)
            account = replace(account, paused_at=paused_at, paused_reason=reason, updated_at=now)
            self._accounts[change.account_id] = account
        self._audit.append(
            AdminAction(
                id=len(self._audit) + 1,
                account_id=change.account_id,
                action=change.action,
                operator_commitment=change.operator,
                reason=change.reason,
                created_at=now,
                before_state=before,
                after_state=after,
            )
        )
        return PauseResult(account, before, after)

    def _active(self, account_id: str, proposal_id: str, nonces: Nonces) -> EvmProposal | None:
        proposal = self._proposals.get(proposal_id)
        if proposal is None or proposal.account_id != account_id:
            return None
        if is_inactive(proposal, self._clock.now(), nonces):
            del self._proposals[proposal_id]
            return None
        return proposal

    async def create_proposal(self, proposal: NewEvmProposal, nonces: Nonces) -> ProposalResult:
        account = self._accounts.get(proposal.account_id)
        if account is None:
            return ProposalResult(ProposalOutcome.ACCOUNT_NOT_FOUND)
        if account.paused_at is not None:
            return ProposalResult(ProposalOutcome.ACCOUNT_PAUSED, account=account)
        existing = self._active(proposal.account_id, proposal.proposal_id, nonces)
        if existing is not None:
            return ProposalResult(ProposalOutcome.EXISTING, existing, account)
        now = self._clock.now()
        created = EvmProposal(
            proposal_id=proposal.proposal_id,
            account_id=proposal.account_id,
            chain_id=account.chain_id,
            smart_account_address=account.account_address,
            validator_address=account.validator_address,
            user_op_hash=proposal.user_op_hash,
            payload=proposal.payload,
            nonce=proposal.nonce,
            nonce_key=proposal.nonce_key,
            proposer=proposal.proposer,
            signer_snapshot=proposal.signer_snapshot,
            threshold=proposal.threshold,
            signatures=(EvmSignature(proposal.proposer, proposal.signature, now),),
            created_at=now,
            expires_at=now + timedelta(seconds=proposal.ttl_seconds),
        )
        self._proposals[created.proposal_id] = created
        return ProposalResult(ProposalOutcome.CREATED, created, account)

    async def list_proposals(self, account_id: str, nonces: Nonces) -> ProposalList:
        if account_id not in self._accounts:
            return ProposalList(False, [])
        now = self._clock.now()
        mine = [p for p in self._proposals.values() if p.account_id == account_id]
        stale = [p for p in mine if is_inactive(p, now, nonces)]
        for proposal in stale:
            del self._proposals[proposal.proposal_id]
        active = sorted((p for p in mine if p not in stale), key=lambda p: (p.created_at, p.proposal_id))
        return ProposalList(True, active, len(stale))

    async def get_proposal(self, account_id: str, proposal_id: str) -> EvmProposal | None:
        return self._active(account_id, proposal_id, {})

    async def approve(
        self, account_id: str, proposal_id: str, signer: str, signature: str, nonces: Nonces
    ) -> ProposalResult:
        account = self._accounts.get(account_id)
        if account is None:
            return ProposalResult(ProposalOutcome.ACCOUNT_NOT_FOUND)
        proposal = self._active(account_id, proposal_id, nonces)
        if proposal is None:
            return ProposalResult(ProposalOutcome.PROPOSAL_NOT_FOUND, account=account)
        if signer not in proposal.signer_snapshot:
            return ProposalResult(ProposalOutcome.NOT_A_SIGNER, proposal, account)
        if any(s.signer == signer for s in proposal.signatures):
            return ProposalResult(ProposalOutcome.ALREADY_SIGNED, proposal, account)
        if account.paused_at is not None:
            return ProposalResult(ProposalOutcome.ACCOUNT_PAUSED, proposal, account)
        signed = EvmSignature(signer, signature, self._clock.now())
        proposal = replace(proposal, signatures=(*proposal.signatures, signed))
        self._proposals[proposal_id] = proposal
        return ProposalResult(ProposalOutcome.APPROVED, proposal, account)

    async def cancel(
        self, account_id: str, proposal_id: str, requester: str, nonces: Nonces
    ) -> ProposalResult:
        account = self._accounts.get(account_id)
        if account is None:
            return ProposalResult(ProposalOutcome.ACCOUNT_NOT_FOUND)
        proposal = self._active(account_id, proposal_id, nonces)
        if proposal is None:
            return ProposalResult(ProposalOutcome.PROPOSAL_NOT_FOUND, account=account)
        if proposal.proposer != requester:
            return ProposalResult(ProposalOutcome.NOT_PROPOSER, proposal, account)
        if account.paused_at is not None:
            return ProposalResult(ProposalOutcome.ACCOUNT_PAUSED, proposal, account)
        del self._proposals[proposal_id]
        return ProposalResult(ProposalOutcome.CANCELLED, proposal, account)

    async def sweep_expired(self) -> int:
        now = self._clock.now()
        expired = [pid for pid, p in self._proposals.items() if p.expires_at <= now]
        for pid in expired:
            del self._proposals[pid]
        return len(expired)
