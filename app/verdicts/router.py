"""Verdict endpoints, under their claim."""

from fastapi import APIRouter, Request, Response

from app.auth.dependencies import CurrentEditor
from app.claims.dependencies import ClaimForWrite, ValidClaimAlone, ValidClaimRow
from app.db import RowsDep, SessionDep
from app.errors import problem_responses
from app.http_cache import model_response, write_response
from app.pagination import FIRST_PAGE, Page, PageParams, page_response
from app.params import VerdictIdPath
from app.response_cache import ScopedByEntities
from app.verdicts import service
from app.verdicts.schemas import VerdictCreate, VerdictRead

router = APIRouter(prefix="/v1/claims/{claim}/verdicts", tags=["claims"])


@router.get(
    "",
    summary="A claim's verdict history",
    response_model=Page[VerdictRead],
    responses=problem_responses(404, 422),
    dependencies=[ScopedByEntities],
)
async def list_verdicts(
    claim: ValidClaimRow,
    request: Request,
    plain_rows: RowsDep,
    page: PageParams = FIRST_PAGE,
) -> Response:
    """List a claim's verdicts, newest first; the current one has `is_current: true`."""
    return page_response(request, await service.list(plain_rows, page, claim=claim))


@router.get(
    "/{verdict}",
    summary="One verdict of a claim",
    response_model=VerdictRead,
    responses=problem_responses(404, 422),
    dependencies=[ScopedByEntities],
)
async def get_verdict(
    claim: ValidClaimAlone, verdict: VerdictIdPath, request: Request, session: SessionDep
) -> Response:
    """Get one verdict from a claim's history."""
    found = await service.get(session, claim=claim, verdict_id=verdict)
    return model_response(request, found)


@router.post(
    "",
    summary="Record a verdict",
    status_code=201,
    response_model=VerdictRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_verdict(
    actor: CurrentEditor, claim: ClaimForWrite, data: VerdictCreate, session: SessionDep
) -> Response:
    """Record a new verdict; it becomes current and the previous one stays in the history."""
    created = await service.create(session, claim=claim, data=data, actor=actor)
    return write_response(
        created,
        status_code=201,
        headers={"Location": f"/v1/claims/{claim.slug}/verdicts/{created.id}"},
    )
