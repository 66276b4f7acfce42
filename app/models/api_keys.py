"""API keys: only a hash of each secret is stored."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow, vocabulary, vocabulary_check
from app.vocabularies import Role


class ApiKey(Base):
    """A bearer key with a role; revoked keys stay for the audit trail."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(vocabulary(Role))
    # The first characters of the key, shown in listings so a key can be recognised.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (vocabulary_check("role", Role), {"sqlite_autoincrement": True})
