"""BibTeX keys stored: ``studies.bibtex_key``, unique, given to every existing study.

Existing studies get their keys in id order, as ``app.studies.citation_keys`` gives them to new
ones: the first author's family name (else a title word) and the year, with the first free
letter where that key is taken. SQLite adds the column with ``ALTER TABLE ... ADD COLUMN``,
which needs a default for NOT NULL (the empty string, never left in a row: the app always
assigns a key); a batch rebuild of ``studies`` would drop its content-generation triggers.

Revision ID: cc4aba1775cb
Revises: c7e2a4f81d05
Create Date: 2026-11-29 04:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.studies.citation_keys import first_free, key_stem

revision: str = "cc4aba1775cb"
down_revision: str | Sequence[str] | None = "c7e2a4f81d05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STUDIES = sa.table(
    "studies",
    sa.column("id", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("year", sa.Integer),
    sa.column("bibtex_key", sa.String),
)
AUTHORS = sa.table(
    "study_authors",
    sa.column("study_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("family", sa.Text),
)


def _backfill() -> None:
    """Give every study its key, in id order."""
    bind = op.get_bind()
    first_author = sa.and_(AUTHORS.c.study_id == STUDIES.c.id, AUTHORS.c.position == 0)
    rows = bind.execute(
        sa.select(STUDIES.c.id, STUDIES.c.title, STUDIES.c.year, AUTHORS.c.family)
        .select_from(STUDIES.outerjoin(AUTHORS, first_author))
        .order_by(STUDIES.c.id)
    ).all()
    taken: set[str] = set()
    keys = []
    for row in rows:
        key = first_free(key_stem(family=row.family, title=row.title, year=row.year), taken)
        taken.add(key)
        keys.append({"row_id": row.id, "key": key})
    if keys:
        bind.execute(
            STUDIES.update()
            .where(STUDIES.c.id == sa.bindparam("row_id"))
            .values(bibtex_key=sa.bindparam("key")),
            keys,
        )


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE studies ADD COLUMN bibtex_key VARCHAR(64) NOT NULL DEFAULT ''")
        _backfill()
    else:
        op.add_column("studies", sa.Column("bibtex_key", sa.String(length=64), nullable=True))
        _backfill()
        op.alter_column("studies", "bibtex_key", nullable=False)
    op.create_index("ix_studies_bibtex_key", "studies", ["bibtex_key"], unique=True)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_studies_bibtex_key", table_name="studies")
    op.drop_column("studies", "bibtex_key")
