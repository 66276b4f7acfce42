"""The fact-check page of a claim, for people: `GET /claims/{claim}` (outside the API)."""

from fastapi import APIRouter, Request, Response

from app.claims.dependencies import ValidClaim
from app.db import SessionDep
from app.errors import problem_responses
from app.factcheck import service
from app.http_cache import conditional_response
from app.references.dependencies import CitationsDep

router = APIRouter(tags=["claims"])

HTML_MEDIA_TYPE = "text/html; charset=utf-8"


@router.get(
    "/claims/{claim}",
    summary="A claim's fact-check page (HTML)",
    response_class=Response,
    responses={
        200: {
            "description": "The page: verdict, assessment, evidence, references, where the "
            "claim appears, and the ClaimReview as embedded JSON-LD.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        **problem_responses(404, 422),
    },
)
async def page(
    claim: ValidClaim, request: Request, session: SessionDep, renderer: CitationsDep
) -> Response:
    """Render the claim's fact-check page for people and search engines (no JavaScript)."""
    settings = request.app.state.settings
    found = await service.get(
        session,
        claim=claim,
        base_url=settings.public_base_url.rstrip("/"),
        organization=settings.organization_name,
        renderer=renderer,
    )
    body = service.render(found).encode()
    return conditional_response(request, body, media_type=HTML_MEDIA_TYPE)
