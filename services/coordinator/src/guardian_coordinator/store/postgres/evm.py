"""EVM accounts and proposals on Postgres: one transaction per call, on the database clock.

Locks are always taken in the same order, account row (FOR SHARE: a pause or a re-registration waits,
proposals of the account do not wait for each other) then proposal row (FOR UPDATE), so no two calls
can deadlock. An approval is an INSERT guarded by the (proposal_id, signer) unique constraint: the
same signer twice finds the conflict, different signers each insert their row."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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
)
from guardian_coordinator.store.postgres.custody import AUDIT
from guardian_coordinator.store.postgres.engine import store_errors

ACCOUNT_COLUMNS = (
    "account_id, chain_id, account_address, validator_address, signers, threshold, created_at, updated_at, "
    "paused_at, paused_reason"
)
UPSERT_ACCOUNT = text(
    f"""
    INSERT INTO evm_accounts ({ACCOUNT_COLUMNS})
    VALUES (:account_id, :chain_id, :account_address, :validator_address, CAST(:signers AS TEXT[]),
            :threshold, clock_timestamp(), clock_timestamp(), NULL, NULL)
    ON CONFLICT (account_id) DO UPDATE SET
        validator_address = EXCLUDED.validator_address, signers = EXCLUDED.signers,
        threshold = EXCLUDED.threshold, updated_at = EXCLUDED.updated_at
    RETURNING {ACCOUNT_COLUMNS}, (xmax = 0) AS created
    """
)
SELECT_ACCOUNT = text(f"SELECT {ACCOUNT_COLUMNS} FROM evm_accounts WHERE account_id = :account_id")
LOCK_ACCOUNT = text(f"SELECT {ACCOUNT_COLUMNS} FROM evm_accounts WHERE account_id = :account_id FOR UPDATE")
SHARE_ACCOUNT = text(f"SELECT {ACCOUNT_COLUMNS} FROM evm_accounts WHERE account_id = :account_id FOR SHARE")
PAUSE = text(
    f"""
    UPDATE evm_accounts SET paused_at = clock_timestamp(), paused_reason = :reason, updated_at = clock_timestamp()
    WHERE account_id = :account_id AND paused_at IS NULL
    RETURNING {ACCOUNT_COLUMNS}
    """
)
RESUME = text(
    f"""
    UPDATE evm_accounts SET paused_at = NULL, paused_reason = NULL, updated_at = clock_timestamp()
    WHERE account_id = :account_id AND paused_at IS NOT NULL
    RETURNING {ACCOUNT_COLUMNS}
    """
)

# A proposal with its account's chain and address and its approvals in recording order, as JSON text.
PROPOSAL_SELECT = """
    SELECT p.proposal_id, p.account_id, a.chain_id, a.account_address, p.validator_address, p.user_op_hash,
           p.payload, p.nonce::text, p.nonce_key::text, p.proposer, p.signer_snapshot, p.threshold,
           COALESCE((SELECT json_agg(json_build_array(s.signer, s.signature,
                                                      (extract(epoch FROM s.signed_at) * 1000000)::bigint)
                                     ORDER BY s.seq)
                     FROM evm_proposal_signatures s WHERE s.proposal_id = p.proposal_id), '[]')::text,
           p.created_at, p.expires_at
    FROM evm_proposals p JOIN evm_accounts a USING (account_id)
"""
SELECT_PROPOSAL = text(PROPOSAL_SELECT + " WHERE p.proposal_id = :proposal_id AND p.account_id = :account_id")
LIST_PROPOSALS = text(
    PROPOSAL_SELECT + " WHERE p.account_id = :account_id ORDER BY p.created_at, p.proposal_id"
)
# Inactive: expired on the database clock, or its nonce below the EntryPoint nonce read for its key.
INACTIVE = """
    (expires_at <= clock_timestamp() OR EXISTS (
        SELECT 1 FROM unnest(CAST(:keys AS NUMERIC[]), CAST(:currents AS NUMERIC[])) AS c(nonce_key, nonce)
        WHERE c.nonce_key = evm_proposals.nonce_key AND evm_proposals.nonce < c.nonce))
