"""The change feed, public: what changed, in commit order."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.changes import service
from app.changes.schemas import ChangePage
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import model_response
from app.pagination import LimitQuery, link_header

router = APIRouter(prefix="/v1/changes", tags=["meta"])

MAX_SEQ = 2**63 - 1


@router.get(
    "",
    summary="Follow the changes to content",
    response_model=ChangePage,
    responses=problem_responses(410, 422),
)
async def list_changes(
    request: Request,
    session: SessionDep,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_SEQ,
            description="The last `seq` you have seen: only changes after it (0 or omitted: "
            "from the oldest change kept).",
            examples=[0],
        ),
    ] = None,
    limit: LimitQuery = 20,
) -> Response:
    """List every change to claims, studies, evidence, verdicts and topics in commit order.

    Each write appends its changes in its own transaction, numbered `seq` in the order readers
    see the commits: a reader that keeps passing the last `seq` it saw as `after` never misses a
    change and never sees one twice, however many writers commit at once. Deletions appear as
    `deleted` changes (tombstones). A write that changes a claim's document through something
    else (a link or a verdict on it, a cited study retracted or redesigned) also lists that
    claim as `updated` with its new `version`, so a client keeping claims by version stays in
    step by following claim changes alone. Changes are kept for a configured number of days
    (`CITEDB_CHANGES_RETENTION_DAYS`); an `after` older than that, or beyond the newest change
    (the database was restored), answers 410: re-read the content, then follow the feed again.
    """
    items, next_cursor = await service.list(session, after=after, limit=limit)
    headers = link_header(request, next_cursor, param="after")
    if next_cursor is None:
        # The newest page grows with the next commit: let caches keep it only if they ask first.
        headers["Cache-Control"] = "public, no-cache"
    page = ChangePage(items=list(items), next_cursor=next_cursor)
    return model_response(request, page, headers=headers)
