"""Reference lists, single citations and ClaimReview documents, from stored studies."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import NotFound
from app.models import Claim, Evidence, Study, Verdict
from app.references.formatting import (
    CitableAuthor,
    CitableStudy,
    CitationFormat,
    render,
    render_one,
)
from app.studies import service as study_service
from app.vocabularies import RATING_LABELS, RATING_VALUES


class NoVerdict(NotFound):
    """The claim has no verdict yet, so there is no review to publish."""


def citable(study: Study) -> CitableStudy:
    """Return what a citation of a stored study (with its authors loaded) is made from."""
    return CitableStudy(
        id=study.id,
        title=study.title,
        authors=tuple(CitableAuthor(family=a.family, given=a.given) for a in study.authors),
        year=study.year,
        journal=study.journal,
        volume=study.volume,
        issue=study.issue,
        pages=study.pages,
        doi=study.doi,
        pmid=study.pmid,
        pmcid=study.pmcid,
        url=study.url,
        publication_type=study.publication_type,
        accessed=study.accessed,
        abstract=study.abstract,
        publisher=study.publisher,
    )


async def studies_behind(session: AsyncSession, *, claim: Claim) -> list[Study]:
    """Return every study linked to a claim, in the evidence order (strongest design first)."""
    statement = (
        select(Study)
        .join(Evidence, Evidence.study_id == Study.id)
        .options(selectinload(Study.authors))
        .where(Evidence.claim_id == claim.id)
        .order_by(
            study_service.design_rank(Study.design),
            func.coalesce(Study.year, 0).desc(),
            Evidence.id,
        )
    )
    return list((await session.execute(statement)).scalars())


async def reference_list(session: AsyncSession, *, claim: Claim, fmt: CitationFormat) -> str:
    """Render the numbered reference list of a claim's studies."""
    studies = await studies_behind(session, claim=claim)
    return render([citable(study) for study in studies], fmt)


def citation(study: Study, fmt: CitationFormat) -> str:
    """Render one study's citation."""
    return render_one(citable(study), fmt)


async def claim_review(
    session: AsyncSession, *, claim: Claim, base_url: str, organization: str
) -> dict[str, Any]:
    """Return the schema.org ClaimReview of a claim's current verdict; 404 without a verdict."""
    verdicts = list(
        (
            await session.execute(
                select(Verdict)
                .where(Verdict.claim_id == claim.id)
                .order_by(Verdict.decided_at, Verdict.id)
            )
        ).scalars()
    )
    current = next((verdict for verdict in verdicts if verdict.is_current), None)
    if current is None:
        raise NoVerdict(f"Claim '{claim.slug}' has no verdict yet, so it has no ClaimReview.")
    rating: dict[str, Any] = {
        "@type": "Rating",
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": RATING_LABELS[current.rating],
    }
    value = RATING_VALUES[current.rating]
    if value is not None:
        rating["ratingValue"] = value
    url = f"{base_url}/v1/claims/{claim.slug}"
    author = {"@type": "Organization", "name": organization, "url": base_url}
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim.statement,
        "itemReviewed": {
            "@type": "Claim",
            "name": claim.statement,
            "alternateName": [alias.alias for alias in claim.aliases],
        },
        "author": author,
        "datePublished": verdicts[0].decided_at.date().isoformat(),
        "dateModified": current.decided_at.isoformat().replace("+00:00", "Z"),
        "reviewRating": rating,
        "reviewBody": current.rationale,
        "citation": f"{url}/references",
    }
