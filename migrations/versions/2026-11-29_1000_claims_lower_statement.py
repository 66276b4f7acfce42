"""Index claims by their statement in lower case.

A create (and a change of statement) looks for a live claim with the same statement in any
case, ``lower(statement) = :statement``; without this index that was a scan of every claim,
most of a create's time at 100,000 claims.

Revision ID: 9b4d6f8a1c3e
Revises: 5e7a9c1b2d30
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b4d6f8a1c3e"
down_revision: str | Sequence[str] | None = "5e7a9c1b2d30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_claims_lower_statement", "claims", [sa.text("lower(statement)")], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_claims_lower_statement", table_name="claims")
