"""Topic endpoints."""

from fastapi import APIRouter, Request, Response

from app.auth.dependencies import CurrentEditor
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import model_response, write_response
from app.pagination import FIRST_PAGE, Page, PageParams, page_response
from app.params import TopicPath
from app.topics import service
from app.topics.dependencies import TopicEdit
from app.topics.schemas import TopicCreate, TopicDetail, TopicRead, TopicUpdate

router = APIRouter(prefix="/v1/topics", tags=["topics"])


@router.get(
    "",
    summary="List topics",
    response_model=Page[TopicRead],
    responses=problem_responses(422),
)
async def list_(request: Request, session: SessionDep, page: PageParams = FIRST_PAGE) -> Response:
    """List topics by name, each with the number of claims it tags."""
    return page_response(request, await service.list(session, page))


@router.get(
    "/{topic}",
    summary="Get a topic with its claims",
    response_model=TopicDetail,
    responses=problem_responses(404, 422),
)
async def get(topic: TopicPath, request: Request, session: SessionDep) -> Response:
    """Get one topic by id or slug, with its first 100 claims and a link to all of them."""
    found = await service.get(session, ref=topic)
    return model_response(request, await service.read(session, topic=found))


@router.post(
    "",
    summary="Create a topic",
    status_code=201,
    response_model=TopicDetail,
    responses=problem_responses(401, 403, 409, 422),
)
async def create(actor: CurrentEditor, data: TopicCreate, session: SessionDep) -> Response:
    """Create a topic. Tag claims with it through the claim's `topics` field."""
    created = await service.create(session, data=data, actor=actor)
    return write_response(
        created, status_code=201, headers={"Location": f"/v1/topics/{created.slug}"}
    )


@router.patch(
    "/{topic}",
    summary="Change a topic",
    response_model=TopicDetail,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update(edit: TopicEdit, data: TopicUpdate, session: SessionDep) -> Response:
    """Change a topic's name, slug or description; send `If-Match` to avoid lost updates."""
    return write_response(await service.update(session, edit=edit, data=data))


@router.delete(
    "/{topic}",
    summary="Delete a topic",
    status_code=204,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete(edit: TopicEdit, session: SessionDep) -> Response:
    """Delete a topic; claims tagged with it lose the tag and are otherwise unchanged."""
    await service.delete(session, edit=edit)
    return Response(status_code=204)
