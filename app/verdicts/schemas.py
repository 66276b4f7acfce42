"""Verdict schemas."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.vocabularies import Certainty, Rating


class VerdictCreate(BaseModel):
    """A new verdict; it becomes the claim's current one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rating": "refuted",
                    "certainty": "low",
                    "rationale": "EMG studies find glute activity unchanged or higher with pain; "
                    "no study shows sitting switching the muscle off.",
                }
            ]
        },
    )

    rating: Rating
    certainty: Certainty = Field(description="GRADE certainty of the evidence.")
    rationale: str | None = Field(
        default=None,
        min_length=1,
        max_length=10_000,
        description="Why. Required, a sentence at least, when the verdict departs from the "
        "claim's assessment (its suggested rating or its certainty); when it follows the "
        "assessment and none is given, the assessment's summary is recorded.",
    )


class AssessedAtDecision(BaseModel):
    """What the claim's assessment said when the verdict was recorded."""

    suggested_rating: Rating
    certainty: Certainty


class VerdictRead(BaseModel):
    """A verdict on a claim."""

    id: int
    rating: Rating
    rating_value: int | None = Field(description="5 (supported) to 1 (refuted); null if unproven.")
    certainty: Certainty
    rationale: str
    decided_at: datetime
    decided_by: str = Field(description="The name of the API key that recorded it.")
    is_current: bool
    assessment: AssessedAtDecision | None = Field(
        description="The assessment when the verdict was recorded; null for verdicts recorded "
        "before assessments existed."
    )
    agrees_with_assessment: bool | None = Field(
        description="Whether the verdict had the assessment's suggested rating and certainty "
        "when it was recorded (a departing verdict says why in its rationale)."
    )
