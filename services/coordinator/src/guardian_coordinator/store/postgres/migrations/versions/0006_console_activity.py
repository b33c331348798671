"""The console's activity charts, canonicalizer pass summaries and account search by id prefix.

- `deltas.submitted_at`: when the candidate was pushed (its first status time). A status change keeps it,
  so a canonical row knows its submission → promotion latency. Rows pushed before this revision have it
  only while they are still candidates (copied from their status time); older settled rows stay NULL and
  are left out of the latency chart. `deltas_submitted` serves the window read by submission time.
- `canonicalizer_members.last_passes`: each replica's latest pass of each kind, as its heartbeat reported
  it (a JSON array of {kind, outcome, finished_at, promoted, discarded, waiting, failed}).
- `account_metadata_id_prefix`: `account_id LIKE '0xab%'` can read an index (text_pattern_ops works under
  any database collation), so a selective prefix search does not walk the whole account list.

Revision ID: 0006_console_activity
Revises: 0005_proposals
Create Date: 2026-12-04
"""

from alembic import op

revision = "0006_console_activity"
down_revision = "0005_proposals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE deltas ADD COLUMN submitted_at TIMESTAMPTZ NULL;
        UPDATE deltas SET submitted_at = status_timestamp WHERE status_kind = 'candidate';
        CREATE INDEX deltas_submitted ON deltas (submitted_at) WHERE submitted_at IS NOT NULL;

        ALTER TABLE canonicalizer_members ADD COLUMN last_passes JSONB NOT NULL DEFAULT '[]'::jsonb;

        CREATE INDEX account_metadata_id_prefix ON account_metadata (account_id text_pattern_ops);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX account_metadata_id_prefix;
        ALTER TABLE canonicalizer_members DROP COLUMN last_passes;
        DROP INDEX deltas_submitted;
        ALTER TABLE deltas DROP COLUMN submitted_at;
        """
    )
