"""Fact-check pages: everything a person needs to judge a claim, gathered for one template."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.assessment import service as assessment_service
from app.assessment.schemas import Assessment
from app.encoding import dumps
from app.models import Claim, Evidence, Source, SourceAppearance, Study
from app.references import service as reference_service
from app.references.formatting import CitationFormat
from app.references.renderer import CitationRenderer
from app.verdicts import service as verdict_service
from app.verdicts.schemas import VerdictRead
from app.vocabularies import RATING_LABELS, words

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


TEMPLATES.filters["words"] = words


@dataclass(frozen=True)
class Appearance:
    """A source the claim appears in, with its stance and sentence."""

    source: Source
    stance: str
    excerpt: str | None


@dataclass(frozen=True)
class FactCheck:
    """What the fact-check page of one claim shows."""

    claim: Claim
    verdict: VerdictRead | None
    rating_label: str | None
    assessment: Assessment
    evidence: list[tuple[Evidence, Study]]
    references: list[tuple[str, Study]]
    appearances: list[Appearance]
    claim_review: dict[str, Any] | None
    api_url: str

    @property
    def study_titles(self) -> dict[int, str]:
        """Return the title of each study linked to the claim, by id."""
        return {study.id: study.title for _evidence, study in self.evidence}


async def _evidence(session: AsyncSession, claim: Claim) -> list[tuple[Evidence, Study]]:
    """Return the claim's evidence with its studies, in the reference list's order."""
    rows = await session.execute(reference_service.linked_studies(claim, Evidence, Study))
    return [(evidence, study) for evidence, study in rows.all()]


async def _appearances(session: AsyncSession, claim: Claim) -> list[Appearance]:
    rows = await session.execute(
        select(Source, SourceAppearance.stance, SourceAppearance.excerpt)
        .join(SourceAppearance, SourceAppearance.source_id == Source.id)
        .where(SourceAppearance.claim_id == claim.id)
        .order_by(Source.published.is_(None), Source.published, Source.id)
    )
    return [Appearance(source, str(stance), excerpt) for source, stance, excerpt in rows.all()]


async def get(
    session: AsyncSession,
    *,
    claim: Claim,
    base_url: str,
    organization: str,
    renderer: CitationRenderer,
) -> FactCheck:
    """Gather a claim's verdict, assessment, evidence, references, sources and ClaimReview."""
    verdict = (await verdict_service.current_for(session, claim_ids=[claim.id])).get(claim.id)
    evidence = await _evidence(session, claim)
    studies = [study for _evidence, study in evidence]
    # One APA entry a study, listed as APA lists references: alphabetically, unnumbered (the
    # entry starts with the authors' or, without them, the title's words).
    entries = await reference_service.citations(studies, CitationFormat.apa, renderer=renderer)
    references = sorted(zip(entries, studies, strict=True), key=lambda pair: pair[0].casefold())
    review = None
    if verdict is not None:
        review = await reference_service.claim_review(
            session, claim=claim, base_url=base_url, organization=organization
        )
    return FactCheck(
        claim=claim,
        verdict=verdict,
        rating_label=RATING_LABELS[verdict.rating] if verdict else None,
        assessment=await assessment_service.get(session, claim=claim),
        evidence=evidence,
        references=references,
        appearances=await _appearances(session, claim),
        claim_review=review,
        api_url=f"{base_url}/v1/claims/{claim.slug}",
    )


def json_ld(document: dict[str, Any]) -> str:
    """Return JSON-LD safe inside a ``<script>`` element (no ``</script>`` can end it early)."""
    return (
        dumps(document)
        .decode()
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def render(page: FactCheck) -> str:
    """Render the fact-check page as HTML."""
    template = TEMPLATES.get_template("claim.html")
    return template.render(
        page=page,
        json_ld=json_ld(page.claim_review) if page.claim_review else None,
    )
