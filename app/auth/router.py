"""Administration of API keys."""

from fastapi import APIRouter, Request, Response

from app.auth import service
from app.auth.dependencies import CurrentAdmin
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import write_response
from app.pagination import FIRST_PAGE, Page, PageParams, page_response
from app.params import KeyIdPath

router = APIRouter(prefix="/v1/api-keys", tags=["admin"])


@router.post(
    "",
    summary="Create an API key",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=problem_responses(401, 403, 422),
)
async def create_api_key(actor: CurrentAdmin, data: ApiKeyCreate, session: SessionDep) -> Response:
    """Create a key and show its secret once; only a hash of it is stored."""
    created = await service.create(session, data=data, actor=actor)
    return write_response(
        created,
        status_code=201,
        headers={"Location": f"/v1/api-keys/{created.id}", "Cache-Control": "no-store"},
    )


@router.get(
    "",
    summary="List API keys",
    response_model=Page[ApiKeyRead],
    responses=problem_responses(401, 403, 422),
)
async def list_api_keys(
    request: Request,
    session: SessionDep,
    _actor: CurrentAdmin,
    page: PageParams = FIRST_PAGE,
) -> Response:
    """List keys, oldest first, with their names, roles and revocation times; never secrets."""
    return page_response(request, await service.list(session, page), public=False)


@router.delete(
    "/{key_id}",
    summary="Revoke an API key",
    status_code=204,
    responses=problem_responses(401, 403, 404, 422),
)
async def revoke_api_key(actor: CurrentAdmin, key_id: KeyIdPath, session: SessionDep) -> Response:
    """Revoke a key: requests that use it get 401 from now on."""
    await service.revoke(session, key_id=key_id, actor=actor)
    return Response(status_code=204)
