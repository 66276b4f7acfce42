"""The bibliographic import endpoint."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.auth.dependencies import CurrentEditor
from app.db import DatabaseDep
from app.errors import problem_responses
from app.http_cache import write_response
from app.imports import service
from app.imports.dependencies import (
    ImportBatchRecordsDep,
    ImportFormatDep,
    ImportMaxRecordsDep,
    ImportTextDep,
)
from app.imports.schemas import ImportReport

router = APIRouter(prefix="/v1/studies", tags=["curation"])

BIBTEX_EXAMPLE = """@article{darlow2013,
  title = {The enduring impact of what clinicians say to people with low back pain},
  author = {Darlow, Ben and Dowell, Anthony and Baxter, G. David},
  journal = {Annals of Family Medicine},
  year = {2013},
  volume = {11},
  number = {6},
  pages = {527--534},
  doi = {10.1370/afm.1518}
}
"""
RIS_EXAMPLE = """TY  - JOUR
TI  - The enduring impact of what clinicians say to people with low back pain
AU  - Darlow, Ben
AU  - Dowell, Anthony
PY  - 2013
JO  - Annals of Family Medicine
VL  - 11
IS  - 6
SP  - 527
EP  - 534
DO  - 10.1370/afm.1518
ER  -
"""
CSL_JSON_EXAMPLE: list[dict[str, Any]] = [
    {
        "id": "darlow2013",
        "type": "article-journal",
        "title": "The enduring impact of what clinicians say to people with low back pain",
        "author": [
            {"family": "Darlow", "given": "Ben"},
            {"family": "Dowell", "given": "Anthony"},
        ],
        "issued": {"date-parts": [[2013, 11]]},
        "container-title": "Annals of Family Medicine",
        "volume": "11",
        "issue": "6",
        "page": "527-534",
        "DOI": "10.1370/afm.1518",
        "PMID": "24218376",
    }
]
MEDLINE_EXAMPLE = """PMID- 24218376
TI  - The enduring impact of what clinicians say to people with low back pain.
FAU - Darlow, Ben
FAU - Dowell, Anthony
DP  - 2013 Nov-Dec
JT  - Annals of family medicine
VI  - 11
IP  - 6
PG  - 527-34
LID - 10.1370/afm.1518 [doi]
PT  - Journal Article
"""


def _file(media_type: str, example: str, summary: str) -> dict[str, Any]:
    """Describe a text format's body as a file, bytes in UTF-8, which generated clients send."""
    return {
        "schema": {"type": "string", "format": "binary", "contentMediaType": media_type},
        "examples": {"record": {"summary": summary, "value": example}},
    }


REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "description": "The file's contents, UTF-8, in the media type of its format, or in any "
    "(`application/octet-stream`, `text/plain`) with `format` naming it. Up to the configured "
    "number of records (`CITEDB_IMPORT_MAX_RECORDS`) and bytes (`CITEDB_MAX_BODY_BYTES`).",
    "content": {
        "application/x-bibtex": _file("application/x-bibtex", BIBTEX_EXAMPLE, "A BibTeX entry"),
        "application/x-research-info-systems": _file(
            "application/x-research-info-systems", RIS_EXAMPLE, "A RIS record"
        ),
        # One item as the schema, though an array of items is read as well: generated
        # clients (openapi-python-client) cannot offer a list body beside a file body.
        "application/vnd.citationstyles.csl+json": {
            "schema": {
                "$ref": "#/components/schemas/CslItem",
                "description": "A CSL-JSON item, or an array of them.",
            },
            "examples": {
                "record": {"summary": "A CSL-JSON item", "value": CSL_JSON_EXAMPLE[0]},
                "records": {"summary": "An array of CSL-JSON items", "value": CSL_JSON_EXAMPLE},
            },
        },
        "application/nbib": _file("application/nbib", MEDLINE_EXAMPLE, "A PubMed MEDLINE record"),
        "application/octet-stream": _file(
            "application/octet-stream", BIBTEX_EXAMPLE, "Any of the formats, named by `format`"
        ),
        "text/plain": {
            "schema": {"type": "string"},
            "examples": {
                "record": {
                    "summary": "Any of the formats, named by `format`",
                    "value": BIBTEX_EXAMPLE,
                }
            },
        },
    },
}


DESCRIPTION = """
Import BibTeX, RIS, CSL-JSON or PubMed MEDLINE records as studies: send the file as the body.

* The `format` parameter names the format; without it the media type does (415 when neither
  does: `text/plain` needs `format`).
* Every record is answered in input order: `created` (with the new study's id and URL),
  `existing` (matched by DOI, then PMID, then normalised title + year unless their DOIs or
  PMIDs differ; with the matched study's URL, and `duplicate_of` when it repeats an earlier
  record of the same upload) or `error` (with the record's position or key and the reason).
* A bad record never stops the others. A body that is not in the format at all, is not UTF-8
  or holds more records than allowed is a 422 with the reason; a body too large is a 413.
* `dry_run=true` answers the same report and writes nothing (a record that would be created
  has no `study_id`).
* The import commits every `CITEDB_IMPORT_BATCH_RECORDS` records (100 by default) in a
  transaction of its own, so other curators' writes go in between. If it fails part way
  (503), the batches committed stay: send the file again and they match as `existing`.
* Each batch that creates studies is audited as one `import` row (entity `study_import`,
  `source` naming the record range) plus a `create` row per new study. An import that creates
  nothing writes nothing.
"""


@router.post(
    "/import",
    summary="Import studies from a bibliographic file",
    response_model=ImportReport,
    responses=problem_responses(401, 403, 413, 415, 422, 503),
    openapi_extra={"requestBody": REQUEST_BODY},
    description=DESCRIPTION,
)
async def import_studies(
    actor: CurrentEditor,
    database: DatabaseDep,
    fmt: ImportFormatDep,
    body: ImportTextDep,
    max_records: ImportMaxRecordsDep,
    batch_records: ImportBatchRecordsDep,
    dry_run: Annotated[
        bool, Query(description="Answer the same report, and write nothing.")
    ] = False,
) -> Response:
    """Import BibTeX, RIS, CSL-JSON or PubMed MEDLINE records as studies, or check them."""
    report = await service.import_body(
        database,
        body=body,
        fmt=fmt,
        dry_run=dry_run,
        max_records=max_records,
        batch_records=batch_records,
        actor=actor,
    )
    return write_response(report)
