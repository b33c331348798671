"""EVM smart accounts and their multisig proposals (docs/contracts/auth.md §3.7).

A proposal keeps the signer snapshot and threshold read from the chain when it was created; its
approvals are rows of their own, one per (proposal, signer) by a unique constraint, so concurrent
approvals by different signers are all recorded and the same signer can never sign twice. Nonces are
uint256 (NUMERIC(78,0)) so pruning against the EntryPoint nonce is a comparison in SQL. Deleting a
proposal deletes its approvals.

Revision ID: 0004_evm
Revises: 0003_shards
Create Date: 2026-12-03
"""

from alembic import op

revision = "0004_evm"
down_revision = "0003_shards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE evm_accounts (
            account_id TEXT PRIMARY KEY,
            chain_id NUMERIC(20, 0) NOT NULL CHECK (chain_id > 0),
            account_address TEXT NOT NULL,
            validator_address TEXT NOT NULL,
            signers TEXT[] NOT NULL CHECK (cardinality(signers) BETWEEN 1 AND 1024),
            threshold INTEGER NOT NULL CHECK (threshold BETWEEN 1 AND cardinality(signers)),
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            paused_at TIMESTAMPTZ,
            paused_reason TEXT
        );

        CREATE TABLE evm_proposals (
            proposal_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES evm_accounts (account_id) ON DELETE CASCADE,
            validator_address TEXT NOT NULL,
            user_op_hash TEXT NOT NULL,
            payload TEXT NOT NULL,
            nonce NUMERIC(78, 0) NOT NULL,
            nonce_key NUMERIC(78, 0) NOT NULL,
            proposer TEXT NOT NULL,
            signer_snapshot TEXT[] NOT NULL,
            threshold INTEGER NOT NULL CHECK (threshold BETWEEN 1 AND cardinality(signer_snapshot)),
            created_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX evm_proposals_account ON evm_proposals (account_id, created_at, proposal_id);
        CREATE INDEX evm_proposals_expiry ON evm_proposals (expires_at);

        CREATE TABLE evm_proposal_signatures (
            seq BIGSERIAL PRIMARY KEY,
            proposal_id TEXT NOT NULL REFERENCES evm_proposals (proposal_id) ON DELETE CASCADE,
            signer TEXT NOT NULL,
            signature TEXT NOT NULL,
            signed_at TIMESTAMPTZ NOT NULL,
            CONSTRAINT evm_proposal_signatures_one_per_signer UNIQUE (proposal_id, signer)
        );
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE evm_proposal_signatures;
        DROP TABLE evm_proposals;
        DROP TABLE evm_accounts;
        """
    )
