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
    rationale: str = Field(min_length=1, max_length=10_000)


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
