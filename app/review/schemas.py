"""Review schemas: a claim's `review` object."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.vocabularies import ReviewReasonKind


class ReviewReasonRead(BaseModel):
    """One reason a claim needs review, and since when."""

    reason: ReviewReasonKind
    since: datetime
    study_id: int | None = Field(
        default=None, description="For `study_retracted`: the retracted study."
    )


class Review(BaseModel):
    """Whether a curator should look at the claim's verdict again, and why (oldest first)."""

    needs_review: bool
    reasons: list[ReviewReasonRead]
