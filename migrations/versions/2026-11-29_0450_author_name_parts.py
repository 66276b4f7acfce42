"""Author name parts: particles, suffix and literal names kept in ``study_authors``.

Columns are added with ``ALTER TABLE ... ADD COLUMN`` on both databases (a batch rebuild on
SQLite would drop the table's content-generation triggers). Existing authors keep their names
in ``family`` and ``given``, ``literal`` false, except a suffix the importers used to append to
the given names ("John, Jr."), which moves to ``suffix``; downgrade appends it again.

Revision ID: 35ad4ed6f2a8
Revises: 7a5c3e1b9d20
Create Date: 2026-11-29 04:50:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "35ad4ed6f2a8"
down_revision: str | Sequence[str] | None = "7a5c3e1b9d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_COLUMNS = ("non_dropping_particle", "dropping_particle", "suffix")
AUTHORS = sa.table(
    "study_authors",
    sa.column("id", sa.Integer),
    sa.column("given", sa.Text),
    sa.column("suffix", sa.Text),
)
APPENDED_SUFFIX = re.compile(r"^(.*?),\s*(jr\.?|sr\.?|ii|iii|iv)$", re.IGNORECASE)


def _split_suffixes() -> None:
    """Move a suffix appended to the given names ("John, Jr.") to its own column."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(AUTHORS.c.id, AUTHORS.c.given).where(AUTHORS.c.given.like("%,%"))
    ).all()
    split = [
        {"row_id": row.id, "given": match.group(1).strip() or None, "suffix": match.group(2)}
        for row in rows
        if (match := APPENDED_SUFFIX.match(row.given))
    ]
    if split:
        bind.execute(
            AUTHORS.update()
            .where(AUTHORS.c.id == sa.bindparam("row_id"))
            .values(given=sa.bindparam("given"), suffix=sa.bindparam("suffix")),
            split,
        )


def upgrade() -> None:
    """Apply this revision."""
    for name in TEXT_COLUMNS:
        op.add_column("study_authors", sa.Column(name, sa.Text(), nullable=True))
    op.add_column(
        "study_authors",
        sa.Column("literal", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    _split_suffixes()


def downgrade() -> None:
    """Revert this revision."""
    given_and_suffix = sa.case(
        (AUTHORS.c.given.is_(None), AUTHORS.c.suffix),
        else_=AUTHORS.c.given + ", " + AUTHORS.c.suffix,
    )
    op.get_bind().execute(
        AUTHORS.update().where(AUTHORS.c.suffix.is_not(None)).values(given=given_and_suffix)
    )
    for name in ("literal", *reversed(TEXT_COLUMNS)):
        op.drop_column("study_authors", name)
