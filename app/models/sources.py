"""Sources: published texts that make claims and cite works, with what they say of each."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, same_as_created, utcnow, vocabulary, vocabulary_check
from app.models.claims import Claim
from app.models.studies import Study
from app.vocabularies import SourceStance


class Source(Base):
    """An article, blog post or video that makes claims and cites works."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str | None] = mapped_column(sa.String(2000), unique=True)
    title: Mapped[str] = mapped_column(sa.Text)
    # The byline as written ([{"family", "given"}]): shown and cited, never searched or joined.
    authors: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    published: Mapped[date | None] = mapped_column(sa.Date)
    publisher: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=same_as_created)
    version: Mapped[int] = mapped_column(default=1)

    appearances: Mapped[list["SourceAppearance"]] = relationship(
        lazy="raise",
        order_by="SourceAppearance.position",
        cascade="all, delete-orphan",
        back_populates="source",
    )
    citations: Mapped[list["SourceCitation"]] = relationship(
        lazy="raise",
        order_by="SourceCitation.position",
        cascade="all, delete-orphan",
        back_populates="source",
    )

    __table_args__ = (
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.Index("ix_sources_created_at_id", "created_at", "id"),
        {"sqlite_autoincrement": True},
    )


class SourceAppearance(Base):
    """A claim as it appears in a source: the source's stance and its sentence."""

    __tablename__ = "source_appearances"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("sources.id", ondelete="CASCADE"))
    claim_id: Mapped[int] = mapped_column(
        sa.ForeignKey("claims.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    stance: Mapped[SourceStance] = mapped_column(vocabulary(SourceStance))
    excerpt: Mapped[str | None] = mapped_column(sa.Text)

    source: Mapped[Source] = relationship(lazy="raise", back_populates="appearances")
    claim: Mapped[Claim] = relationship(lazy="raise")

    __table_args__ = (
        sa.UniqueConstraint("source_id", "claim_id"),
        vocabulary_check("stance", SourceStance),
        {"sqlite_autoincrement": True},
    )


class SourceCitation(Base):
    """A work a source cites, and what the source says about it."""

    __tablename__ = "source_citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("sources.id", ondelete="CASCADE"))
    # RESTRICT: a study cannot be deleted while a source's citation names it.
    study_id: Mapped[int] = mapped_column(
        sa.ForeignKey("studies.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column()
    statement: Mapped[str | None] = mapped_column(sa.Text)

    source: Mapped[Source] = relationship(lazy="raise", back_populates="citations")
    study: Mapped[Study] = relationship(lazy="raise")

    __table_args__ = (sa.UniqueConstraint("source_id", "study_id"), {"sqlite_autoincrement": True})
