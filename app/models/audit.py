"""The audit log: one row for every write."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, JSONDocument, utcnow


class AuditEntry(Base):
    """Who changed what, when, with the entity's state before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    who: Mapped[str] = mapped_column(sa.String(200))
    api_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    entity: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int | None] = mapped_column()
    before: Mapped[Any | None] = mapped_column(JSONDocument)
    after: Mapped[Any | None] = mapped_column(JSONDocument)

    __table_args__ = (
        sa.Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),
        sa.Index("ix_audit_log_occurred_at", "occurred_at"),
        sa.Index("ix_audit_log_who", "who"),
        {"sqlite_autoincrement": True},
    )
