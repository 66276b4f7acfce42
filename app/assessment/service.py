"""Assessments: load what the rules read for some claims, in a fixed number of queries."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.assessment.rules import Link, assess
from app.assessment.schemas import Assessment
from app.models import Claim, Evidence, Study, StudyAuthor
from app.studies.schemas import ClaimRef
from app.verdicts import service as verdict_service

TITLE_IN_LABEL = 60


def _label(evidence_id: int, title: str, family: str | None, year: int | None) -> str:
    short = title if len(title) <= TITLE_IN_LABEL else title[: TITLE_IN_LABEL - 1] + "…"
    who = " ".join(str(part) for part in (family, year) if part)
    return f'{who + ", " if who else ""}"{short}" (evidence {evidence_id})'


async def links_for(session: AsyncSession, *, claim_ids: Sequence[int]) -> dict[int, list[Link]]:
    """Return each claim's evidence links as the rules read them, by claim id."""
    result: dict[int, list[Link]] = {claim_id: [] for claim_id in claim_ids}
    if not claim_ids:
        return result
    first_author = (
        select(StudyAuthor.family)
        .where(StudyAuthor.study_id == Study.id)
        .order_by(StudyAuthor.position)
        .limit(1)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            Evidence.claim_id,
            Evidence.id,
            Evidence.stance,
            Evidence.risk_of_bias,
            Evidence.directness,
            Study.id.label("study_id"),
            Study.title,
            Study.year,
            Study.design,
            Study.publication_type,
            Study.sample_size,
            Study.retracted,
            first_author.label("family"),
        )
        .join(Study, Study.id == Evidence.study_id)
        .where(Evidence.claim_id.in_(claim_ids))
        .order_by(Evidence.claim_id, Evidence.id)
    )
    for row in rows:
        result[row.claim_id].append(
            Link(
                evidence_id=row.id,
                study_id=row.study_id,
                label=_label(row.id, row.title, row.family, row.year),
                stance=row.stance,
                design=row.design,
                publication_type=row.publication_type,
                sample_size=row.sample_size,
                retracted=row.retracted,
                risk_of_bias=row.risk_of_bias,
                directness=row.directness,
            )
        )
    return result


async def assess_many(
    session: AsyncSession, *, claims: Sequence[ClaimRef]
) -> dict[int, Assessment]:
    """Return the assessment of each claim, by claim id, in two queries."""
    ids = [claim.id for claim in claims]
    links = await links_for(session, claim_ids=ids)
    verdicts = await verdict_service.current_for(session, claim_ids=ids)
    return {claim.id: assess(claim, links[claim.id], verdicts.get(claim.id)) for claim in claims}


def reference(claim: Claim) -> ClaimRef:
    """Return how an assessment names its claim."""
    return ClaimRef(id=claim.id, slug=claim.slug, statement=claim.statement)


async def get(session: AsyncSession, *, claim: Claim) -> Assessment:
    """Return a claim's assessment, computed from its evidence as it stands now."""
    return (await assess_many(session, claims=[reference(claim)]))[claim.id]
