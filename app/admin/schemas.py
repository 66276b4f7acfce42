"""The export document: one model a table row, in the key order the document is written in.

Each row model names the table's columns, in order; the export writes exactly these keys and
the restore validates them. Columns the database derives from others (`claims.aliases_text`,
`studies.title_key`) are left out and recomputed on restore, and `api_keys` carries neither
the key's prefix nor its hash: both come from the secret, which never leaves the database.
"""

from datetime import date
from typing import Annotated, Any, Literal

import orjson
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from app.params import MAX_ID
from app.vocabularies import (
    Certainty,
    Design,
    Directness,
    PublicationType,
    Rating,
    RiskOfBias,
    Role,
    SourceStance,
    Stance,
    StoredReviewReason,
)

FORMAT = "citedb-export"
FORMAT_VERSION = 1
# The name parts of an author whose name has no particle, no suffix and is not literal.
PLAIN_NAME: dict[str, Any] = {
    "non_dropping_particle": None,
    "dropping_particle": None,
    "suffix": None,
    "literal": False,
}


def _without_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refusing it here keeps SQLite and PostgreSQL alike.
    if "\x00" in value:
        raise ValueError("text must not contain a NUL character")
    return value


def _portable_json(value: Any) -> Any:
    # Only values that survive the export's encoding unchanged: no NaN, no integer past 64 bits.
    try:
        encoded = orjson.dumps(value)
    except orjson.JSONEncodeError as exc:
        raise ValueError(f"not portable JSON: {exc}") from None
    if b"\\u0000" in encoded:
        raise ValueError("JSON text must not contain a NUL character")
    if orjson.loads(encoded) != value:
        raise ValueError("not portable JSON: a number cannot be stored as given")
    return value


Text = Annotated[str, AfterValidator(_without_nul)]
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
Position = Annotated[int, Field(ge=0, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=MAX_ID)]
JsonValue = Annotated[Any, AfterValidator(_portable_json)]
# Written as RFC 3339 in UTC with microseconds, such as ``2026-11-25T08:20:26.405594Z``.
Timestamp = AwareDatetime


class ExportRow(BaseModel):
    """A row of one table: an export writes every key (null when empty); a restore takes a
    missing key as null when the column allows it, and refuses any other key."""

    model_config = ConfigDict(extra="forbid")


class TopicRow(ExportRow):
    """A row of `topics`."""

    id: RowId
    slug: Annotated[Text, Field(max_length=120)]
    name: Annotated[Text, Field(max_length=200)]
    description: Text | None = None
    created_at: Timestamp
    updated_at: Timestamp
    version: Version


class ClaimRow(ExportRow):
    """A row of `claims`; a deleted claim has its `deleted_at`."""

    id: RowId
    slug: Annotated[Text, Field(max_length=120)]
    statement: Text
    summary: Text | None = None
    created_at: Timestamp
    updated_at: Timestamp
    deleted_at: Timestamp | None = None
    version: Version


class ClaimAliasRow(ExportRow):
    """A row of `claim_aliases`: another phrasing of a claim, at its position."""

    id: RowId
    claim_id: RowId
    position: Position
    alias: Text


class ClaimSlugRow(ExportRow):
    """A row of `claim_slugs`: a slug a claim was known by before a rename."""

    slug: Annotated[Text, Field(max_length=120)]
    claim_id: RowId
    retired_at: Timestamp


class ClaimTopicRow(ExportRow):
    """A row of `claim_topics`: a claim tagged with a topic."""

    claim_id: RowId
    topic_id: RowId


class StudyRow(ExportRow):
    """A row of `studies`."""

    id: RowId
    title: Text
    bibtex_key: Annotated[str, Field(pattern=r"^[a-z0-9]{1,64}$")]
    year: Annotated[int, Field(ge=1000, le=2999)] | None = None
    journal: Text | None = None
    volume: Annotated[Text, Field(max_length=64)] | None = None
    issue: Annotated[Text, Field(max_length=64)] | None = None
    pages: Annotated[Text, Field(max_length=64)] | None = None
    doi: Annotated[Text, Field(max_length=255)] | None = None
    pmid: Annotated[Text, Field(max_length=16)] | None = None
    pmcid: Annotated[Text, Field(max_length=16)] | None = None
    url: Text | None = None
    accessed: date | None = None
    publisher: Text | None = None
    publication_type: PublicationType
    design: Design | None = None
    sample_size: Annotated[int, Field(ge=0, le=MAX_ID)] | None = None
    population: Text | None = None
    abstract: Text | None = None
    notes: Text | None = None
    retracted: bool
    retraction_note: Text | None = None
    created_at: Timestamp
    updated_at: Timestamp
    version: Version


