"""Claim schemas."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.evidence.schemas import EvidenceSummary
from app.patch import PatchBody
from app.review.schemas import Review
from app.slugs import SLUG_PATTERN
from app.verdicts.schemas import VerdictRead


def _one_line(value: str) -> str:
    """Collapse runs of white space (newlines, non-breaking spaces) into single spaces."""
    return " ".join(value.split())


Statement = Annotated[
    str,
    AfterValidator(_one_line),
    Field(min_length=3, max_length=500, description="One sentence, as people say it."),
]


def _distinct(values: list[str]) -> list[str]:
    stripped = [value.strip() for value in values]
    if any(not value for value in stripped):
        raise ValueError("items must not be blank")
    if len({value.casefold() for value in stripped}) != len(stripped):
        raise ValueError("items must be distinct")
    return stripped


Aliases = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=300)]],
    Field(max_length=50, description="Other phrasings of the claim."),
    AfterValidator(_distinct),
]
TopicSlugs = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=80, pattern=SLUG_PATTERN)]],
    Field(max_length=50, description="Slugs of existing topics."),
    AfterValidator(_distinct),
]

CLAIM_EXAMPLE: dict[str, Any] = {
    "statement": "Prolonged sitting switches your glutes off.",
    "aliases": ["glute amnesia", "dead butt syndrome"],
    "summary": "EMG studies find glute activity unchanged or higher in people with pain.",
    "topics": ["glute-function"],
}


class ClaimCreate(BaseModel):
    """A claim to add; the slug is made from the statement unless given."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CLAIM_EXAMPLE]})

    statement: Statement
    slug: str | None = Field(default=None, min_length=1, max_length=80, pattern=SLUG_PATTERN)
    aliases: Aliases = Field(default_factory=list)
    summary: str | None = Field(default=None, max_length=5000)
    topics: TopicSlugs = Field(default_factory=list)


class ClaimUpdate(PatchBody):
    """Changes to a claim: only the fields sent are changed. A new statement gets a new slug;
    the old slug keeps working."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"aliases": ["glute amnesia", "gluteal inhibition"]}]},
    )
    not_nullable = ("statement", "aliases", "topics")

    statement: Statement | None = None
    aliases: Aliases | None = None
    summary: str | None = Field(default=None, max_length=5000)
    topics: TopicSlugs | None = None


class TopicRef(BaseModel):
    """A topic, referred to."""

    slug: str
    name: str


class ClaimRead(BaseModel):
    """A claim with its current verdict and a summary of its evidence."""

    id: int
    slug: str
    statement: str
    aliases: list[str]
    summary: str | None
    topics: list[TopicRef]
    verdict: VerdictRead | None = Field(description="The current verdict, or null.")
    evidence_summary: EvidenceSummary
    review: Review = Field(
        description="Whether a curator should look at the verdict again, and why: no verdict "
        "yet, evidence changed after it, a cited study retracted, or the assessment no longer "
        "agreeing with it."
    )
    created_at: datetime
    updated_at: datetime
    version: int


class Stats(BaseModel):
    """Counts over the (undeleted) content."""

    claims: int
    studies: int
    evidence: int
    topics: int
    verdicts: dict[str, int] = Field(
        description="Claims per current verdict rating; `none` counts claims without a verdict."
    )


class MatchRequest(BaseModel):
    """A sentence, such as a chatbot holds, to match against the claims."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": "my trainer says my glutes are asleep from sitting", "limit": 3}]
        },
    )

    text: str = Field(min_length=1, max_length=2000, description="What someone said or asked.")
    limit: int = Field(default=5, ge=1, le=50, description="Most claims to answer.")


class ClaimMatch(BaseModel):
    """A claim the text asserts or asks about, and how surely."""

    score: float = Field(
        ge=0,
        le=1,
        description="How closely the text matches the claim, 0 to 1, by meaning and words. "
        "Measured on bench/relevance: see bench/README.md for the precision of thresholds.",
    )
    claim: ClaimRead


class MatchResult(BaseModel):
    """The claims a text matches, best first."""

    items: list[ClaimMatch]
