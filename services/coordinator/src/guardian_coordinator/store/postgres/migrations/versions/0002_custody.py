"""Custody tables of the json network type: accounts, states, deltas, replay floors, pause audit.

Revision ID: 0002_custody
Revises: 0001_coordination
Create Date: 2026-12-04
"""

from alembic import op

revision = "0002_custody"
down_revision = "0001_coordination"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE account_metadata (
            account_id TEXT PRIMARY KEY,
            auth JSONB NOT NULL,
            network_config JSONB NOT NULL DEFAULT '{}'::jsonb,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            has_pending_candidate BOOLEAN NOT NULL DEFAULT false,
            paused_at TIMESTAMPTZ NULL,
            paused_reason TEXT NULL,
            released_at TIMESTAMPTZ NULL
        );
        -- the worker's list of accounts holding a candidate
        CREATE INDEX account_metadata_pending ON account_metadata (account_id) WHERE has_pending_candidate;
        -- the dashboard account list, (updated_at DESC, account_id ASC), all or paused only
        CREATE INDEX account_metadata_updated ON account_metadata (updated_at DESC, account_id ASC);
        CREATE INDEX account_metadata_paused ON account_metadata (updated_at DESC, account_id ASC)
            WHERE paused_at IS NOT NULL;
        CREATE INDEX account_metadata_released ON account_metadata (released_at)
            WHERE released_at IS NOT NULL;

        CREATE TABLE states (
            account_id TEXT PRIMARY KEY,
            state_json JSONB NOT NULL,
            commitment TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        );

        CREATE TABLE deltas (
            id BIGSERIAL PRIMARY KEY,
            account_id TEXT NOT NULL,
            nonce BIGINT NOT NULL CHECK (nonce >= 0),
            prev_commitment TEXT NOT NULL,
            new_commitment TEXT NULL,
            delta_payload JSONB NOT NULL,
            payload_bytes INTEGER NOT NULL,
            ack_sig TEXT NULL,
            status JSONB NOT NULL,
            status_kind TEXT NOT NULL
                CHECK (status_kind IN ('candidate', 'canonical', 'retained', 'discarded')),
            status_timestamp TIMESTAMPTZ NOT NULL,
            metadata JSONB NULL,
            CONSTRAINT deltas_account_nonce UNIQUE (account_id, nonce)
        );
        -- the cross-account feed, one range per kind: (status_timestamp DESC, account_id, nonce)
        CREATE INDEX deltas_feed ON deltas (status_kind, status_timestamp DESC, account_id, nonce);
        -- candidates: per account (one-candidate check, flag clear) and recent ones across accounts
        CREATE INDEX deltas_candidates ON deltas (account_id, nonce) WHERE status_kind = 'candidate';
        CREATE INDEX deltas_recent_candidates ON deltas (status_timestamp, account_id, nonce)
            WHERE status_kind = 'candidate';
        -- recoverable rows for the reconcile pass
        CREATE INDEX deltas_recoverable ON deltas (account_id, nonce)
            WHERE status_kind = 'retained'
               OR (status_kind = 'discarded' AND (status->>'reason') = 'client_abandoned');

        CREATE TABLE account_auth_state (
            account_id TEXT NOT NULL REFERENCES account_metadata (account_id) ON DELETE CASCADE,
            signer_commitment TEXT NOT NULL,
            last_auth_timestamp BIGINT NOT NULL,
            PRIMARY KEY (account_id, signer_commitment)
        );

        CREATE TABLE admin_actions (
            id BIGSERIAL PRIMARY KEY,
            account_id TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('accounts.pause', 'accounts.unpause')),
            operator_commitment TEXT NOT NULL,
            reason TEXT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            before_state TEXT NOT NULL CHECK (before_state IN ('active', 'paused')),
            after_state TEXT NOT NULL CHECK (after_state IN ('active', 'paused'))
        );
        CREATE INDEX admin_actions_account ON admin_actions (account_id, id DESC);
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE admin_actions; DROP TABLE account_auth_state; DROP TABLE deltas; DROP TABLE states; "
        "DROP TABLE account_metadata;"
    )
