"""Evidence schemas."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.params import MAX_ID
from app.patch import PatchBody
from app.studies.schemas import ClaimRef, StudyBrief
from app.vocabularies import Design, Directness, RiskOfBias, Stance

RISK_OF_BIAS_HELP = (
    "Appraisal: how far the study's design and conduct may bias its result for this claim "
    "(`low`, `some_concerns`, `high`); null until appraised."
)
DIRECTNESS_HELP = (
    "Appraisal: `indirect` when the study's population, exposure or outcome is not the "
    "claim's; null until appraised."
)


class EvidenceCreate(BaseModel):
    """A study to link to the claim, with its stance and what it found."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "study_id": 1,
                    "stance": "contradicts",
                    "finding": "Gluteus maximus EMG did not differ between people with and "
                    "without low back pain.",
                    "quote": "No difference in glute max activity in those with low back pain",
                    "risk_of_bias": "some_concerns",
                    "directness": "indirect",
                }
            ]
        },
    )

    study_id: int = Field(ge=1, le=MAX_ID)
    stance: Stance = Field(description="How the study bears on the claim.")
    finding: str = Field(min_length=1, max_length=5000, description="One or two sentences.")
    quote: str | None = Field(default=None, max_length=5000)
    notes: str | None = Field(default=None, max_length=10_000)
    risk_of_bias: RiskOfBias | None = Field(default=None, description=RISK_OF_BIAS_HELP)
    directness: Directness | None = Field(default=None, description=DIRECTNESS_HELP)


class EvidenceUpdate(PatchBody):
    """Changes to an evidence link: only the fields sent are changed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"stance": "mixed"},
                {"risk_of_bias": "high", "directness": "direct"},
            ]
        },
    )
    not_nullable = ("stance", "finding")

    stance: Stance | None = None
    finding: str | None = Field(default=None, min_length=1, max_length=5000)
    quote: str | None = Field(default=None, max_length=5000)
    notes: str | None = Field(default=None, max_length=10_000)
    risk_of_bias: RiskOfBias | None = Field(default=None, description=RISK_OF_BIAS_HELP)
    directness: Directness | None = Field(default=None, description=DIRECTNESS_HELP)


class EvidenceRead(BaseModel):
    """How one study bears on one claim."""

    id: int
    claim: ClaimRef
    study: StudyBrief
    stance: Stance
    finding: str
    quote: str | None
    notes: str | None
    risk_of_bias: RiskOfBias | None = Field(description=RISK_OF_BIAS_HELP)
    directness: Directness | None = Field(description=DIRECTNESS_HELP)
    created_at: datetime
    updated_at: datetime
    version: int


class EvidenceSummary(BaseModel):
    """Counts of a claim's evidence by stance, and the strongest design among its studies."""

    supports: int = 0
    contradicts: int = 0
    mixed: int = 0
    mentions: int = 0
    studies: int = 0
    strongest_design: Design | None = None
