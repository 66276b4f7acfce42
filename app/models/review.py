"""Why a claim needs a curator's review: one row a reason, set by the writes that cause it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, vocabulary, vocabulary_check
from app.vocabularies import StoredReviewReason


class ReviewReason(Base):
    """A reason the claim's verdict may be stale, since when, and the study behind it if any.

    ``no_verdict`` is not stored: it is read from the claim having no current verdict.
    """

    __tablename__ = "review_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"))
    reason: Mapped[StoredReviewReason] = mapped_column(vocabulary(StoredReviewReason, length=40))
    since: Mapped[datetime] = mapped_column()
    # The retracted study of a `study_retracted` reason.
    study_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("studies.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        vocabulary_check("reason", StoredReviewReason),
        sa.Index("ix_review_reasons_claim_id_reason", "claim_id", "reason"),
        sa.Index("ix_review_reasons_since_claim_id", "since", "claim_id"),
        {"sqlite_autoincrement": True},
    )
