"""Title keys folded by transliteration: "Ørsted" keys as "orsted", no longer "rsted".

``studies.title_key`` is recomputed for every study with the folding of ``app.folding``
(anyascii), written out here so that this revision keeps meaning what it meant when it ran.
Downgrade recomputes the keys with the earlier Unicode-decomposition folding.

Revision ID: 6e7ffd93b86f
Revises: 9b4d6e1f3a27
Create Date: 2026-11-29 04:00:00
"""

import re
import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from anyascii import anyascii

revision: str = "6e7ffd93b86f"
down_revision: str | Sequence[str] | None = "9b4d6e1f3a27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
STUDIES = sa.table(
    "studies", sa.column("id", sa.Integer), sa.column("title", sa.Text), sa.column("title_key")
)
BATCH = 1000


def _transliterated(title: str) -> str:
    return NOT_ALPHANUMERIC.sub(" ", anyascii(title).lower()).strip()


def _decomposed(title: str) -> str:
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return NOT_ALPHANUMERIC.sub(" ", folded.lower()).strip()


def _recompute(key: Callable[[str], str]) -> None:
    """Write every study's title key as ``key`` makes it, a batch of ids at a time."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(STUDIES.c.id, STUDIES.c.title, STUDIES.c.title_key)
            .where(STUDIES.c.id > last)
            .order_by(STUDIES.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        changed = [
            {"row_id": row.id, "key": key(row.title)}
            for row in rows
            if key(row.title) != row.title_key
        ]
        if changed:
            bind.execute(
                STUDIES.update()
                .where(STUDIES.c.id == sa.bindparam("row_id"))
                .values(title_key=sa.bindparam("key")),
                changed,
            )
        last = rows[-1].id


def upgrade() -> None:
    """Apply this revision."""
    _recompute(_transliterated)


def downgrade() -> None:
    """Revert this revision."""
    _recompute(_decomposed)
