"""The audit log, for admins."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.audit import service
from app.audit.schemas import AuditRead
from app.auth.dependencies import CurrentAdmin
from app.db import SessionDep
from app.errors import problem_responses
from app.inputs import Instant
from app.pagination import FIRST_PAGE, Page, PageParams, page_response
from app.params import MAX_ID

router = APIRouter(prefix="/v1/audit", tags=["admin"])


@router.get(
    "",
    summary="Read the audit log",
    response_model=Page[AuditRead],
    responses=problem_responses(401, 403, 422),
)
async def list_audit(
    request: Request,
    session: SessionDep,
    _actor: CurrentAdmin,
    entity: Annotated[
        str | None, Query(max_length=32, description="Only writes to this kind of entity.")
    ] = None,
    entity_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only writes to this entity id.")
    ] = None,
    who: Annotated[
        str | None, Query(max_length=200, description="Only writes by this key name.")
    ] = None,
    since: Annotated[
        Instant | None, Query(description="Only writes at or after this time (RFC 3339).")
    ] = None,
    page: PageParams = FIRST_PAGE,
) -> Response:
    """List every write, newest first: who, when, action, entity, and its state before and after."""
    found = await service.list(
        session, page, entity=entity, entity_id=entity_id, who=who, since=since
    )
    return page_response(request, found, public=False)
