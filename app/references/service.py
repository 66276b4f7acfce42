"""Reference lists, single citations and ClaimReview documents, from stored studies."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import NotFound
from app.models import Claim, Evidence, Source, Study, StudyAuthor, Verdict
from app.references.formatting import CitableAuthor, CitableStudy, CitationFormat
from app.references.renderer import CitationRenderer
from app.review import service as review_service
from app.sources import service as source_service
from app.studies import service as study_service
from app.vocabularies import RATING_LABELS, RATING_VALUES, SourceStance


class NoVerdict(NotFound):
    """The claim has no verdict yet, so there is no review to publish."""


def citable(study: Study) -> CitableStudy:
    """Return what a citation of a stored study (with its authors loaded) is made from."""
    return CitableStudy(
        id=study.id,
        bibtex_key=study.bibtex_key,
        title=study.title,
        authors=tuple(
            CitableAuthor(
                family=a.family,
                given=a.given,
                non_dropping_particle=a.non_dropping_particle,
                dropping_particle=a.dropping_particle,
                suffix=a.suffix,
                literal=a.literal,
            )
            for a in study.authors
        ),
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


def _in_evidence_order(claim: Claim, *columns: Any) -> Select[Any]:
    """Select ``columns`` of a claim's evidence and studies in the evidence order: strongest
    design first, then the newest year, then the order linked."""
    return (
        select(*columns)
        .select_from(Study)
        .join(Evidence, Evidence.study_id == Study.id)
        .where(Evidence.claim_id == claim.id)
        .order_by(
            study_service.design_rank(Study.design),
            func.coalesce(Study.year, 0).desc(),
            Evidence.id,
        )
    )


def linked_studies(claim: Claim, *columns: Any) -> Select[Any]:
    """Select ``columns`` of a claim's evidence and studies (authors loaded), in the evidence
    order: strongest design first, then the newest year, then the order linked."""
    return _in_evidence_order(claim, *columns).options(selectinload(Study.authors))


async def studies_behind(session: AsyncSession, *, claim: Claim) -> list[Study]:
    """Return every study linked to a claim, in the evidence order (strongest design first)."""
    return list((await session.execute(linked_studies(claim, Study))).scalars())


# The columns a citation is made from, in CitableStudy's order after its authors.
_CITED_COLUMNS = (
    Study.id,
    Study.bibtex_key,
    Study.title,
    Study.year,
    Study.journal,
    Study.volume,
    Study.issue,
    Study.pages,
    Study.doi,
    Study.pmid,
    Study.pmcid,
    Study.url,
    Study.publication_type,
    Study.accessed,
    Study.abstract,
    Study.publisher,
)
_AUTHOR_COLUMNS = (
    StudyAuthor.family,
    StudyAuthor.given,
    StudyAuthor.non_dropping_particle,
    StudyAuthor.dropping_particle,
    StudyAuthor.suffix,
    StudyAuthor.literal,
)


async def citable_studies_behind(session: AsyncSession, *, claim: Claim) -> list[CitableStudy]:
    """Return what citations of a claim's studies are made from, in the evidence order.

    Two plain queries, the studies' cited columns and their authors' names, with no ORM
    objects: a claim may have a hundred studies, and their loading ran on the event loop.
    """
    rows = (await session.execute(_in_evidence_order(claim, *_CITED_COLUMNS))).all()
    authors: dict[int, list[CitableAuthor]] = {row.id: [] for row in rows}
    if authors:
        named = await session.execute(
            select(StudyAuthor.study_id, *_AUTHOR_COLUMNS)
            .where(StudyAuthor.study_id.in_(list(authors)))
            .order_by(StudyAuthor.study_id, StudyAuthor.position)
        )
        for study_id, family, given, non_dropping, dropping, suffix, literal in named:
            authors[study_id].append(
                CitableAuthor(family, given, non_dropping, dropping, suffix, literal)
            )
    return [
        CitableStudy(
            id=row.id,
            bibtex_key=row.bibtex_key,
            title=row.title,
            authors=tuple(authors[row.id]),
            year=row.year,
            journal=row.journal,
            volume=row.volume,
            issue=row.issue,
            pages=row.pages,
            doi=row.doi,
            pmid=row.pmid,
            pmcid=row.pmcid,
            url=row.url,
            publication_type=row.publication_type,
            accessed=row.accessed,
            abstract=row.abstract,
            publisher=row.publisher,
        )
        for row in rows
    ]


async def reference_list(
    session: AsyncSession, *, claim: Claim, fmt: CitationFormat, renderer: CitationRenderer
) -> str:
    """Render the reference list of a claim's studies, cited in the evidence order."""
    studies = await citable_studies_behind(session, claim=claim)
    return await renderer.reference_list(studies, fmt)


