"""Content generation: count the statements that remove claims outright.

Processes keeping claim vectors in memory read the rows written since they last looked; a
removed claim leaves no row to read, so they start again when this counter moves instead of
counting every vector row after each write.

Revision ID: 5e7a9c1b2d30
Revises: 06d8a2c683e8
Create Date: 2026-11-29 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e7a9c1b2d30"
down_revision: str | Sequence[str] | None = "06d8a2c683e8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE content_generation SET removals = removals + 1 WHERE id = 1"


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "content_generation",
        sa.Column("removals", sa.BigInteger(), server_default="0", nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER content_generation_claims_removal "
            f"AFTER DELETE ON claims BEGIN {BUMP}; END"
        )
        return
    op.execute(
        f"""CREATE FUNCTION content_generation_removal() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {BUMP};
            RETURN NULL;
        END
        $$"""
    )
    for table in ("claims", "claim_embeddings"):
        events = "DELETE OR TRUNCATE" if table == "claims" else "TRUNCATE"
        op.execute(
            f"CREATE TRIGGER content_generation_{table}_removal AFTER {events} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION content_generation_removal()"
        )


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER content_generation_claims_removal")
    else:
        for table in ("claims", "claim_embeddings"):
            op.execute(f"DROP TRIGGER content_generation_{table}_removal ON {table}")
        op.execute("DROP FUNCTION content_generation_removal()")
    op.drop_column("content_generation", "removals")
