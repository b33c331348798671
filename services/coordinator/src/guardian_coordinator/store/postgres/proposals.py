"""Delta proposals on Postgres (docs/proposals.md): one transaction per write, the account row locked first
(`FOR UPDATE`, as every custody write), so a proposal's creation, its signatures and the pushes of its
account run one after another and see each other's commits. A signature is an INSERT guarded by the
(account, commitment, signer) unique constraint: the same signer twice finds the conflict, different
signers each insert their row. `FINALIZE` runs inside SubmitCandidate's transaction (store/postgres/custody.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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
from guardian_coordinator.store.postgres.custody_reads import GET_ACCOUNT, to_account
from guardian_coordinator.store.postgres.engine import store_errors

# The account locked, with what a proposal write decides on: its state commitment, whether it holds a
# candidate, and how many cosigners its auth lists (the auth object has exactly one key).
LOCK_ACCOUNT = text(
    """
    SELECT m.paused_at, m.released_at,
           (SELECT commitment FROM states s WHERE s.account_id = m.account_id) AS state_commitment,
           EXISTS (SELECT 1 FROM deltas d WHERE d.account_id = m.account_id AND d.status_kind = 'candidate')
               AS has_candidate,
           COALESCE((SELECT jsonb_array_length(v->'cosigner_commitments') FROM jsonb_each(m.auth) AS e(k, v)
                     WHERE jsonb_typeof(v->'cosigner_commitments') = 'array' LIMIT 1), 0) AS cosigners
    FROM account_metadata m WHERE m.account_id = :account_id FOR UPDATE OF m
    """
)
LOCK_PROPOSAL = text(
    "SELECT status_kind FROM delta_proposals WHERE account_id = :account_id AND commitment = :commitment "
    "FOR UPDATE"
)
DELETE_PROPOSAL = text(
    "DELETE FROM delta_proposals WHERE account_id = :account_id AND commitment = :commitment"
)
COUNT_VIABLE = text(
    """
    SELECT count(*) FROM delta_proposals
    WHERE account_id = :account_id AND status_kind = 'pending' AND prev_commitment = :state_commitment
    """
)
INSERT_PROPOSAL = text(
    """
    INSERT INTO delta_proposals (account_id, commitment, nonce, prev_commitment, new_commitment, delta_payload,
                                 proposer_id, signatures_required, status_kind, created_at)
    VALUES (:account_id, :commitment, :nonce, :prev_commitment, :new_commitment, CAST(:payload AS jsonb),
            :proposer_id, :signatures_required, 'pending', clock_timestamp())
    """
)
INSERT_SIGNATURE = text(
    """
    INSERT INTO delta_proposal_signatures (account_id, commitment, signer_id, signature, timestamp_ms, signed_at)
    VALUES (:account_id, :commitment, :signer_id, :signature, :timestamp_ms, clock_timestamp())
    ON CONFLICT ON CONSTRAINT delta_proposal_signatures_one_per_signer DO NOTHING
    RETURNING seq
    """
)
# A push that carries exactly a pending proposal's delta finalizes it (jsonb equality: the same JSON value
# whatever its key order or spacing).
# A clause of SubmitCandidate's insert statement (store/postgres/custody.py), which adds the condition that the
# candidate was inserted.
FINALIZE = """
    UPDATE delta_proposals SET status_kind = 'finalized', finalized_at = clock_timestamp()
    WHERE account_id = :account_id AND nonce = :nonce AND prev_commitment = :prev_commitment
      AND status_kind = 'pending' AND delta_payload = CAST(:payload AS jsonb)
"""


def _select(payload: bool) -> str:
    payload_column = "p.delta_payload::text" if payload else "''"
    return f"""
    SELECT p.account_id, p.commitment, p.nonce, p.prev_commitment, p.new_commitment,
           {payload_column} AS payload, p.proposer_id,
           COALESCE((SELECT json_agg(json_build_array(g.signer_id, g.signature, g.timestamp_ms,
                                                      (extract(epoch FROM g.signed_at) * 1000000)::bigint)
                                     ORDER BY g.seq)
                     FROM delta_proposal_signatures g
                     WHERE g.account_id = p.account_id AND g.commitment = p.commitment), '[]')::text AS signatures,
           p.signatures_required, p.created_at, p.status_kind, p.finalized_at,
           p.prev_commitment IS DISTINCT FROM (SELECT commitment FROM states s WHERE s.account_id = p.account_id)
               AS superseded
    FROM delta_proposals p
    """


GET_PROPOSAL = text(_select(True) + " WHERE p.account_id = :account_id AND p.commitment = :commitment")
ACCOUNT_ORDER = "ORDER BY p.nonce DESC, p.commitment DESC"
ACCOUNT_PAGE = """
    SELECT * FROM (
        SELECT q.*, sum(octet_length(q.payload)) OVER (ORDER BY q.nonce DESC, q.commitment DESC ROWS UNBOUNDED PRECEDING) - octet_length(q.payload)
                   AS bytes_before,
               count(*) OVER () AS fetched
        FROM ({select} WHERE p.account_id = :account_id AND p.status_kind = 'pending' {after}
              {order} LIMIT :fetch) q
    ) r WHERE r.bytes_before < :budget OR r.bytes_before = 0
    ORDER BY r.nonce DESC, r.commitment DESC
