"""Topics, and the link that tags claims with them."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, same_as_created, utcnow


class Topic(Base):
    """A subject that groups claims, such as ``glute-function``."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=same_as_created)
    version: Mapped[int] = mapped_column(default=1)

    __table_args__ = (
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.Index("ix_topics_name_id", "name", "id"),
        {"sqlite_autoincrement": True},
    )


claim_topics = sa.Table(
    "claim_topics",
    Base.metadata,
    sa.Column("claim_id", sa.ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "topic_id", sa.ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)
