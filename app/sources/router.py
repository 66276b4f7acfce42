"""Source endpoints: the texts that make claims, and the check of a text's citations."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import CurrentEditor
from app.claims import service as claim_service
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import model_response, write_response
from app.pagination import CursorQuery, LimitQuery, Page, link_header
from app.params import MAX_ID, SourceIdPath
from app.sources import service
from app.sources.dependencies import SourceEdit
from app.sources.schemas import SourceCreate, SourceRead, SourceUpdate

router = APIRouter(prefix="/v1/sources", tags=["sources"])


@router.get(
    "",
    summary="List sources",
    response_model=Page[SourceRead],
    responses=problem_responses(404, 422),
)
async def list_(
    request: Request,
    session: SessionDep,
    claim: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Only sources this claim (id or slug) appears in.",
        ),
    ] = None,
    study: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only sources that cite this study.")
    ] = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Response:
    """List sources, newest first: the articles, posts and videos that spread or refute claims."""
    found_claim = await claim_service.get(session, ref=claim) if claim else None
    items, next_cursor = await service.list(
        session, claim=found_claim, study_id=study, limit=limit, cursor=cursor
    )
    page = Page[SourceRead](items=items, next_cursor=next_cursor)
    return model_response(request, page, headers=link_header(request, next_cursor))


@router.get(
    "/{source}",
    summary="Get a source",
    response_model=SourceRead,
    responses=problem_responses(404, 422),
)
async def get(source: SourceIdPath, request: Request, session: SessionDep) -> Response:
    """Get one source with its `appearances` (the claims it makes) and `citations`."""
    found = await service.get(session, source_id=source)
    return model_response(request, service.to_read(found))


@router.post(
    "",
    summary="Add a source",
    status_code=201,
    response_model=SourceRead,
    responses=problem_responses(401, 403, 409, 422),
)
async def create(actor: CurrentEditor, data: SourceCreate, session: SessionDep) -> Response:
    """Add a source: the claims it makes (`appearances`) and what it says of the works it cites.

    A URL already known answers 409 with the existing source; an unknown claim or study in the
    lists answers 422 naming the entry.
    """
    created = await service.create(session, data=data, actor=actor)
    return write_response(
        created, status_code=201, headers={"Location": service.source_url(created.id)}
    )


@router.patch(
    "/{source}",
    summary="Change a source",
    response_model=SourceRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update(edit: SourceEdit, data: SourceUpdate, session: SessionDep) -> Response:
    """Change a source's fields; `appearances` or `citations` sent replace the old lists.

    Send `If-Match` with the ETag you read to avoid overwriting someone else's change.
    """
    return write_response(await service.update(session, edit=edit, data=data))


@router.delete(
    "/{source}",
    summary="Delete a source",
    status_code=204,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete(edit: SourceEdit, session: SessionDep) -> Response:
    """Delete a source with its appearances and citations; claims and studies stay."""
    await service.delete(session, edit=edit)
    return Response(status_code=204)
