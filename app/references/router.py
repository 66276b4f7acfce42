"""Reference lists, citations and ClaimReview."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from app.claims.dependencies import ValidClaim, ValidClaimAlone
from app.db import SessionDep
from app.encoding import dumps
from app.errors import NotAcceptable, problem_responses
from app.http_cache import conditional_response
from app.negotiation import Offer, negotiate
from app.params import StudyIdPath
from app.references import service
from app.references.dependencies import CitationsDep
from app.references.formatting import MEDIA_TYPES, CitationFormat
from app.studies import service as study_service

router = APIRouter(tags=["references"])

CLAIMREVIEW_MEDIA_TYPE = "application/ld+json"
# DOI content negotiation's formatted citation: ``text/x-bibliography; style=apa``.
BIBLIOGRAPHY_MEDIA_TYPE = "text/x-bibliography"

# What a client may ask for in Accept, and the format each means; the first is the default.
OFFERS: tuple[Offer[CitationFormat], ...] = (
    Offer(MEDIA_TYPES[CitationFormat.apa], CitationFormat.apa),
    Offer(BIBLIOGRAPHY_MEDIA_TYPE, CitationFormat.apa, {"style": "apa"}),
    Offer(BIBLIOGRAPHY_MEDIA_TYPE, CitationFormat.vancouver, {"style": "vancouver"}),
    Offer(MEDIA_TYPES[CitationFormat.bibtex], CitationFormat.bibtex),
    Offer("text/x-bibtex", CitationFormat.bibtex),
    Offer(MEDIA_TYPES[CitationFormat.ris], CitationFormat.ris),
    Offer(MEDIA_TYPES[CitationFormat.csl_json], CitationFormat.csl_json),
    Offer("application/json", CitationFormat.csl_json),
)

FormatQuery = Annotated[
    CitationFormat | None,
    Query(
        alias="format",
        description="apa (default), vancouver, bibtex, ris or csl-json. Without it the "
        "`Accept` header chooses, with its q-values (e.g. `application/x-bibtex`, or "
        "DOI-style `text/x-bibliography; style=apa` or `style=vancouver`).",
    ),
]
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]

TEXT_RESPONSES = {
    200: {
        "description": "The citations, in the media type of the format.",
        "content": {
            MEDIA_TYPES[CitationFormat.apa]: {
                "schema": {"type": "string"},
                "example": "1. Darlow B, Dowell A, Baxter GD, Mathieson F, Perry M, Dean S. The "
                "enduring impact of what clinicians say to people with low back pain. Ann Fam "
                "Med. 2013;11(6):527\u201334. doi:10.1370/afm.1518\n",
            },
            BIBLIOGRAPHY_MEDIA_TYPE: {
                "schema": {"type": "string"},
                "example": "Darlow, B., Dowell, A., Baxter, G. D., Mathieson, F., Perry, M., & "
                "Dean, S. (2013). The Enduring Impact of What Clinicians Say to People With Low "
                "Back Pain. Annals of Family Medicine, 11(6), 527\u2013534. "
                "https://doi.org/10.1370/afm.1518\n",
            },
            MEDIA_TYPES[CitationFormat.bibtex]: {"schema": {"type": "string"}},
            MEDIA_TYPES[CitationFormat.ris]: {"schema": {"type": "string"}},
            MEDIA_TYPES[CitationFormat.csl_json]: {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/CslItem"}}
            },
        },
    },
    **problem_responses(404, 406, 422),
}


def choose_format(
    requested: CitationFormat | None, accept: str | None
) -> tuple[CitationFormat, str]:
    """Return the format and the media type to answer: ``format`` when given, else the best
    offer ``Accept`` allows (with its q-values); 406 when it allows none."""
    if requested is not None:
        return requested, _with_charset(MEDIA_TYPES[requested])
    offer = negotiate(accept, OFFERS)
    if offer is None:
        kinds = dict.fromkeys(
            f"{o.media_type}; style={o.params['style']}" if o.params else o.media_type
            for o in OFFERS
        )
        raise NotAcceptable(
            f"Cannot answer '{accept}'. Ask for one of: {', '.join(kinds)}, or use `format`."
        )
    return offer.value, _with_charset(offer.media_type)


def _with_charset(media_type: str) -> str:
    return media_type if "charset" in media_type else f"{media_type}; charset=utf-8"


@router.get(
    "/v1/claims/{claim}/references",
    summary="A claim's reference list",
    response_class=Response,
    responses=TEXT_RESPONSES,
)
async def claim_references(
    claim: ValidClaimAlone,
    request: Request,
    session: SessionDep,
    renderer: CitationsDep,
    fmt: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    """Cite every study behind a claim, ready to paste: APA alphabetical, Vancouver numbered
    in citation order (the evidence order, strongest design first)."""
    chosen, media_type = choose_format(fmt, accept)
    body = await service.reference_list(session, claim=claim, fmt=chosen, renderer=renderer)
    return conditional_response(
        request, body.encode(), media_type=media_type, headers={"Vary": "Accept"}
    )


@router.get(
    "/v1/studies/{study}/citation",
    summary="Cite a study",
    response_class=Response,
    responses=TEXT_RESPONSES,
)
async def study_citation(
    study: StudyIdPath,
    request: Request,
    session: SessionDep,
    renderer: CitationsDep,
    fmt: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    """Cite one study in APA, Vancouver, BibTeX, RIS or CSL-JSON."""
    chosen, media_type = choose_format(fmt, accept)
    found = await study_service.get(session, study_id=study)
    (body,) = await service.citations([found], chosen, renderer=renderer)
    return conditional_response(
        request, body.encode(), media_type=media_type, headers={"Vary": "Accept"}
    )


@router.get(
    "/v1/claims/{claim}/claimreview",
    summary="The claim's ClaimReview (schema.org)",
    response_class=Response,
    responses={
        200: {
            "description": "A schema.org ClaimReview as JSON-LD.",
            "content": {
                CLAIMREVIEW_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ClaimReview"}}
            },
        },
        **problem_responses(404, 422),
    },
)
async def claim_review(claim: ValidClaim, request: Request, session: SessionDep) -> Response:
    """Publish the current verdict as a schema.org ClaimReview, for search engines and apps."""
    settings = request.app.state.settings
    document = await service.claim_review(
        session,
        claim=claim,
        base_url=settings.public_base_url.rstrip("/"),
        organization=settings.organization_name,
    )
    return conditional_response(request, dumps(document), media_type=CLAIMREVIEW_MEDIA_TYPE)
