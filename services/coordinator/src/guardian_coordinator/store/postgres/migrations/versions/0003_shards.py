"""Sharded canonicalization: each account's shard key, the shard-filtered pending index, canonicalizer members.

shard_key is guardian_common.shards.shard_key (the first 4 bytes of SHA-256 over the raw account id, as
an unsigned big-endian integer), so `shard_key % count = index` selects the accounts of one shard without
hashing at read time. Shard leases are ordinary worker_leases rows named
"canonicalization/shard-<index>-of-<count>".

Revision ID: 0003_shards
Revises: 0002_custody
Create Date: 2026-12-05
"""

from alembic import op

revision = "0003_shards"
down_revision = "0002_custody"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE account_metadata ADD COLUMN shard_key BIGINT NOT NULL
            GENERATED ALWAYS AS (
                ('x' || substr(encode(sha256(decode(substr(account_id, 3), 'hex')), 'hex'), 1, 8))
                    ::bit(32)::bigint
            ) STORED;
        -- the pending accounts of one shard, read index-only: account_id order with the key alongside
        DROP INDEX account_metadata_pending;
        CREATE INDEX account_metadata_pending ON account_metadata (account_id) INCLUDE (shard_key)
            WHERE has_pending_candidate;

        CREATE TABLE canonicalizer_members (
            replica_id TEXT PRIMARY KEY,
            shard_count INTEGER NOT NULL CHECK (shard_count BETWEEN 1 AND 4096),
            joined_at TIMESTAMPTZ NOT NULL,
            heartbeat_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL
        );
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE canonicalizer_members;
        DROP INDEX account_metadata_pending;
        ALTER TABLE account_metadata DROP COLUMN shard_key;
        CREATE INDEX account_metadata_pending ON account_metadata (account_id) WHERE has_pending_candidate;
        """
    )
