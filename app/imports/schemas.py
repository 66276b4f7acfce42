"""Import schemas: the per-record report of one bibliographic import."""

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.bibliography import ImportFormat


class ImportStatus(StrEnum):
    """What became of one record."""

    created = "created"
    existing = "existing"
    error = "error"


class MatchedBy(StrEnum):
    """The key that matched a record to a study it duplicates."""

    doi = "doi"
    pmid = "pmid"
    title_year = "title_year"


class ImportResult(BaseModel):
    """What became of one record of the upload."""

    position: int = Field(description="The record's 1-based place in the upload.")
    key: str | None = Field(
        description="The record's own key (BibTeX key, RIS `ID`, CSL `id`, PMID), if any."
    )
    status: ImportStatus
    title: str | None = Field(default=None, description="The record's title, when it has one.")
    study_id: int | None = Field(
        default=None,
        description="`created`: the new study; `existing`: the study it matched. None in a "
        "dry run for a study that would be created.",
    )
    url: str | None = Field(default=None, description="The URL of `study_id`.")
    matched_by: MatchedBy | None = Field(
        default=None, description="`existing`: which key matched (DOI, then PMID, then title)."
    )
    duplicate_of: int | None = Field(
        default=None,
        description="`existing`: the position of the earlier record of this upload that it "
        "repeats, when the match is inside the upload.",
    )
    reason: str | None = Field(
        default=None, description="`error`: what is wrong with the record and where."
    )


REPORT_EXAMPLE: dict[str, Any] = {
    "format": "bibtex",
    "dry_run": False,
    "created": 1,
    "existing": 1,
    "errors": 1,
    "records": [
        {
            "position": 1,
            "key": "darlow2013",
            "status": "created",
            "title": "The enduring impact of what clinicians say to people with low back pain",
            "study_id": 42,
            "url": "/v1/studies/42",
            "matched_by": None,
            "duplicate_of": None,
            "reason": None,
        },
        {
            "position": 2,
            "key": "darlow2013b",
            "status": "existing",
            "title": "The enduring impact of what clinicians say to people with low back pain",
            "study_id": 42,
            "url": "/v1/studies/42",
            "matched_by": "doi",
            "duplicate_of": 1,
            "reason": None,
        },
        {
            "position": 3,
            "key": "broken",
            "status": "error",
            "title": None,
            "study_id": None,
            "url": None,
            "matched_by": None,
            "duplicate_of": None,
            "reason": "record 3 (key 'broken'): invalid DOI '10/fqd6hj': a shortDOI; "
            "give the full DOI (10.NNNN/suffix)",
        },
    ],
}


class ImportReport(BaseModel):
    """The outcome of an import: counts, and every record in input order."""

    model_config = ConfigDict(json_schema_extra={"examples": [REPORT_EXAMPLE]})

    format: ImportFormat
    dry_run: bool = Field(description="True when nothing was written.")
    created: int = Field(description="Records that became new studies.")
    existing: int = Field(description="Records that matched a study (or an earlier record).")
    errors: int = Field(description="Records that could not be imported.")
    records: list[ImportResult]
