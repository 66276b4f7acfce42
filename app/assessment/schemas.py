"""Assessment schemas: the answer of `GET /v1/claims/{claim}/assessment`."""

from enum import StrEnum

from pydantic import BaseModel, Field

from app.studies.schemas import ClaimRef
from app.verdicts.schemas import VerdictRead
from app.vocabularies import Certainty, Design, Rating


class Domain(StrEnum):
    """GRADE's five reasons to rate the certainty of a body of evidence down."""

    risk_of_bias = "risk_of_bias"
    inconsistency = "inconsistency"
    indirectness = "indirectness"
    imprecision = "imprecision"
    publication_bias = "publication_bias"


class Judgement(StrEnum):
    """How serious a domain's concern is: each level rates the certainty down one step."""

    not_serious = "not_serious"
    serious = "serious"
    very_serious = "very_serious"


class Direction(StrEnum):
    """Which way the body of evidence points."""

    supports = "supports"
    contradicts = "contradicts"
    mixed = "mixed"
    none = "none"


class ExclusionReason(StrEnum):
    """Why a link is left out of the body of evidence."""

    retracted = "retracted"
    not_a_study = "not_a_study"
    mentions_only = "mentions_only"


class StartingCertainty(StrEnum):
    """Where GRADE starts a body of evidence: randomised high, non-randomised low."""

    high = "high"
    low = "low"


class StanceCounts(BaseModel):
    """Links by stance (retracted studies left out)."""

    supports: int = 0
    contradicts: int = 0
    mixed: int = 0
    mentions: int = 0


class DesignCounts(StanceCounts):
    """Links of one study design, by stance."""

    design: Design | None = Field(description="The studies' design; null where not recorded.")


class Body(BaseModel):
    """The studies the certainty is rated on."""

    studies: int
    participants: int | None = Field(
        description="The sum of the studies' `sample_size`; null when none is recorded."
    )
    best_design: Design | None
    evidence_ids: list[int] = Field(description="The evidence links that form the body.")


class DomainJudgement(BaseModel):
    """One GRADE domain, judged, with the rule and the inputs that decided it."""

    domain: Domain
    judgement: Judgement
    reason: str = Field(description="The rule that decided, naming the studies it looked at.")
    rule: str = Field(description="The rule's code in the table documented on this operation.")


class Excluded(BaseModel):
    """A link listed but not counted in the body of evidence."""

    evidence_id: int
    study_id: int
    reason: ExclusionReason
    detail: str = Field(description="Why, in words.")


class Assessment(BaseModel):
    """What the claim's evidence supports as it stands now, GRADE-style, every step shown."""

    claim: ClaimRef
    counts: StanceCounts
    by_design: list[DesignCounts] = Field(description="Counts by design, strongest first.")
    body: Body
    starting_certainty: StartingCertainty | None = Field(
        description="`high` for randomised trials and their syntheses, `low` for other "
        "primary studies, null without a body of evidence."
    )
    domains: list[DomainJudgement] = Field(
        description="The five domains in GRADE's order; empty without a body of evidence."
    )
    certainty: Certainty
    direction: Direction
    suggested_rating: Rating
    current_verdict: VerdictRead | None
    agrees_with_current_verdict: bool | None = Field(
        description="Whether the current verdict has the suggested rating and the certainty; "
        "null without a verdict."
    )
    excluded: list[Excluded]
