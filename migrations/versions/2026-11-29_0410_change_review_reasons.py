"""Change feed: the review reasons a change newly set on a claim (for ``claim.needs_review``).

Revision ID: c7e2a4f81d05
Revises: 6e7ffd93b86f
Create Date: 2026-11-29 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c7e2a4f81d05"
down_revision: str | Sequence[str] | None = "6e7ffd93b86f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "changes",
        sa.Column(
            "review_reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("review_reasons")