async def citations(
    studies: Sequence[Study], fmt: CitationFormat, *, renderer: CitationRenderer
) -> list[str]:
    """Render each study's citation, one line each, in the order given."""
    return await renderer.citations([citable(study) for study in studies], fmt)


def _people(authors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    people = []
    for person in authors:
        given, family = person.get("given"), person["family"]
        name = f"{given} {family}" if given else family
        people.append({"@type": "Person", "name": name, "familyName": family})
    return people


def _creative_work(source: Source) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "headline": source.title}
    if source.url:
        work["url"] = source.url
    if source.authors:
        work["author"] = _people(source.authors)
    if source.published:
        work["datePublished"] = source.published.isoformat()
    if source.publisher:
        work["publisher"] = {"@type": "Organization", "name": source.publisher}
    return work


async def _appearances(session: AsyncSession, *, claim: Claim) -> dict[str, Any]:
    """Return the Claim's `appearance`, `firstAppearance`, `author` and `datePublished`.

    `appearance` lists every source the claim appears in; `firstAppearance` is the earliest
    (by publication date; undated sources after dated ones, then in the order recorded). The
    claim's `author` and `datePublished` are those of the earliest source that asserts it; when
    no source asserts it, the claim's author is not known and both are left out (the author of
    an article that refutes or questions a claim did not make it), as they are where the
    asserting source lacks them.
    """
    found = await source_service.appearances_of(session, claim=claim)
    if not found:
        return {}
    works = [_creative_work(source) for source, _stance in found]
    fields: dict[str, Any] = {"appearance": works, "firstAppearance": works[0]}
    origin = next((source for source, stance in found if stance == SourceStance.asserts), None)
    if origin is None:
        return fields
    if origin.authors:
        fields["author"] = _people(origin.authors)
    if origin.published:
        fields["datePublished"] = origin.published.isoformat()
    return fields


REVIEW_STATUS = {False: "Published", True: "UnderReview"}


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
    api_url = f"{base_url}/v1/claims/{claim.slug}"
    author = {"@type": "Organization", "name": organization, "url": base_url}
    item_reviewed: dict[str, Any] = {
        "@type": "Claim",
        "name": claim.statement,
        "alternateName": [alias.alias for alias in claim.aliases],
        **await _appearances(session, claim=claim),
    }
    review = (
        await review_service.reviews_for(
            session, created={claim.id: claim.created_at}, with_verdict={claim.id}
        )
    )[claim.id]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{base_url}/claims/{claim.slug}",
        "claimReviewed": claim.statement,
        "itemReviewed": item_reviewed,
        "author": author,
        "datePublished": verdicts[0].decided_at.date().isoformat(),
        "dateModified": current.decided_at.isoformat().replace("+00:00", "Z"),
        "reviewRating": rating,
        "reviewBody": current.rationale,
        # The verdict stands as published, or curators are to look at it again (`review`).
        "creativeWorkStatus": REVIEW_STATUS[review.needs_review],
        "citation": f"{api_url}/references",
    }
