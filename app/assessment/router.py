"""The assessment endpoint, under its claim."""

from fastapi import APIRouter, Request, Response

from app.assessment import rules, service
from app.assessment.schemas import Assessment
from app.claims.dependencies import ValidClaimAlone
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import model_response

router = APIRouter(tags=["claims"])

DESCRIPTION = (
    "Compute, from the claim's evidence as it stands now, what the evidence supports, "
    "GRADE-style, with every step shown: the body of evidence, its starting certainty, the "
    "five domains (each `reason` names the studies that decided it), the resulting certainty, "
    "the direction, a suggested rating, and whether the current verdict agrees.\n"
    + rules.documentation()
)


@router.get(
    "/v1/claims/{claim}/assessment",
    summary="What the claim's evidence supports (GRADE)",
    description=DESCRIPTION,
    response_model=Assessment,
    responses=problem_responses(404, 422),
)
async def get_assessment(claim: ValidClaimAlone, request: Request, session: SessionDep) -> Response:
    """Assess a claim's evidence with the GRADE rules documented here."""
    return model_response(request, await service.get(session, claim=claim))
