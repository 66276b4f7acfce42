"""Whole-database export and restore, for admins."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from app.admin import service
from app.admin.schemas import ExportDocument, RestoreReport
from app.auth.dependencies import CurrentAdmin
from app.db import Database, SessionDep
from app.errors import problem_responses
from app.http_cache import write_response

router = APIRouter(prefix="/v1", tags=["admin"])

EXPORT_DESCRIPTION = """
Download the whole database as one JSON document: topics, claims (deleted ones too, with
their `deleted_at`), aliases, former slugs, topic tags, studies and authors, evidence, every
verdict (current and past), API keys (only `id`, `name`, `role`, `created_at`, `revoked_at`:
never a secret, hash or prefix) and the audit log (its snapshots of API keys without their
prefix).

The document starts with `format`, `format_version` and `schema_revision`, then has one array
a table, rows in primary-key order, one row a line; timestamps are RFC 3339 UTC with
microseconds. It is read from one consistent snapshot and streamed, so it has no `ETag`
(it cannot be hashed before it is sent) and no export time: exporting the same data twice, or
exporting a restored copy, gives the same bytes. `citedb export FILE` writes the same document.
"""

IMPORT_DESCRIPTION = """
Restore a document made by `GET /v1/export` (or `citedb export`) into an **empty** database,
keeping every id, version and timestamp. Send the document as the request body. It is written
in one transaction: all of it, or nothing.

* The database must hold no content and no audit history other than its API keys' (409
  otherwise).
* The document must be of this server's `schema_revision` and `format_version` (422), and its
  rows valid and consistent with each other (422, naming the table, row and field).
* **API keys**: the document's keys replace the database's, including the key that makes this
  request. Exports carry no secrets, so no restored key can authenticate: make new keys with
  `citedb create-key` afterwards.
* No audit row is written for the restore itself, so that exporting the restored database
  gives the same document; the server log records it.
* The request body limit (`CITEDB_MAX_BODY_BYTES`, 413 beyond) applies; restore larger
  documents with `citedb import-db FILE`, which has no limit.
"""


@router.get(
    "/export",
    summary="Export the whole database",
    description=EXPORT_DESCRIPTION,
    response_model=ExportDocument,
    responses={
        200: {
            "description": "The export document, streamed.",
            "headers": {
                "Content-Disposition": {
                    "description": "`attachment; filename=citedb-export.json`",
                    "schema": {"type": "string"},
                }
            },
        },
        **problem_responses(401, 403, 503),
    },
)
async def export(request: Request, session: SessionDep, _actor: CurrentAdmin) -> Response:
    """Download the whole database as one JSON document."""
    # Streaming outlives the request's session: the export opens its own snapshot. The
    # request's session (the key check) gives its connection back first, so that concurrent
    # exports never each hold one connection while waiting for a second.
    await session.close()
    database: Database = request.app.state.database
    chunks = await service.start_export(database.read_sessions)
    return StreamingResponse(
        chunks,
        media_type="application/json",
        headers={
            "Content-Disposition": "attachment; filename=citedb-export.json",
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/import",
    summary="Restore an export into an empty database",
    description=IMPORT_DESCRIPTION,
    response_model=RestoreReport,
    responses=problem_responses(401, 403, 409, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ExportDocument"}}
            },
        }
    },
)
async def import_(actor: CurrentAdmin, request: Request, session: SessionDep) -> Response:
    """Restore an export document into an empty database, all or nothing."""
    document = service.parse_document(await request.body())
    report = await service.restore(session, document=document, actor=actor)
    return write_response(report, headers={"Cache-Control": "no-store"})
