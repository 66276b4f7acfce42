"""Verdicts: a claim's rating and certainty, with their history."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow, vocabulary, vocabulary_check
from app.models.claims import Claim
from app.vocabularies import Certainty, Rating


class Verdict(Base):
    """One verdict on a claim; the newest is current and the rest are its history."""

    __tablename__ = "verdicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"))
    rating: Mapped[Rating] = mapped_column(vocabulary(Rating))
    certainty: Mapped[Certainty] = mapped_column(vocabulary(Certainty))
    rationale: Mapped[str] = mapped_column(sa.Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str] = mapped_column(sa.String(200))
    is_current: Mapped[bool] = mapped_column(default=True)
    # What the assessment suggested when the verdict was recorded (null before assessments).
    assessed_rating: Mapped[Rating | None] = mapped_column(vocabulary(Rating))
    assessed_certainty: Mapped[Certainty | None] = mapped_column(vocabulary(Certainty))

    claim: Mapped[Claim] = relationship(lazy="raise", back_populates="verdicts")

    __table_args__ = (
        vocabulary_check("rating", Rating),
        vocabulary_check("certainty", Certainty),
        vocabulary_check("assessed_rating", Rating, nullable=True),
        vocabulary_check("assessed_certainty", Certainty, nullable=True),
        sa.Index("ix_verdicts_claim_id_decided_at", "claim_id", "decided_at"),
        # At most one current verdict a claim.
        sa.Index(
            "uq_verdicts_current_claim_id",
            "claim_id",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
        sa.Index("ix_verdicts_is_current_rating", "is_current", "rating"),
        {"sqlite_autoincrement": True},
    )
