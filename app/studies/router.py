"""Study endpoints."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import CurrentEditor
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import model_response, write_response
from app.pagination import FIRST_PAGE, Page, PageParams, page_response
from app.params import StudyIdPath
from app.response_cache import ScopedByEntities
from app.studies import service
from app.studies.dependencies import StudyEdit
from app.studies.schemas import Doi, Pmid, StudyCreate, StudyDetail, StudyRead, StudyUpdate
from app.vocabularies import Design, PublicationType

router = APIRouter(prefix="/v1/studies", tags=["studies"])

StudySort = Literal["-created_at", "created_at", "title", "-year", "year"]


@router.get(
    "",
    summary="List and search studies",
    response_model=Page[StudyRead],
    responses=problem_responses(422),
)
async def list_(
    request: Request,
    session: SessionDep,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Words in the title, journal or an author's name."),
    ] = None,
    design: Annotated[
        list[Design] | None, Query(description="Only these designs (repeatable).")
    ] = None,
    publication_type: Annotated[PublicationType | None, Query()] = None,
    year_from: Annotated[int | None, Query(ge=1000, le=2999)] = None,
    year_to: Annotated[int | None, Query(ge=1000, le=2999)] = None,
    doi: Annotated[Doi, Query(max_length=255, description="Exact DOI (any accepted form).")] = None,
    pmid: Annotated[Pmid, Query(max_length=32, description="Exact PubMed id.")] = None,
    retracted: Annotated[bool | None, Query()] = None,
    sort: Annotated[StudySort, Query(description="Order; `-` means descending.")] = "-created_at",
    page: PageParams = FIRST_PAGE,
) -> Response:
    """List studies, newest first by default, filtered by design, type, year or identifier."""
    found = await service.list(
        session,
        page,
        q=q,
        designs=design or [],
        publication_type=publication_type,
        year_from=year_from,
        year_to=year_to,
        doi=doi,
        pmid=pmid,
        retracted=retracted,
        sort=sort,
    )
    return page_response(request, found)


@router.get(
    "/{study}",
    summary="Get a study",
    response_model=StudyDetail,
    responses=problem_responses(404, 422),
    dependencies=[ScopedByEntities],
)
async def get(study: StudyIdPath, request: Request, session: SessionDep) -> Response:
    """Get one study with `cited_for`: the claims it is evidence for, and its stance on each."""
    found = await service.get(session, study_id=study)
    return model_response(request, await service.read(session, study=found))


@router.post(
    "",
    summary="Add a study",
    status_code=201,
    response_model=StudyDetail,
    responses=problem_responses(401, 403, 409, 422),
)
async def create(actor: CurrentEditor, data: StudyCreate, session: SessionDep) -> Response:
    """Add a study. The DOI is normalised; a DOI, PMID or PMCID already known answers 409."""
    created = await service.create(session, data=data, actor=actor)
    return write_response(
        created, status_code=201, headers={"Location": service.study_url(created.id)}
    )


@router.patch(
    "/{study}",
    summary="Change a study",
    response_model=StudyDetail,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update(edit: StudyEdit, data: StudyUpdate, session: SessionDep) -> Response:
    """Change a study's fields (e.g. mark it retracted); send `If-Match` to avoid lost updates."""
    return write_response(await service.update(session, edit=edit, data=data))


@router.delete(
    "/{study}",
    summary="Delete a study",
    status_code=204,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def delete(edit: StudyEdit, session: SessionDep) -> Response:
    """Delete a study that no evidence cites (409 otherwise: unlink it first)."""
    await service.delete(session, edit=edit)
    return Response(status_code=204)