"""
ACCOUNT_FIRST = text(ACCOUNT_PAGE.format(select=_select(True), after="", order=ACCOUNT_ORDER))
ACCOUNT_NEXT = text(
    ACCOUNT_PAGE.format(
        select=_select(True), after="AND (p.nonce, p.commitment) < (:nonce, :commitment)", order=ACCOUNT_ORDER
    )
)
ACCOUNT_FIRST_BARE = text(
    _select(False)
    + f" WHERE p.account_id = :account_id AND p.status_kind = 'pending' {ACCOUNT_ORDER} LIMIT :fetch"
)
ACCOUNT_NEXT_BARE = text(
    _select(False)
    + " WHERE p.account_id = :account_id AND p.status_kind = 'pending'"
    + f" AND (p.nonce, p.commitment) < (:nonce, :commitment) {ACCOUNT_ORDER} LIMIT :fetch"
)
COUNT_PENDING = text(
    """
    SELECT count(*) FILTER (WHERE p.prev_commitment = s.commitment),
           count(*) FILTER (WHERE p.prev_commitment IS DISTINCT FROM s.commitment)
    FROM delta_proposals p LEFT JOIN states s USING (account_id)
    WHERE p.status_kind = 'pending'
    """
)
FEED_ORDER = "ORDER BY p.created_at DESC, p.account_id, p.nonce, p.commitment"
FEED_FIRST = text(_select(False) + f" WHERE p.status_kind = 'pending' {FEED_ORDER} LIMIT :fetch")
FEED_NEXT = text(
    _select(False)
    + """ WHERE p.status_kind = 'pending'
          AND (p.created_at < :created_at OR (p.created_at = :created_at
               AND (p.account_id, p.nonce, p.commitment) > (:account_id, :nonce, :commitment)))"""
    + f" {FEED_ORDER} LIMIT :fetch"
)


def _micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


def to_proposal(row: Any) -> Proposal:
    m = row._mapping
    if m["status_kind"] == "finalized":
        state = ProposalState.FINALIZED
    else:
        state = ProposalState.SUPERSEDED if m["superseded"] else ProposalState.PENDING
    return Proposal(
        account_id=m["account_id"],
        commitment=m["commitment"],
        nonce=m["nonce"],
        prev_commitment=m["prev_commitment"],
        new_commitment=m["new_commitment"],
        delta_payload_json=m["payload"],
        proposer_id=m["proposer_id"],
        signatures=tuple(
            ProposalSignature(s[0], s[1], s[2], _micros(s[3])) for s in json.loads(m["signatures"])
        ),
        signatures_required=m["signatures_required"],
        created_at=m["created_at"],
        state=state,
        finalized_at=m["finalized_at"],
    )


def _page(rows: Sequence[Any], limit: int, fetched: int) -> ProposalPage:
    """`rows` is what survived the payload budget out of `fetched` rows (at most limit + 1)."""
    proposals = [to_proposal(row) for row in rows[:limit]]
    return ProposalPage(proposals, fetched > len(proposals))


class PostgresProposalStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        async with store_errors(), self._engine.begin() as conn:
            yield conn

    async def _read(self, conn: AsyncConnection, account_id: str, commitment: str) -> Proposal:
        scope = {"account_id": account_id, "commitment": commitment}
        return to_proposal((await conn.execute(GET_PROPOSAL, scope)).one())

    async def _inactive(self, conn: AsyncConnection, account_id: str, account: Any) -> ProposalResult | None:
        if account.released_at is None and account.paused_at is None:
            return None
        outcome = ProposalOutcome.RELEASED if account.released_at is not None else ProposalOutcome.PAUSED
        row = (await conn.execute(GET_ACCOUNT, {"account_id": account_id})).one()
        return ProposalResult(outcome, account=to_account(row))

    async def create(self, proposal: NewProposal, max_pending: int) -> ProposalResult:
        scope = {"account_id": proposal.account_id, "commitment": proposal.commitment}
        async with self._transaction() as conn:
            account = (await conn.execute(LOCK_ACCOUNT, scope)).first()
            if account is None or account.state_commitment is None:
                return ProposalResult(ProposalOutcome.ACCOUNT_NOT_FOUND)
            refusal = await self._inactive(conn, proposal.account_id, account)
            if refusal is not None:
                return refusal
            existing = (await conn.execute(LOCK_PROPOSAL, scope)).first()
            if existing is not None and existing.status_kind == "pending":
                return ProposalResult(
                    ProposalOutcome.EXISTING, await self._read(conn, proposal.account_id, proposal.commitment)
                )
            if account.has_candidate:
                return ProposalResult(ProposalOutcome.CONFLICT)
            if account.state_commitment != proposal.prev_commitment:
                return ProposalResult(
                    ProposalOutcome.COMMITMENT_MISMATCH, expected_commitment=account.state_commitment
                )
            viable = (
                await conn.execute(COUNT_VIABLE, {**scope, "state_commitment": account.state_commitment})
            ).scalar_one()
            if viable >= max_pending:
                return ProposalResult(ProposalOutcome.LIMIT_REACHED)
            if existing is not None:  # finalized, its push abandoned: proposed afresh
                await conn.execute(DELETE_PROPOSAL, scope)
            await conn.execute(
                INSERT_PROPOSAL,
                {
                    **scope,
                    "nonce": proposal.nonce,
                    "prev_commitment": proposal.prev_commitment,
                    "new_commitment": proposal.new_commitment,
                    "payload": proposal.delta_payload_json,
                    "proposer_id": proposal.proposer_id,
                    "signatures_required": account.cosigners,
                },
            )
            created = await self._read(conn, proposal.account_id, proposal.commitment)
        return ProposalResult(ProposalOutcome.CREATED, created)

    async def sign(self, signature: NewSignature) -> ProposalResult:
        scope = {"account_id": signature.account_id, "commitment": signature.commitment}
        async with self._transaction() as conn:
            account = (await conn.execute(LOCK_ACCOUNT, scope)).first()
            if account is None:
                return ProposalResult(ProposalOutcome.ACCOUNT_NOT_FOUND)
            refusal = await self._inactive(conn, signature.account_id, account)
            if refusal is not None:
                return refusal
            row = (await conn.execute(LOCK_PROPOSAL, scope)).first()
            if row is None or row.status_kind != "pending":
                return ProposalResult(ProposalOutcome.NOT_FOUND)
            inserted = (
                await conn.execute(
                    INSERT_SIGNATURE,
                    {
                        **scope,
                        "signer_id": signature.signer_id,
                        "signature": signature.signature,
                        "timestamp_ms": signature.timestamp_ms,
                    },
                )
            ).first()
            outcome = ProposalOutcome.SIGNED if inserted is not None else ProposalOutcome.ALREADY_SIGNED
            return ProposalResult(outcome, await self._read(conn, signature.account_id, signature.commitment))

    async def get(self, account_id: str, commitment: str) -> Proposal | None:
        async with self._transaction() as conn:
            row = (
                await conn.execute(GET_PROPOSAL, {"account_id": account_id, "commitment": commitment})
            ).first()
        return None if row is None else to_proposal(row)

    async def list_account(
        self, account_id: str, before: ProposalKey | None, limit: int, include_payloads: bool
    ) -> ProposalPage:
        params: dict[str, Any] = {"account_id": account_id, "fetch": limit + 1, "budget": PAYLOAD_PAGE_BUDGET}
        if before is not None:
            params.update(nonce=before.nonce, commitment=before.commitment)
        if include_payloads:
            statement = ACCOUNT_FIRST if before is None else ACCOUNT_NEXT
        else:
            statement = ACCOUNT_FIRST_BARE if before is None else ACCOUNT_NEXT_BARE
        async with self._transaction() as conn:
            rows = (await conn.execute(statement, params)).all()
        # With payloads, rows past the budget were left out; `fetched` counts them (a page ends there).
        fetched = rows[0].fetched if include_payloads and rows else len(rows)
        return _page(rows, limit, fetched)

    async def list_all(self, after: ProposalFeedKey | None, limit: int) -> ProposalPage:
        params: dict[str, Any] = {"fetch": limit + 1}
        if after is not None:
            params.update(
                created_at=after.created_at,
                account_id=after.account_id,
                nonce=after.nonce,
                commitment=after.commitment,
            )
        async with self._transaction() as conn:
            rows = (await conn.execute(FEED_FIRST if after is None else FEED_NEXT, params)).all()
        return _page(rows, limit, len(rows))

    async def count_pending(self) -> tuple[int, int]:
        async with self._transaction() as conn:
            viable, superseded = (await conn.execute(COUNT_PENDING)).one()
        return int(viable), int(superseded)