"""
LOCK_PROPOSAL = text(
    f"""
    SELECT proposer, signer_snapshot, {INACTIVE} AS inactive FROM evm_proposals
    WHERE proposal_id = :proposal_id AND account_id = :account_id FOR UPDATE
    """
)
DELETE_PROPOSAL = text("DELETE FROM evm_proposals WHERE proposal_id = :proposal_id")
PRUNE = text(f"DELETE FROM evm_proposals WHERE account_id = :account_id AND {INACTIVE}")
PRUNE_EXPIRED_ONE = text(
    """
    DELETE FROM evm_proposals
    WHERE proposal_id = :proposal_id AND account_id = :account_id AND expires_at <= clock_timestamp()
    """
)
SWEEP_BATCH = 1000
SWEEP_EXPIRED = text(
    """
    DELETE FROM evm_proposals WHERE proposal_id IN (
        SELECT proposal_id FROM evm_proposals WHERE expires_at <= clock_timestamp() LIMIT :batch)
    """
)
INSERT_PROPOSAL = text(
    """
    INSERT INTO evm_proposals (proposal_id, account_id, validator_address, user_op_hash, payload, nonce,
                               nonce_key, proposer, signer_snapshot, threshold, created_at, expires_at)
    VALUES (:proposal_id, :account_id, :validator_address, :user_op_hash, :payload, CAST(:nonce AS NUMERIC),
            CAST(:nonce_key AS NUMERIC), :proposer, CAST(:signer_snapshot AS TEXT[]), :threshold,
            clock_timestamp(), clock_timestamp() + make_interval(secs => :ttl_seconds))
    ON CONFLICT (proposal_id) DO NOTHING
    RETURNING proposal_id
    """
)
HAS_SIGNED = text(
    "SELECT 1 FROM evm_proposal_signatures WHERE proposal_id = :proposal_id AND signer = :signer"
)
INSERT_SIGNATURE = text(
    """
    INSERT INTO evm_proposal_signatures (proposal_id, signer, signature, signed_at)
    VALUES (:proposal_id, :signer, :signature, clock_timestamp())
    ON CONFLICT ON CONSTRAINT evm_proposal_signatures_one_per_signer DO NOTHING
    RETURNING seq
    """
)


def _account(row: Any) -> EvmAccount:
    return EvmAccount(
        account_id=row[0],
        chain_id=int(row[1]),
        account_address=row[2],
        validator_address=row[3],
        signers=tuple(row[4]),
        threshold=row[5],
        created_at=row[6],
        updated_at=row[7],
        paused_at=row[8],
        paused_reason=row[9],
    )


def _micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


def _proposal(row: Any) -> EvmProposal:
    return EvmProposal(
        proposal_id=row[0],
        account_id=row[1],
        chain_id=int(row[2]),
        smart_account_address=row[3],
        validator_address=row[4],
        user_op_hash=row[5],
        payload=row[6],
        nonce=int(row[7]),
        nonce_key=int(row[8]),
        proposer=row[9],
        signer_snapshot=tuple(row[10]),
        threshold=row[11],
        signatures=tuple(EvmSignature(s[0], s[1], _micros(s[2])) for s in json.loads(row[12])),
        created_at=row[13],
        expires_at=row[14],
    )


def _nonce_params(nonces: Nonces) -> dict[str, list[str]]:
    keys = sorted(nonces)
    return {"keys": [str(k) for k in keys], "currents": [str(nonces[k]) for k in keys]}


class PostgresEvmStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        async with store_errors(), self._engine.begin() as conn:
            yield conn

    async def register_account(self, registration: EvmRegistration) -> tuple[EvmAccount, bool]:
        params = {
            "account_id": registration.account_id,
            "chain_id": registration.chain_id,
            "account_address": registration.account_address,
            "validator_address": registration.validator_address,
            "signers": list(registration.signers),
            "threshold": registration.threshold,
        }
        async with self._transaction() as conn:
            row = (await conn.execute(UPSERT_ACCOUNT, params)).one()
        return _account(row), bool(row[-1])

    async def get_account(self, account_id: str) -> EvmAccount | None:
        async with self._transaction() as conn:
            row = (await conn.execute(SELECT_ACCOUNT, {"account_id": account_id})).first()
        return None if row is None else _account(row)

    async def set_paused(self, change: PauseChange) -> PauseResult:
        params = {"account_id": change.account_id, "reason": change.reason}
        async with self._transaction() as conn:
            row = (await conn.execute(LOCK_ACCOUNT, params)).first()
            if row is None:
                return PauseResult(None)
            before = "paused" if row.paused_at is not None else "active"
            after = "paused" if change.paused else "active"
            if before != after:
                row = (await conn.execute(PAUSE if change.paused else RESUME, params)).one()
            audit = {
                **params,
                "action": change.action,
                "operator": change.operator,
                "before": before,
                "after": after,
            }
            await conn.execute(AUDIT, audit)
        return PauseResult(_account(row), before, after)

    async def _read(self, conn: AsyncConnection, account_id: str, proposal_id: str) -> EvmProposal:
        scope = {"account_id": account_id, "proposal_id": proposal_id}
        return _proposal((await conn.execute(SELECT_PROPOSAL, scope)).one())

    async def _locked(
        self, conn: AsyncConnection, account_id: str, proposal_id: str, nonces: Nonces
    ) -> tuple[EvmAccount | None, Any]:
        """The account (shared lock) and the proposal row (exclusive lock), an inactive one deleted (None)."""
        scope = {"account_id": account_id, "proposal_id": proposal_id}
        row = (await conn.execute(SHARE_ACCOUNT, scope)).first()
        if row is None:
            return None, None
        proposal = (await conn.execute(LOCK_PROPOSAL, {**scope, **_nonce_params(nonces)})).first()
        if proposal is not None and proposal.inactive:
            await conn.execute(DELETE_PROPOSAL, scope)
            proposal = None
        return _account(row), proposal

    async def create_proposal(self, proposal: NewEvmProposal, nonces: Nonces) -> ProposalResult:
        scope = {"account_id": proposal.account_id, "proposal_id": proposal.proposal_id}
        async with self._transaction() as conn:
            account, existing = await self._locked(conn, proposal.account_id, proposal.proposal_id, nonces)
            if account is None:
                return ProposalResult(ProposalOutcome.ACCOUNT_NOT_FOUND)
            if account.paused_at is not None:
                return ProposalResult(ProposalOutcome.ACCOUNT_PAUSED, account=account)
            if existing is None:
                inserted = (
                    await conn.execute(
                        INSERT_PROPOSAL,
                        {
                            **scope,
                            "validator_address": account.validator_address,
                            "user_op_hash": proposal.user_op_hash,
                            "payload": proposal.payload,
                            "nonce": str(proposal.nonce),
                            "nonce_key": str(proposal.nonce_key),
                            "proposer": proposal.proposer,
                            "signer_snapshot": list(proposal.signer_snapshot),
                            "threshold": proposal.threshold,
                            "ttl_seconds": proposal.ttl_seconds,
                        },
                    )
                ).first()
                if inserted is not None:
                    signature = {**scope, "signer": proposal.proposer, "signature": proposal.signature}
                    await conn.execute(INSERT_SIGNATURE, signature)
                    return ProposalResult(
                        ProposalOutcome.CREATED, await self._read(conn, *scope.values()), account
                    )
            # Active under this id already (found locked, or inserted by a concurrent create meanwhile).
            return ProposalResult(ProposalOutcome.EXISTING, await self._read(conn, *scope.values()), account)

    async def list_proposals(self, account_id: str, nonces: Nonces) -> ProposalList:
        scope = {"account_id": account_id}
        async with self._transaction() as conn:
            if (await conn.execute(SELECT_ACCOUNT, scope)).first() is None:
                return ProposalList(False, [])
            pruned = (await conn.execute(PRUNE, {**scope, **_nonce_params(nonces)})).rowcount
            rows = (await conn.execute(LIST_PROPOSALS, scope)).all()
        return ProposalList(True, [_proposal(row) for row in rows], pruned)

    async def get_proposal(self, account_id: str, proposal_id: str) -> EvmProposal | None:
        scope = {"account_id": account_id, "proposal_id": proposal_id}
        async with self._transaction() as conn:
            await conn.execute(PRUNE_EXPIRED_ONE, scope)
            row = (await conn.execute(SELECT_PROPOSAL, scope)).first()
        return None if row is None else _proposal(row)

    async def approve(
        self, account_id: str, proposal_id: str, signer: str, signature: str, nonces: Nonces
    ) -> ProposalResult:
        scope = {"account_id": account_id, "proposal_id": proposal_id}
        async with self._transaction() as conn:
            account, row = await self._locked(conn, account_id, proposal_id, nonces)
            if account is None:
                return ProposalResult(ProposalOutcome.ACCOUNT_NOT_FOUND)
            if row is None:
                return ProposalResult(ProposalOutcome.PROPOSAL_NOT_FOUND, account=account)
            if signer not in row.signer_snapshot:
                return ProposalResult(
                    ProposalOutcome.NOT_A_SIGNER, await self._read(conn, *scope.values()), account
                )
            # The proposal row is locked, so approvals of one proposal run one after the other and this
            # read is still true at the insert (whose constraint would refuse a second row anyway).
            if (await conn.execute(HAS_SIGNED, {**scope, "signer": signer})).first() is not None:
                return ProposalResult(
                    ProposalOutcome.ALREADY_SIGNED, await self._read(conn, *scope.values()), account
                )
            if account.paused_at is not None:
                return ProposalResult(ProposalOutcome.ACCOUNT_PAUSED, account=account)
            await conn.execute(INSERT_SIGNATURE, {**scope, "signer": signer, "signature": signature})
            return ProposalResult(ProposalOutcome.APPROVED, await self._read(conn, *scope.values()), account)

    async def cancel(
        self, account_id: str, proposal_id: str, requester: str, nonces: Nonces
    ) -> ProposalResult:
        scope = {"account_id": account_id, "proposal_id": proposal_id}
        async with self._transaction() as conn:
            account, row = await self._locked(conn, account_id, proposal_id, nonces)
            if account is None:
                return ProposalResult(ProposalOutcome.ACCOUNT_NOT_FOUND)
            if row is None:
                return ProposalResult(ProposalOutcome.PROPOSAL_NOT_FOUND, account=account)
            if row.proposer != requester:
                return ProposalResult(ProposalOutcome.NOT_PROPOSER, account=account)
            if account.paused_at is not None:
                return ProposalResult(ProposalOutcome.ACCOUNT_PAUSED, account=account)
            await conn.execute(DELETE_PROPOSAL, scope)
        return ProposalResult(ProposalOutcome.CANCELLED, account=account)

    async def sweep_expired(self) -> int:
        async with self._transaction() as conn:
            return int((await conn.execute(SWEEP_EXPIRED, {"batch": SWEEP_BATCH})).rowcount)
