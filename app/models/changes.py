"""The change feed: one row for every change to published content, numbered in commit order."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, JSONDocument


class Change(Base):
    """A change to one entity, numbered by ``seq`` in the order readers see commits.

    The row points at the audit row of the same write, which holds who made it and the
    entity's state before and after; the feed itself stays narrow, and is pruned after the
    retention period while the audit log is kept. A change made to a claim through its
    evidence or studies (its review flagged, its document renewed) has no audit row of its own;
    ``review_reasons`` lists the review reasons it newly set, if any.
    """

    __tablename__ = "changes"

    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column()
    entity: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(16))
    version: Mapped[int | None] = mapped_column()
    audit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audit_log.id", ondelete="SET NULL"))
    review_reasons: Mapped[list[Any] | None] = mapped_column(JSONDocument)

    __table_args__ = (sa.Index("ix_changes_audit_id", "audit_id"),)


class ChangeCounter(Base):
    """A single row: the last ``seq`` given out, and the last one the retention removed.

    A committing writer takes its numbers by updating this row as the last statement of its
    transaction; on PostgreSQL the row lock then orders the numbers as the commits, so a reader
    never sees a number before every smaller one is visible.
    """

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    pruned_through: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)
