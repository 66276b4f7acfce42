"""The vectors of claim texts: one row per text (statement, each alias, summary)."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ClaimEmbedding(Base):
    """The embedding of one text of a claim, by one model.

    ``text_hash`` and ``model`` tell when a vector is stale (the text or the model changed).
    ``generation`` is the content generation of the transaction that wrote the row, so that a
    process keeping vectors in memory loads only the rows written since it last looked.
    """

    __tablename__ = "claim_embeddings"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"))
    # 0: the statement; 1..n: the aliases in order; -1: the summary.
    position: Mapped[int] = mapped_column()
    model: Mapped[str] = mapped_column(sa.String(200))
    text_hash: Mapped[str] = mapped_column(sa.String(64))
    generation: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    # float32, little-endian, ``dimensions`` values.
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)

    __table_args__ = (
        sa.UniqueConstraint("claim_id", "position"),
        {"sqlite_autoincrement": True},
    )
