"""Content generation: the slugs and source tables bump it too, as every table public answers show.

Revision ID: 06d8a2c683e8
Revises: 35ad4ed6f2a8
Create Date: 2026-11-29 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "06d8a2c683e8"
down_revision: str | Sequence[str] | None = "35ad4ed6f2a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("claim_slugs", "sources", "source_appearances", "source_citations")
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP = "UPDATE content_generation SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for event in EVENTS:
                op.execute(
                    f"CREATE TRIGGER content_generation_{table}_{event.lower()} "
                    f"AFTER {event} ON {table} BEGIN {BUMP}; END"
                )
        return
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER content_generation_{table} "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION content_generation_bump()"
        )


def downgrade() -> None:
    """Revert this revision."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        if sqlite:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER content_generation_{table}_{event.lower()}")
        else:
            op.execute(f"DROP TRIGGER content_generation_{table} ON {table}")
