"""Source endpoints: the texts that make claims, and the check of a text's citations."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import CurrentEditor
from app.claims import service as claim_service
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import model_response, require_match, write_response
from app.pagination import CursorQuery, LimitQuery, Page, link_header
from app.params import MAX_ID, SourceIdPath
from app.sources import service
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
    found_claim = await claim_service.resolve(session, ref=claim) if claim else None
    items, next_cursor = await service.list_sources(
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
async def create(data: SourceCreate, session: SessionDep, actor: CurrentEditor) -> Response:
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
async def update(
    source: SourceIdPath,
    data: SourceUpdate,
    request: Request,
    session: SessionDep,
    actor: CurrentEditor,
) -> Response:
    """Change a source's fields; `appearances` or `citations` sent replace the old lists.

    Send `If-Match` with the ETag you read to avoid overwriting someone else's change.
    """
    found = await service.get(session, source_id=source, for_update=True)
    before = service.to_read(found)
    require_match(request, before)
    return write_response(
        await service.update(session, source=found, before=before, data=data, actor=actor)
    )


@router.delete(
    "/{source}",
    summary="Delete a source",
    status_code=204,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete(
    source: SourceIdPath, request: Request, session: SessionDep, actor: CurrentEditor
) -> Response:
    """Delete a source with its appearances and citations; claims and studies stay."""
    found = await service.get(session, source_id=source, for_update=True)
    before = service.to_read(found)
    require_match(request, before)
    await service.delete(session, source=found, before=before, actor=actor)
    return Response(status_code=204)
