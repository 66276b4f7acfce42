"""Claim endpoints: read, search and curate."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import CurrentEditor
from app.claims import rows, service
from app.claims.dependencies import ClaimEdit, DeletedClaim
from app.claims.schemas import ClaimCreate, ClaimRead, ClaimUpdate, MatchRequest, MatchResult
from app.db import RowsDep, SessionDep
from app.errors import problem_responses
from app.http_cache import conditional_response, model_response, write_response
from app.pagination import FIRST_PAGE, Page, PageParams, link_header, page_response
from app.params import ClaimPath
from app.response_cache import ScopedByEntities
from app.vocabularies import Certainty, Rating

router = APIRouter(prefix="/v1/claims", tags=["claims"])

ClaimSort = Literal["relevance", "updated_at", "-updated_at", "statement"]


@router.get(
    "",
    summary="Search and list claims",
    response_model=Page[ClaimRead],
    responses=problem_responses(422),
)
async def list_(
    request: Request,
    session: SessionDep,
    plain_rows: RowsDep,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=500,
            description="Free text or a question, e.g. `does sitting turn my glutes off?`; "
            "ranked by meaning (a sentence-embedding model) and by words (statements, "
            "aliases and summaries; rare words count most), so other words than the claim's "
            "find it too.",
        ),
    ] = None,
    topic: Annotated[
        list[str] | None, Query(description="Only claims tagged with any of these topic slugs.")
    ] = None,
    verdict: Annotated[
        list[Rating] | None, Query(description="Only claims whose current verdict is one of these.")
    ] = None,
    certainty: Annotated[
        Certainty | None, Query(description="Only claims whose current verdict has it.")
    ] = None,
    needs_review: Annotated[
        bool | None,
        Query(description="Only claims that need review (`true`) or that do not (`false`)."),
    ] = None,
    sort: Annotated[
        ClaimSort | None,
        Query(description="`relevance` (the default with `q`), `-updated_at` (otherwise), ..."),
    ] = None,
    page: PageParams = FIRST_PAGE,
) -> Response:
    """Search claims by free text or a question, filter by topic and verdict, and page."""
    if q:
        filtered = bool(topic or verdict or certainty is not None or needs_review is not None)
        searched = await rows.search(session, plain_rows, page, q=q, filtered=filtered, sort=sort)
        if searched is not None:
            headers = link_header(request, searched.next_cursor)
            return conditional_response(request, searched.body, headers=headers)
    found = await service.list(
        session,
        page,
        q=q,
        topics=topic or [],
        verdicts=verdict or [],
        certainty=certainty,
        sort=sort,
        needs_review=needs_review,
    )
    return page_response(request, found)


@router.post(
    "/match",
    summary="Match a sentence to claims",
    response_model=MatchResult,
    responses=problem_responses(422),
)
async def match(data: MatchRequest, request: Request, session: SessionDep) -> Response:
    """Find the claims a sentence asserts or asks about, each with a 0..1 score and its verdict."""
    items = await service.match(session, text=data.text, limit=data.limit)
    return model_response(request, MatchResult(items=items))


@router.get(
    "/{claim}",
    summary="Get a claim",
    response_model=ClaimRead,
    responses=problem_responses(404, 422),
    dependencies=[ScopedByEntities],
)
async def get(claim: ClaimPath, request: Request, plain_rows: RowsDep) -> Response:
    """Get a claim by id or slug with its current verdict and a summary of its evidence."""
    return conditional_response(request, await rows.document(plain_rows, ref=claim))


@router.post(
    "",
    summary="Add a claim",
    status_code=201,
    response_model=ClaimRead,
    responses=problem_responses(401, 403, 409, 422),
)
async def create(
    actor: CurrentEditor,
    data: ClaimCreate,
    session: SessionDep,
    allow_similar: Annotated[
        bool,
        Query(
            description="Add the claim even when one that means the same exists (otherwise "
            "409 with `similar`, the existing claims)."
        ),
    ] = False,
) -> Response:
    """Add a claim with its aliases and topics (by slug); the slug is made from the statement.

    A claim that means the same as an existing one answers 409 with `similar`, unless
    `allow_similar=true`."""
    created = await service.create(session, data=data, actor=actor, allow_similar=allow_similar)
    return write_response(
        created, status_code=201, headers={"Location": f"/v1/claims/{created.slug}"}
    )


@router.patch(
    "/{claim}",
    summary="Change a claim",
    response_model=ClaimRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update(edit: ClaimEdit, data: ClaimUpdate, session: SessionDep) -> Response:
    """Change a claim's statement, aliases, summary or topics; send `If-Match`."""
    return write_response(await service.update(session, edit=edit, data=data))


@router.delete(
    "/{claim}",
    summary="Delete a claim",
    status_code=204,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete(edit: ClaimEdit, session: SessionDep) -> Response:
    """Soft-delete a claim: it disappears from reads, lists, search and stats until restored."""
    await service.delete(session, edit=edit)
    return Response(status_code=204)


@router.post(
    "/{claim}/restore",
    summary="Restore a deleted claim",
    response_model=ClaimRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def restore(actor: CurrentEditor, claim: DeletedClaim, session: SessionDep) -> Response:
    """Bring a deleted claim back with its evidence and verdict history (409 if not deleted)."""
    return write_response(await service.restore(session, claim=claim, actor=actor))
