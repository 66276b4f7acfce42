"""The review queue: claims whose verdict a curator should look at again."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.claims import service as claim_service
from app.claims.schemas import ClaimRead
from app.db import SessionDep
from app.errors import problem_responses
from app.pagination import FIRST_PAGE, Page, PageParams, page_response
from app.vocabularies import ReviewReasonKind

router = APIRouter(tags=["claims"])


@router.get(
    "/v1/review-queue",
    summary="Claims that need review",
    response_model=Page[ClaimRead],
    responses=problem_responses(422),
)
async def list_queue(
    request: Request,
    session: SessionDep,
    reason: Annotated[
        list[ReviewReasonKind] | None,
        Query(description="Only claims with one of these reasons (repeatable)."),
    ] = None,
    page: PageParams = FIRST_PAGE,
) -> Response:
    """List the claims that need review, the one with the oldest reason first.

    Reasons: `no_verdict` (since the claim was added), `evidence_changed` (a link added,
    changed or removed, or a cited study's design changed, after the verdict),
    `study_retracted` (a cited study marked retracted), `verdict_disagrees_with_assessment`
    (the assessment changed after the verdict and no longer agrees with it). Recording a new
    verdict clears them; each claim's `review` lists its reasons with `since`.
    """
    found = await claim_service.review_queue(session, page, reasons=reason or [])
    return page_response(request, found)
