"""Study schemas."""

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from app.bibliography.identifiers import (
    DOI_INPUT_PATTERN,
    PMCID_INPUT_PATTERN,
    PMID_INPUT_PATTERN,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from app.patch import PatchBody
from app.vocabularies import Design, PublicationType, Stance


def _doi(value: str | None) -> str | None:
    return None if value is None else normalize_doi(value)


def _pmid(value: str | None) -> str | None:
    return None if value is None else normalize_pmid(value)


def _pmcid(value: str | None) -> str | None:
    return None if value is None else normalize_pmcid(value)


# The patterns document what the normalisers accept; the normalisers check it (and say why not).
DoiText = Annotated[
    str, WithJsonSchema({"type": "string", "pattern": DOI_INPUT_PATTERN, "maxLength": 255})
]
PmidText = Annotated[
    str, WithJsonSchema({"type": "string", "pattern": PMID_INPUT_PATTERN, "maxLength": 32})
]
PmcidText = Annotated[
    str, WithJsonSchema({"type": "string", "pattern": PMCID_INPUT_PATTERN, "maxLength": 32})
]
Doi = Annotated[DoiText | None, AfterValidator(_doi)]
Pmid = Annotated[PmidText | None, AfterValidator(_pmid)]
Pmcid = Annotated[PmcidText | None, AfterValidator(_pmcid)]
Url = Annotated[str | None, Field(default=None, max_length=2000, pattern=r"^https?://\S+$")]
ShortText = Annotated[str | None, Field(default=None, min_length=1, max_length=64)]
Year = Annotated[int | None, Field(default=None, ge=1000, le=2999)]
SampleSize = Annotated[int | None, Field(default=None, ge=0, le=2_000_000_000)]


class Author(BaseModel):
    """One author, in byline order, with the name parts CSL names (particles, suffix)."""

    family: str = Field(
        min_length=1,
        max_length=300,
        description="The family name without particles; an organisation's whole name.",
        examples=["Darlow"],
    )
    given: str | None = Field(default=None, max_length=300, examples=["Ben"])
    non_dropping_particle: str | None = Field(
        default=None,
        max_length=100,
        description='A particle that stays before the family name when inverted: "van" in '
        '"van Gogh, V.".',
        examples=["van"],
    )
    dropping_particle: str | None = Field(
        default=None,
        max_length=100,
        description='A particle that moves after the given names when inverted: "van" in '
        '"Beethoven, L. van".',
        examples=["van"],
    )
    suffix: str | None = Field(
        default=None, max_length=100, description='"Jr.", "III".', examples=["Jr."]
    )
    literal: bool = Field(
        default=False,
        description="`family` is a name never to split or abbreviate (an organisation's).",
    )


STUDY_EXAMPLE: dict[str, Any] = {
    "title": "The enduring impact of what clinicians say to people with low back pain",
    "authors": [
        {"family": "Darlow", "given": "Ben"},
        {"family": "Dowell", "given": "Anthony"},
    ],
    "year": 2013,
    "journal": "Annals of Family Medicine",
    "volume": "11",
    "issue": "6",
    "pages": "527-534",
    "doi": "https://doi.org/10.1370/afm.1518",
    "pmid": "24218376",
    "publication_type": "journal_article",
    "design": "cross_sectional",
    "sample_size": 23,
    "population": "Adults with acute or chronic low back pain in New Zealand",
}


class StudyFields(BaseModel):
    """The fields a curator sets on a study."""

    model_config = ConfigDict(extra="forbid")

    authors: list[Author] = Field(default_factory=list, max_length=1000)
    year: Year
    journal: str | None = Field(default=None, max_length=500)
    volume: ShortText
    issue: ShortText
    pages: ShortText
    doi: Doi = Field(
        default=None,
        max_length=255,
        description="DOI; `https://doi.org/…` and `doi:` forms are accepted and stored bare, "
        "lower-case.",
        examples=["10.1370/afm.1518"],
    )
    pmid: Pmid = Field(
        default=None, max_length=32, description="PubMed id: digits.", examples=["24218376"]
    )
    pmcid: Pmcid = Field(
        default=None, max_length=32, description="PubMed Central id.", examples=["PMC3823723"]
    )
    url: Url
    accessed: dt.date | None = Field(
        default=None, description="When a web page or blog post was read (for its citation)."
    )
    publisher: str | None = Field(
        default=None, max_length=500, description="Publisher, or the site of a blog post."
    )
    publication_type: PublicationType = PublicationType.journal_article
    design: Design | None = None
    sample_size: SampleSize
    population: str | None = Field(default=None, max_length=2000)
    abstract: str | None = Field(default=None, max_length=50_000)
    notes: str | None = Field(default=None, max_length=10_000, description="Curators' notes.")
    retracted: bool = False
    retraction_note: str | None = Field(default=None, max_length=5000)


class StudyCreate(StudyFields):
    """A study to add. DOI and PMID must not belong to another study (409)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [STUDY_EXAMPLE]})

    title: str = Field(min_length=1, max_length=2000)


class StudyUpdate(PatchBody):
    """Changes to a study: only the fields sent are changed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"retracted": True, "retraction_note": "Retracted 2024."}]},
    )
    not_nullable = ("title", "authors", "publication_type", "retracted")

    title: str | None = Field(default=None, min_length=1, max_length=2000)
    authors: list[Author] | None = Field(default=None, max_length=1000)
    year: Year
    journal: str | None = Field(default=None, max_length=500)
    volume: ShortText
    issue: ShortText
    pages: ShortText
    doi: Doi = Field(
        default=None,
        max_length=255,
        description="DOI; `https://doi.org/…` and `doi:` forms are accepted and stored bare, "
        "lower-case.",
        examples=["10.1370/afm.1518"],
    )
    pmid: Pmid = Field(
        default=None, max_length=32, description="PubMed id: digits.", examples=["24218376"]
    )
    pmcid: Pmcid = Field(
        default=None, max_length=32, description="PubMed Central id.", examples=["PMC3823723"]
    )
    url: Url
    accessed: dt.date | None = None
    publisher: str | None = Field(default=None, max_length=500)
    publication_type: PublicationType | None = None
    design: Design | None = None
    sample_size: SampleSize
    population: str | None = Field(default=None, max_length=2000)
    abstract: str | None = Field(default=None, max_length=50_000)
    notes: str | None = Field(default=None, max_length=10_000)
    retracted: bool | None = None
    retraction_note: str | None = Field(default=None, max_length=5000)


class StudyBrief(BaseModel):
    """A study in brief, as shown inside evidence."""

    id: int
    title: str
    authors: list[Author]
    year: int | None
    journal: str | None
    design: Design | None
    doi: str | None
    pmid: str | None


class StudyRead(BaseModel):
    """A study."""

    id: int
    title: str
    bibtex_key: str = Field(
        description="The study's BibTeX key, the same in every citation and reference list; "
        "given at creation and kept.",
        examples=["darlow2013"],
    )
    authors: list[Author]
    year: int | None
    journal: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    doi: str | None
    pmid: str | None
    pmcid: str | None
    url: str | None
    accessed: dt.date | None
    publisher: str | None
    publication_type: PublicationType
    design: Design | None
    sample_size: int | None
    population: str | None
    abstract: str | None
    notes: str | None
    retracted: bool
    retraction_note: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ClaimRef(BaseModel):
    """A claim, referred to."""

    id: int
    slug: str
    statement: str


class CitedFor(BaseModel):
    """A claim the study is evidence for, and how it bears on it."""

    claim: ClaimRef
    stance: Stance


class StudyDetail(StudyRead):
    """A study with the claims it is cited for."""

    cited_for: list[CitedFor]
