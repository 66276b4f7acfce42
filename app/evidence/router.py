"""Evidence endpoints: a claim's evidence, and single links."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import CurrentEditor
from app.claims.dependencies import ClaimForWrite, ValidClaimRow
from app.db import RowsDep, SessionDep
from app.errors import problem_responses
from app.evidence import service
from app.evidence.dependencies import EvidenceEdit
from app.evidence.schemas import EvidenceCreate, EvidenceRead, EvidenceUpdate
from app.http_cache import model_response, write_response
from app.pagination import FIRST_PAGE, Page, PageParams, page_response
from app.params import EvidenceIdPath
from app.response_cache import ScopedByEntities
from app.vocabularies import Stance

router = APIRouter(tags=["evidence"])


@router.get(
    "/v1/claims/{claim}/evidence",
    summary="A claim's evidence",
    response_model=Page[EvidenceRead],
    responses=problem_responses(404, 422),
    dependencies=[ScopedByEntities],
)
async def list_for_claim(
    claim: ValidClaimRow,
    request: Request,
    plain_rows: RowsDep,
    stance: Annotated[list[Stance] | None, Query(description="Only these stances.")] = None,
    page: PageParams = FIRST_PAGE,
) -> Response:
    """List the studies behind a claim: strongest design first, then the newest year."""
    found = await service.list(plain_rows, page, claim=claim, stances=stance or [])
    return page_response(request, found)


@router.post(
    "/v1/claims/{claim}/evidence",
    summary="Link a study to a claim",
    status_code=201,
    response_model=EvidenceRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create(
    actor: CurrentEditor, claim: ClaimForWrite, data: EvidenceCreate, session: SessionDep
) -> Response:
    """Link a study with its stance and finding; a study links to a claim once (409)."""
    created = await service.create(session, claim=claim, data=data, actor=actor)
    return write_response(
        created, status_code=201, headers={"Location": service.evidence_url(created.id)}
    )


@router.get(
    "/v1/evidence/{evidence}",
    summary="Get an evidence link",
    response_model=EvidenceRead,
    responses=problem_responses(404, 422),
    dependencies=[ScopedByEntities],
)
async def get(evidence: EvidenceIdPath, request: Request, session: SessionDep) -> Response:
    """Get one link between a claim and a study."""
    found = await service.get(session, evidence_id=evidence)
    return model_response(request, service.read(found))


@router.patch(
    "/v1/evidence/{evidence}",
    summary="Change an evidence link",
    response_model=EvidenceRead,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def update(edit: EvidenceEdit, data: EvidenceUpdate, session: SessionDep) -> Response:
    """Change a link's stance, finding, quote, notes or appraisal (`risk_of_bias`, `directness`;
    null clears one); send `If-Match`."""
    return write_response(await service.update(session, edit=edit, data=data))


@router.delete(
    "/v1/evidence/{evidence}",
    summary="Remove an evidence link",
    status_code=204,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete(edit: EvidenceEdit, session: SessionDep) -> Response:
    """Unlink a study from a claim; the study itself stays."""
    await service.delete(session, edit=edit)
    return Response(status_code=204)
