"""Multisig delta proposals of the json network (docs/proposals.md).

A proposal is keyed by (account_id, commitment); its signatures are rows of their own, one per
(proposal, signer) by a unique constraint, so concurrent signatures by different cosigners are all
recorded and the same cosigner can never sign twice. `status_kind` is pending until a push carries
exactly the proposal's delta (finalized). Whether a pending proposal is superseded is not stored: it is
`prev_commitment <> states.commitment`, read with the state. The partial indexes serve the cap count and
the two dashboard orders over pending rows only.

Revision ID: 0005_proposals
Revises: 0004_evm
Create Date: 2026-12-04
"""

from alembic import op

revision = "0005_proposals"
down_revision = "0004_evm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE delta_proposals (
            account_id TEXT NOT NULL REFERENCES account_metadata (account_id) ON DELETE CASCADE,
            commitment TEXT NOT NULL,
            nonce BIGINT NOT NULL CHECK (nonce >= 0),
            prev_commitment TEXT NOT NULL,
            new_commitment TEXT NOT NULL,
            delta_payload JSONB NOT NULL,
            proposer_id TEXT NOT NULL,
            signatures_required INTEGER NOT NULL CHECK (signatures_required >= 0),
            status_kind TEXT NOT NULL CHECK (status_kind IN ('pending', 'finalized')),
            created_at TIMESTAMPTZ NOT NULL,
            finalized_at TIMESTAMPTZ,
            PRIMARY KEY (account_id, commitment)
        );
        CREATE INDEX delta_proposals_account_pending
            ON delta_proposals (account_id, nonce DESC, commitment DESC) WHERE status_kind = 'pending';
        CREATE INDEX delta_proposals_base_pending
            ON delta_proposals (account_id, prev_commitment) WHERE status_kind = 'pending';
        CREATE INDEX delta_proposals_feed
            ON delta_proposals (created_at DESC, account_id, nonce, commitment) WHERE status_kind = 'pending';

        CREATE TABLE delta_proposal_signatures (
            seq BIGSERIAL PRIMARY KEY,
            account_id TEXT NOT NULL,
            commitment TEXT NOT NULL,
            signer_id TEXT NOT NULL,
            signature TEXT NOT NULL,
            timestamp_ms BIGINT NOT NULL,
            signed_at TIMESTAMPTZ NOT NULL,
            FOREIGN KEY (account_id, commitment) REFERENCES delta_proposals (account_id, commitment)
                ON DELETE CASCADE,
            CONSTRAINT delta_proposal_signatures_one_per_signer UNIQUE (account_id, commitment, signer_id)
        );
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE delta_proposal_signatures;
        DROP TABLE delta_proposals;
        """
    )
