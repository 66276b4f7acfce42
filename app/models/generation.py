"""The content generation: one number that every change to published content increases."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ContentGeneration(Base):
    """A single row whose ``value`` triggers in the database bump on every content write.

    API processes keep rendered claim documents keyed by this number, so a write made through
    any process (or straight into the database) retires every kept document.

    ``removals`` counts statements that remove claims outright (a soft delete is an update):
    processes keeping claim vectors in memory catch up on the rows written since they looked,
    and start again only when this number moved.
    """

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    removals: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)
