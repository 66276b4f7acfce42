"""Studies (articles, reviews, blog posts) and their ordered authors."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, same_as_created, utcnow, vocabulary, vocabulary_check
from app.vocabularies import Design, PublicationType


class Study(Base):
    """A work that bears on claims: a journal article, a review, a blog post."""

    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.Text)
    # Lower-case ASCII title without punctuation: the key that matches duplicates on import.
    title_key: Mapped[str] = mapped_column(sa.Text)
    # The study's BibTeX key ("darlow2013"), unique and kept from creation on (see
    # app/studies/citation_keys.py).
    bibtex_key: Mapped[str] = mapped_column(sa.String(64))
    year: Mapped[int | None] = mapped_column()
    journal: Mapped[str | None] = mapped_column(sa.Text)
    volume: Mapped[str | None] = mapped_column(sa.String(64))
    issue: Mapped[str | None] = mapped_column(sa.String(64))
    pages: Mapped[str | None] = mapped_column(sa.String(64))
    doi: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    pmid: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    pmcid: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    url: Mapped[str | None] = mapped_column(sa.Text)
    accessed: Mapped[date | None] = mapped_column(sa.Date)
    publisher: Mapped[str | None] = mapped_column(sa.Text)
    publication_type: Mapped[PublicationType] = mapped_column(vocabulary(PublicationType))
    design: Mapped[Design | None] = mapped_column(vocabulary(Design))
    sample_size: Mapped[int | None] = mapped_column()
    population: Mapped[str | None] = mapped_column(sa.Text)
    abstract: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    retracted: Mapped[bool] = mapped_column(default=False)
    retraction_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=same_as_created)
    version: Mapped[int] = mapped_column(default=1)

    authors: Mapped[list["StudyAuthor"]] = relationship(
        lazy="raise",
        order_by="StudyAuthor.position",
        cascade="all, delete-orphan",
        back_populates="study",
    )

    __table_args__ = (
        vocabulary_check("publication_type", PublicationType),
        vocabulary_check("design", Design, nullable=True),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("sample_size IS NULL OR sample_size >= 0", name="sample_size_positive"),
        sa.CheckConstraint("year IS NULL OR (year >= 1000 AND year <= 2999)", name="year_range"),
        sa.Index("ix_studies_title_key_year", "title_key", "year"),
        sa.Index("ix_studies_bibtex_key", "bibtex_key", unique=True),
        sa.Index("ix_studies_year_id", "year", "id"),
        sa.Index("ix_studies_updated_at_id", "updated_at", "id"),
        {"sqlite_autoincrement": True},
    )


class StudyAuthor(Base):
    """One author of a study, at its place in the byline."""

    __tablename__ = "study_authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(sa.ForeignKey("studies.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    family: Mapped[str] = mapped_column(sa.Text)
    given: Mapped[str | None] = mapped_column(sa.Text)
    # Name parts as CSL names them (see app.bibliography.records.AuthorName).
    non_dropping_particle: Mapped[str | None] = mapped_column(sa.Text)
    dropping_particle: Mapped[str | None] = mapped_column(sa.Text)
    suffix: Mapped[str | None] = mapped_column(sa.Text)
    literal: Mapped[bool] = mapped_column(server_default=sa.false())

    study: Mapped[Study] = relationship(lazy="raise", back_populates="authors")

    __table_args__ = (sa.UniqueConstraint("study_id", "position"), {"sqlite_autoincrement": True})