class StudyAuthorRow(ExportRow):
    """A row of `study_authors`: one author, at its place in the byline."""

    id: RowId
    study_id: RowId
    position: Position
    family: Text
    given: Text | None = None
    non_dropping_particle: Text | None = None
    dropping_particle: Text | None = None
    suffix: Text | None = None
    literal: bool


class EvidenceRow(ExportRow):
    """A row of `evidence`: how one study bears on one claim."""

    id: RowId
    claim_id: RowId
    study_id: RowId
    stance: Stance
    finding: Text
    quote: Text | None = None
    notes: Text | None = None
    risk_of_bias: RiskOfBias | None = None
    directness: Directness | None = None
    created_at: Timestamp
    updated_at: Timestamp
    version: Version


class VerdictRow(ExportRow):
    """A row of `verdicts`: current and past verdicts alike."""

    id: RowId
    claim_id: RowId
    rating: Rating
    certainty: Certainty
    rationale: Text
    decided_at: Timestamp
    decided_by: Annotated[Text, Field(max_length=200)]
    is_current: bool
    assessed_rating: Rating | None = None
    assessed_certainty: Certainty | None = None


class ReviewReasonRow(ExportRow):
    """A row of `review_reasons`: why a claim needs review, since when."""

    id: RowId
    claim_id: RowId
    reason: StoredReviewReason
    since: Timestamp
    study_id: RowId | None = None


class SourceRow(ExportRow):
    """A row of `sources`: a text that makes claims and cites works."""

    id: RowId
    url: Annotated[Text, Field(max_length=2000)] | None = None
    title: Text
    authors: list[JsonValue]
    published: date | None = None
    publisher: Text | None = None
    notes: Text | None = None
    created_at: Timestamp
    updated_at: Timestamp
    version: Version


class SourceAppearanceRow(ExportRow):
    """A row of `source_appearances`: a claim as a source presents it."""

    id: RowId
    source_id: RowId
    claim_id: RowId
    position: Position
    stance: SourceStance
    excerpt: Text | None = None


class SourceCitationRow(ExportRow):
    """A row of `source_citations`: what a source says about a study it cites."""

    id: RowId
    source_id: RowId
    study_id: RowId
    position: Position
    statement: Text | None = None


class ApiKeyRow(ExportRow):
    """A row of `api_keys`: who held a key, never its secret, hash or prefix."""

    id: RowId
    name: Annotated[Text, Field(max_length=200)]
    role: Role
    created_at: Timestamp
    revoked_at: Timestamp | None = None


class AuditRow(ExportRow):
    """A row of `audit_log`, with the entity's JSON before and after the write."""

    id: RowId
    occurred_at: Timestamp
    who: Annotated[Text, Field(max_length=200)]
    api_key_id: RowId | None = None
    action: Annotated[Text, Field(max_length=32)]
    entity: Annotated[Text, Field(max_length=32)]
    entity_id: RowId | None = None
    before: JsonValue = None
    after: JsonValue = None


def _example_document(schema: dict[str, Any], _model: type[BaseModel]) -> None:
    # Built when the OpenAPI document is, so that the example names the current schema head.
    from app.meta.service import head_revision

    schema["examples"] = [example_document(schema_revision=head_revision() or "")]


class ExportDocument(BaseModel):
    """The whole database: a header, then every table's rows in primary-key order."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_example_document)

    format: Literal["citedb-export"] = Field(description="Always `citedb-export`.")
    format_version: Literal[1] = Field(description="The version of this document format.")
    schema_revision: str = Field(
        max_length=64, description="The database schema (Alembic revision) the rows belong to."
    )
    topics: list[TopicRow]
    claims: list[ClaimRow]
    claim_aliases: list[ClaimAliasRow]
    claim_slugs: list[ClaimSlugRow]
    claim_topics: list[ClaimTopicRow]
    studies: list[StudyRow]
    study_authors: list[StudyAuthorRow]
    evidence: list[EvidenceRow]
    verdicts: list[VerdictRow]
    review_reasons: list[ReviewReasonRow] = Field(default_factory=list)
    sources: list[SourceRow]
    source_appearances: list[SourceAppearanceRow]
    source_citations: list[SourceCitationRow]
    api_keys: list[ApiKeyRow]
    audit_log: list[AuditRow]


class RestoreReport(BaseModel):
    """What a restore wrote."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "schema_revision": "f86f9a70e72f",
                    "rows": {
                        "topics": 1,
                        "claims": 1,
                        "claim_aliases": 2,
                        "claim_slugs": 0,
                        "claim_topics": 1,
                        "studies": 1,
                        "study_authors": 2,
                        "evidence": 1,
                        "verdicts": 1,
                        "review_reasons": 0,
                        "api_keys": 1,
                        "audit_log": 1,
                    },
                }
            ]
        }
    )

    schema_revision: str = Field(description="The schema revision of the restored rows.")
    rows: dict[str, int] = Field(description="Rows restored, by table, in document order.")


