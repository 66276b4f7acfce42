"""Evidence endpoints: a claim's evidence, and single links."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import CurrentEditor
from app.claims.dependencies import ClaimForUpdate, ValidClaim
from app.db import SessionDep
from app.errors import problem_responses
from app.evidence import service
from app.evidence.schemas import EvidenceCreate, EvidenceRead, EvidenceUpdate
from app.http_cache import model_response, require_match, write_response
from app.pagination import CursorQuery, LimitQuery, Page, link_header
from app.params import EvidenceIdPath
from app.vocabularies import Stance

router = APIRouter(tags=["evidence"])


@router.get(
    "/v1/claims/{claim}/evidence",
    summary="A claim's evidence",
    response_model=Page[EvidenceRead],
    responses=problem_responses(404, 422),
)
async def list_for_claim(
    claim: ValidClaim,
    request: Request,
    session: SessionDep,
    stance: Annotated[list[Stance] | None, Query(description="Only these stances.")] = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Response:
    """List the studies behind a claim: strongest design first, then the newest year."""
    items, next_cursor = await service.list_for_claim(
        session, claim=claim, stances=stance or [], limit=limit, cursor=cursor
    )
    page = Page[EvidenceRead](items=items, next_cursor=next_cursor)
    return model_response(request, page, headers=link_header(request, next_cursor))


@router.post(
    "/v1/claims/{claim}/evidence",
    summary="Link a study to a claim",
    status_code=201,
    response_model=EvidenceRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create(
    claim: ClaimForUpdate, data: EvidenceCreate, session: SessionDep, actor: CurrentEditor
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
async def update(
    evidence: EvidenceIdPath,
    data: EvidenceUpdate,
    request: Request,
    session: SessionDep,
    actor: CurrentEditor,
) -> Response:
    """Change a link's stance, finding, quote, notes or appraisal (`risk_of_bias`, `directness`;
    null clears one); send `If-Match`."""
    found = await service.get(session, evidence_id=evidence, for_update=True)
    before = service.read(found)
    require_match(request, before)
    return write_response(
        await service.update(session, evidence=found, before=before, data=data, actor=actor)
    )


@router.delete(
    "/v1/evidence/{evidence}",
    summary="Remove an evidence link",
    status_code=204,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete(
    evidence: EvidenceIdPath, request: Request, session: SessionDep, actor: CurrentEditor
) -> Response:
    """Unlink a study from a claim; the study itself stays."""
    found = await service.get(session, evidence_id=evidence, for_update=True)
    before = service.read(found)
    require_match(request, before)
    await service.delete(session, evidence=found, before=before, actor=actor)
    return Response(status_code=204)
