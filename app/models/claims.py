"""Claims, their aliases and the slugs they were known by."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, same_as_created, utcnow
from app.models.topics import Topic, claim_topics

if TYPE_CHECKING:
    from app.models.verdicts import Verdict


class Claim(Base):
    """A popular health or fitness claim, as people say it."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    statement: Mapped[str] = mapped_column(sa.Text)
    summary: Mapped[str | None] = mapped_column(sa.Text)
    # The aliases joined by newlines, kept by the service so full-text search can index them.
    aliases_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=same_as_created)
    deleted_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    aliases: Mapped[list["ClaimAlias"]] = relationship(
        lazy="raise",
        order_by="ClaimAlias.position",
        cascade="all, delete-orphan",
        back_populates="claim",
    )
    topics: Mapped[list[Topic]] = relationship(
        secondary=claim_topics, lazy="raise", order_by=Topic.slug
    )
    verdicts: Mapped[list["Verdict"]] = relationship(lazy="raise", back_populates="claim")

    __table_args__ = (
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.Index("ix_claims_updated_at_id", "updated_at", "id"),
        sa.Index("ix_claims_statement_id", "statement", "id"),
        # A new statement is checked against the live ones in any case.
        sa.Index("ix_claims_lower_statement", sa.text("lower(statement)")),
        {"sqlite_autoincrement": True},
    )


class ClaimAlias(Base):
    """Another phrasing of a claim, such as "glute amnesia"."""

    __tablename__ = "claim_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    alias: Mapped[str] = mapped_column(sa.Text)

    claim: Mapped[Claim] = relationship(lazy="raise", back_populates="aliases")

    __table_args__ = (
        sa.UniqueConstraint("claim_id", "position"),
        sa.UniqueConstraint("claim_id", "alias"),
        {"sqlite_autoincrement": True},
    )


class ClaimSlug(Base):
    """A slug a claim was known by before its statement changed; old links keep working."""

    __tablename__ = "claim_slugs"

    slug: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        sa.ForeignKey("claims.id", ondelete="CASCADE"), index=True
    )
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)
