"""Content generation: a counter that triggers bump on every write to published content.

Revision ID: 3c1d2e4f5a6b
Revises: f86f9a70e72f
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c1d2e4f5a6b"
down_revision: str | Sequence[str] | None = "f86f9a70e72f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose rows appear in a claim's document (or a topic's, or a study's).
CONTENT_TABLES = (
    "claims",
    "claim_aliases",
    "claim_topics",
    "topics",
    "studies",
    "study_authors",
    "evidence",
    "verdicts",
)
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP = "UPDATE content_generation SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "content_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_content_generation_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_generation")),
    )
    op.execute("INSERT INTO content_generation (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name == "sqlite":
        for table in CONTENT_TABLES:
            for event in EVENTS:
                op.execute(
                    f"CREATE TRIGGER content_generation_{table}_{event.lower()} "
                    f"AFTER {event} ON {table} BEGIN {BUMP}; END"
                )
        return
    # PostgreSQL: one bump a statement, not a row.
    op.execute(
        f"""CREATE FUNCTION content_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {BUMP};
            RETURN NULL;
        END
        $$"""
    )
    for table in CONTENT_TABLES:
        op.execute(
            f"CREATE TRIGGER content_generation_{table} "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION content_generation_bump()"
        )


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "sqlite":
        for table in CONTENT_TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER content_generation_{table}_{event.lower()}")
    else:
        for table in CONTENT_TABLES:
            op.execute(f"DROP TRIGGER content_generation_{table} ON {table}")
        op.execute("DROP FUNCTION content_generation_bump()")
    op.drop_table("content_generation")
