"""Source endpoints: the texts that make claims, and the check of a text's citations."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError

from app.auth.dependencies import CurrentEditor
from app.claims import service as claim_service
from app.db import SessionDep
from app.errors import InvalidInput, UnsupportedMediaType, problem_responses
from app.http_cache import model_response, write_response
from app.imports.dependencies import import_text
from app.pagination import FIRST_PAGE, Page, PageParams, page_response
from app.params import MAX_ID, SourceIdPath
from app.sources import service
from app.sources.dependencies import SourceEdit
from app.sources.schemas import CheckReport, CheckRequest, SourceCreate, SourceRead, SourceUpdate

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
    page: PageParams = FIRST_PAGE,
) -> Response:
    """List sources, newest first: the articles, posts and videos that spread or refute claims."""
    found_claim = await claim_service.get(session, ref=claim) if claim else None
    found = await service.list(session, page, claim=found_claim, study_id=study)
    return page_response(request, found)


CHECK_EXAMPLE = """Darlow et al. (2013) documented how clinician language shapes beliefs.

References
1. Darlow B, Dowell A, Baxter GD, Mathieson F, Perry M, Dean S. The enduring impact of what
clinicians say to people with low back pain. Ann Fam Med. 2013;11(6):527-34.
doi:10.1370/AFM.1518
2. Marshall PW, Murphy BA. Core stability exercises in individuals with and without chronic
nonspecific low back pain. J Strength Cond Res. 2011;25(12):3404-11.
"""

CHECK_BODY: dict[str, Any] = {
    "required": True,
    "description": 'The text to check: plain text, HTML, or JSON `{"text": ...}`.',
    "content": {
        "text/plain": {
            "schema": {"type": "string"},
            "examples": {
                "article": {"summary": "A numbered reference list", "value": CHECK_EXAMPLE}
            },
        },
        "text/html": {"schema": {"type": "string"}},
        "application/json": {
            "schema": CheckRequest.model_json_schema(),
            "examples": {"article": {"summary": "As JSON", "value": {"text": CHECK_EXAMPLE}}},
        },
    },
}


class UnsupportedCheckMediaType(UnsupportedMediaType):
    """The body of a check is not plain text, HTML or JSON."""


async def _checked_text(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json":
        try:
            text = CheckRequest.model_validate_json(await request.body()).text
        except ValidationError as exc:
            first = exc.errors()[0]
            loc: list[str | int] = ["body", *first["loc"]]
            raise InvalidInput(f"The body is not valid: {first['msg']}.", loc=loc) from None
    elif media_type in ("text/plain", "text/html", ""):
        text = await import_text(request)
    else:
        raise UnsupportedCheckMediaType(
            f"Cannot check '{media_type}': send text/plain, text/html or application/json."
        )
    if not text.strip():
        raise InvalidInput("The text is empty.", loc=["body"])
    return text


@router.post(
    "/check",
    summary="Check a text's citations against the stored studies",
    response_model=CheckReport,
    responses={
        201: {"description": "With `save=true`: checked, and recorded as a source."},
        **problem_responses(401, 403, 409, 415, 422),
    },
    openapi_extra={"requestBody": CHECK_BODY},
)
async def check(
    request: Request,
    session: SessionDep,
    actor: CurrentEditor,
    save: Annotated[
        bool, Query(description="Also record the text as a source citing the works matched.")
    ] = False,
    title: Annotated[
        str | None,
        Query(min_length=1, max_length=2000, description="The source's title (with `save`)."),
    ] = None,
    url: Annotated[
        str | None,
        Query(max_length=2000, pattern=r"^https?://\S+$", description="The source's URL."),
    ] = None,
) -> Response:
    """Find the reference list and the works cited in the running text of an article
    (numbered lists, author-year citations, PubMed/PMC/DOI links), match each to a stored
    study (identifiers first, then title, authors and year) and report field by field where
    the citation disagrees with the record. A reference that fits no study is `match: null`.
    Abbreviated journals, shortened titles, initials, "et al.", `527-34` page ranges and
    fields the record lacks are not discrepancies.
    """
    if save and not title:
        raise InvalidInput("`save=true` needs a `title` for the source.", loc=["query", "title"])
    report = await service.check(session, text=await _checked_text(request))
    if not save:
        return write_response(report)
    saved = await service.save_checked(
        session, report=report, title=title or "", url=url, actor=actor
    )
    location = service.source_url(saved.id)
    return write_response(
        report.model_copy(update={"source": location}),
        status_code=201,
        headers={"Location": location},
    )


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
