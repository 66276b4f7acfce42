"""Claim embeddings: one vector per claim text (statement, each alias, summary) and model.

Existing claims get their vectors from `citedb reindex`; until then search ranks them by
words alone.

Revision ID: 7a5c3e1b9d20
Revises: cc4aba1775cb
Create Date: 2026-11-29 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a5c3e1b9d20"
down_revision: str | Sequence[str] | None = "cc4aba1775cb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "claim_embeddings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_embeddings_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_embeddings")),
        sa.UniqueConstraint(
            "claim_id", "position", name=op.f("uq_claim_embeddings_claim_id_position")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_claim_embeddings_generation"), "claim_embeddings", ["generation"]
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_claim_embeddings_generation"), table_name="claim_embeddings")
    op.drop_table("claim_embeddings")
