"""Drop the index on claims.deleted_at.

Nearly every claim has deleted_at NULL, so the index selects nothing, and SQLite's planner
preferred it for `deleted_at IS NULL ORDER BY updated_at` over the (updated_at, id) index,
sorting every claim to answer one page of the list.

Revision ID: 7e2a9b3c4d5f
Revises: 3c1d2e4f5a6b
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7e2a9b3c4d5f"
down_revision: str | Sequence[str] | None = "3c1d2e4f5a6b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.drop_index("ix_claims_deleted_at", table_name="claims")


def downgrade() -> None:
    """Revert this revision."""
    op.create_index("ix_claims_deleted_at", "claims", ["deleted_at"], unique=False)
