"""Source schemas, and those of the citation check."""

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.patch import PatchBody
from app.studies.schemas import Author, ClaimRef, StudyBrief, Url
from app.vocabularies import SourceStance

SOURCE_EXAMPLE: dict[str, Any] = {
    "url": "https://www.joachimstraining.com/post/your-glutes-aren-t-shut-off-they-are-fine",
    "title": "Glute Amnesia? No, Your Butt Still Works!",
    "authors": [{"family": "Joachim", "given": "Doug"}],
    "published": None,
    "publisher": None,
    "appearances": [
        {
            "claim": "sitting-for-hours-every-day-switches-your-glutes-off",
            "stance": "refutes",
            "excerpt": "They are NOT turned off.",
        }
    ],
    "citations": [
        {
            "study_id": 1,
            "statement": "Darlow et al. (2013) documented how clinician language shapes beliefs "
            "and disability in low-back-pain patients for years afterwards.",
        }
    ],
}


class AppearanceWrite(BaseModel):
    """A claim the source makes, questions or refutes."""

    model_config = ConfigDict(extra="forbid")

    claim: str = Field(
        min_length=1,
        max_length=200,
        description="The claim's numeric id or slug.",
        examples=["sitting-for-hours-every-day-switches-your-glutes-off"],
    )
    stance: SourceStance
    excerpt: str | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="The source's own sentence that makes or refutes the claim.",
    )


class CitationWrite(BaseModel):
    """A work the source cites, and what the source says about it."""

    model_config = ConfigDict(extra="forbid")

    study_id: int = Field(ge=1, le=2**31 - 1, description="The cited study's id.")
    statement: str | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="The source's sentence about that work, as written.",
    )


class SourceFields(BaseModel):
    """The fields a curator sets on a source."""

    model_config = ConfigDict(extra="forbid")

    url: Url
    authors: list[Author] = Field(default_factory=list, max_length=100)
    published: dt.date | None = Field(
        default=None, description="Date of publication, when the source shows a full date."
    )
    publisher: str | None = Field(default=None, max_length=500, description="Site or outlet.")
    notes: str | None = Field(default=None, max_length=10_000, description="Curators' notes.")
    appearances: list[AppearanceWrite] = Field(default_factory=list, max_length=500)
    citations: list[CitationWrite] = Field(default_factory=list, max_length=1000)


class SourceCreate(SourceFields):
    """A source to add. Its URL must not belong to another source (409)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SOURCE_EXAMPLE]})

    title: str = Field(min_length=1, max_length=2000)


class SourceUpdate(PatchBody):
    """Changes to a source: only the fields sent change; lists sent replace the old ones."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"published": "2021-04-28", "notes": "Date read from the publisher's archive."}
            ]
        },
    )
    not_nullable = ("title", "authors", "appearances", "citations")

    url: Url
    title: str | None = Field(default=None, min_length=1, max_length=2000)
    authors: list[Author] | None = Field(default=None, max_length=100)
    published: dt.date | None = None
    publisher: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=10_000)
    appearances: list[AppearanceWrite] | None = Field(default=None, max_length=500)
    citations: list[CitationWrite] | None = Field(default=None, max_length=1000)


class Appearance(BaseModel):
    """A claim as it appears in a source."""

    claim: ClaimRef
    stance: SourceStance
    excerpt: str | None


class Citation(BaseModel):
    """A work a source cites, and what the source says about it."""

    study: StudyBrief
    statement: str | None


class SourceRead(BaseModel):
    """A source, with the claims it makes and the works it cites."""

    id: int
    url: str | None
    title: str
    authors: list[Author]
    published: dt.date | None
    publisher: str | None
    notes: str | None
    appearances: list[Appearance]
    citations: list[Citation]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


# --- The citation check ----------------------------------------------------------------------

CheckField = Literal[
    "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid"
]


class CheckRequest(BaseModel):
    """A text whose citations to check."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "Darlow et al. (2013) showed how words shape beliefs.\n\nReferences\n"
                    "1. Darlow B, Dowell A, Baxter GD, Mathieson F, Perry M, Dean S. The "
                    "enduring impact of what clinicians say to people with low back pain. "
                    "Ann Fam Med. 2013;11(6):527-34. doi:10.1370/AFM.1518"
                }
            ]
        },
    )

    text: str = Field(min_length=1, max_length=1_000_000, description="Plain text or HTML.")


class Discrepancy(BaseModel):
    """One field where the citation disagrees with the stored record."""

    field: CheckField
    cited: str
    recorded: str


class ReferenceMatch(BaseModel):
    """The study a reference was matched to, how, and how surely."""

    study: StudyBrief
    matched_by: Literal["doi", "pmid", "pmcid", "title", "author_year"]
    score: float = Field(ge=0, le=1)


class CheckedReference(BaseModel):
    """One cited work: as written, its match (or null) and its discrepancies."""

    index: int
    text: str = Field(description="The reference as written.")
    found_in: Literal["reference_list", "text"] = Field(
        description="`reference_list` for an entry of the list, `text` for a work cited only "
        "in the running text (an author-year citation or a PubMed/PMC/DOI link)."
    )
    match: ReferenceMatch | None
    discrepancies: list[Discrepancy]


class CheckSummary(BaseModel):
    """Counts over the checked references."""

    references: int
    matched: int
    with_discrepancies: int
    unmatched: int


class CheckReport(BaseModel):
    """The references found in a text, each matched to a study and checked field by field."""

    references: list[CheckedReference]
    summary: CheckSummary
    source: str | None = Field(
        default=None, description="With `save=true`: the URL of the source recorded."
    )