def example_document(*, schema_revision: str) -> dict[str, Any]:
    """Return a small, valid export document."""
    created = "2026-11-25T08:20:26.405594Z"
    decided = "2026-11-25T08:31:02.117003Z"
    statement = "Prolonged sitting switches your glutes off."
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": schema_revision,
        "topics": [
            {
                "id": 1,
                "slug": "glute-function",
                "name": "Glute function",
                "description": "How the glutes work, and claims about them.",
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
        ],
        "claims": [
            {
                "id": 1,
                "slug": "prolonged-sitting-switches-your-glutes-off",
                "statement": statement,
                "summary": "EMG studies find glute activity unchanged or higher with pain.",
                "created_at": created,
                "updated_at": created,
                "deleted_at": None,
                "version": 1,
            }
        ],
        "claim_aliases": [
            {"id": 1, "claim_id": 1, "position": 0, "alias": "glute amnesia"},
            {"id": 2, "claim_id": 1, "position": 1, "alias": "dead butt syndrome"},
        ],
        "claim_slugs": [],
        "claim_topics": [{"claim_id": 1, "topic_id": 1}],
        "studies": [
            {
                "id": 1,
                "title": "The enduring impact of what clinicians say to people with low back pain",
                "bibtex_key": "darlow2013",
                "year": 2013,
                "journal": "Annals of Family Medicine",
                "volume": "11",
                "issue": "6",
                "pages": "527-534",
                "doi": "10.1370/afm.1518",
                "pmid": "24218376",
                "pmcid": "PMC3823723",
                "url": None,
                "accessed": None,
                "publisher": None,
                "publication_type": "journal_article",
                "design": "cross_sectional",
                "sample_size": 12,
                "population": "Adults with low back pain",
                "abstract": None,
                "notes": None,
                "retracted": False,
                "retraction_note": None,
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
        ],
        "study_authors": [
            {
                "id": 1,
                "study_id": 1,
                "position": 0,
                "family": "Darlow",
                "given": "Ben",
                **PLAIN_NAME,
            },
            {
                "id": 2,
                "study_id": 1,
                "position": 1,
                "family": "Dowell",
                "given": "Anthony",
                **PLAIN_NAME,
            },
        ],
        "evidence": [
            {
                "id": 1,
                "claim_id": 1,
                "study_id": 1,
                "stance": "mentions",
                "finding": "Patients recalled being told their glutes had switched off.",
                "quote": None,
                "notes": None,
                "risk_of_bias": None,
                "directness": "indirect",
                "created_at": decided,
                "updated_at": decided,
                "version": 1,
            }
        ],
        "verdicts": [
            {
                "id": 1,
                "claim_id": 1,
                "rating": "refuted",
                "certainty": "low",
                "rationale": "No study shows sitting switching the muscle off.",
                "decided_at": decided,
                "decided_by": "curator-ana",
                "is_current": True,
                "assessed_rating": "unproven",
                "assessed_certainty": "very_low",
            }
        ],
        "review_reasons": [
            {
                "id": 1,
                "claim_id": 1,
                "reason": "evidence_changed",
                "since": decided,
                "study_id": None,
            }
        ],
        "sources": [
            {
                "id": 1,
                "url": "https://example.org/glute-amnesia",
                "title": "Glute amnesia? No, your butt still works!",
                "authors": [{"family": "Joachim", "given": "Doug"}],
                "published": None,
                "publisher": None,
                "notes": None,
                "created_at": decided,
                "updated_at": decided,
                "version": 1,
            }
        ],
        "source_appearances": [
            {
                "id": 1,
                "source_id": 1,
                "claim_id": 1,
                "position": 0,
                "stance": "refutes",
                "excerpt": "They are NOT turned off.",
            }
        ],
        "source_citations": [],
        "api_keys": [
            {
                "id": 1,
                "name": "curator-ana",
                "role": "admin",
                "created_at": created,
                "revoked_at": None,
            }
        ],
        "audit_log": [
            {
                "id": 1,
                "occurred_at": decided,
                "who": "curator-ana",
                "api_key_id": 1,
                "action": "create",
                "entity": "verdict",
                "entity_id": 1,
                "before": None,
                "after": {"id": 1, "rating": "refuted", "certainty": "low"},
            }
        ],
    }
