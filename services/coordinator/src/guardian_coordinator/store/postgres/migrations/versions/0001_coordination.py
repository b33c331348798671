"""Coordination tables: login sessions, one-time challenges, worker leases.

Revision ID: 0001_coordination
Revises:
Create Date: 2026-11-27
"""

from alembic import op

revision = "0001_coordination"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE auth_sessions (
            realm TEXT NOT NULL CHECK (realm IN ('operator', 'evm')),
            token_digest BYTEA NOT NULL CHECK (octet_length(token_digest) = 32),
            subject JSONB NOT NULL,
            issued_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL,
            revoked_at TIMESTAMPTZ NULL,
            PRIMARY KEY (realm, token_digest)
        );
        CREATE INDEX auth_sessions_expires_at ON auth_sessions (expires_at);
        CREATE INDEX auth_sessions_realm_expires_at ON auth_sessions (realm, expires_at);

        CREATE TABLE auth_challenges (
            realm TEXT NOT NULL CHECK (realm IN ('operator', 'evm')),
            challenge_key TEXT NOT NULL,
            principal TEXT NOT NULL,
            payload JSONB NOT NULL,
            issued_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL,
            consumed_at TIMESTAMPTZ NULL,
            PRIMARY KEY (realm, challenge_key)
        );
        CREATE INDEX auth_challenges_realm_principal ON auth_challenges (realm, principal);
        CREATE INDEX auth_challenges_expires_at ON auth_challenges (expires_at);

        CREATE TABLE worker_leases (
            lease_name TEXT PRIMARY KEY,
            holder_id TEXT NOT NULL,
            acquired_at TIMESTAMPTZ NOT NULL,
            renewed_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL,
            fence_token BIGINT NOT NULL DEFAULT 0
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE worker_leases; DROP TABLE auth_challenges; DROP TABLE auth_sessions;")
