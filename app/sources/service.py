"""Sources: get, list, create, update, delete; the sources a claim appears in."""

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import service as audit_service
from app.auth.actor import Actor
from app.claims import service as claim_service
from app.editing import Edit
from app.errors import Conflict, InvalidInput, NotFound
from app.models import Claim, Source, SourceAppearance, SourceCitation, Study, StudyAuthor
from app.models.base import utcnow
from app.pagination import Page, PageRequest, Sort, SortKey, paginate
from app.sources import matching
from app.sources.parsing import ParsedReference, find_references
from app.sources.schemas import (
    Appearance,
    AppearanceWrite,
    CheckedReference,
    CheckReport,
    CheckSummary,
    Citation,
    CitationWrite,
    Discrepancy,
    ReferenceMatch,
    SourceCreate,
    SourceRead,
    SourceUpdate,
)
from app.studies import service as study_service
from app.studies.schemas import Author, ClaimRef


class SourceNotFound(NotFound):
    """No source with that id."""


class DuplicateSource(Conflict):
    """A source with that URL exists."""


def source_url(source_id: int) -> str:
    """Return the canonical path of a source."""
    return f"/v1/sources/{source_id}"


def _with_children(statement: Select[Any]) -> Select[Any]:
    return statement.options(
        selectinload(Source.appearances).selectinload(SourceAppearance.claim),
        selectinload(Source.citations)
        .selectinload(SourceCitation.study)
        .selectinload(Study.authors),
    )


def to_read(source: Source) -> SourceRead:
    """Return a source's representation (its appearances and citations must be loaded)."""
    return SourceRead(
        id=source.id,
        url=source.url,
        title=source.title,
        authors=[Author.model_validate(author) for author in source.authors],
        published=source.published,
        publisher=source.publisher,
        notes=source.notes,
        appearances=[
            Appearance(
                claim=ClaimRef(
                    id=appearance.claim.id,
                    slug=appearance.claim.slug,
                    statement=appearance.claim.statement,
                ),
                stance=appearance.stance,
                excerpt=appearance.excerpt,
            )
            for appearance in source.appearances
            if appearance.claim.deleted_at is None
        ],
        citations=[
            Citation(study=study_service.to_brief(citation.study), statement=citation.statement)
            for citation in source.citations
        ],
        created_at=source.created_at,
        updated_at=source.updated_at,
        version=source.version,
    )


async def get(
    session: AsyncSession, *, source_id: int, for_update: bool = False, refresh: bool = False
) -> Source:
    """Return the source with this id, with its appearances and citations; 404 otherwise."""
    statement = _with_children(select(Source).where(Source.id == source_id))
    if refresh:
        statement = statement.execution_options(populate_existing=True)
    if for_update:
        statement = statement.with_for_update(of=Source)
    source: Source | None = (await session.execute(statement)).scalars().first()
    if source is None:
        raise SourceNotFound(f"No source {source_id}.")
    return source


NEWEST_FIRST = Sort(
    "-created_at",
    (SortKey(Source.created_at, True, datetime), SortKey(Source.id, True)),
)


async def list(
    session: AsyncSession, page: PageRequest, *, claim: Claim | None, study_id: int | None
) -> Page[SourceRead]:
    """Return a page of sources, newest first; only those a claim appears in or citing a study."""
    statement = _with_children(select(Source))
    if claim is not None:
        statement = statement.where(
            Source.id.in_(
                select(SourceAppearance.source_id).where(SourceAppearance.claim_id == claim.id)
            )
        )
    if study_id is not None:
        statement = statement.where(
            Source.id.in_(
                select(SourceCitation.source_id).where(SourceCitation.study_id == study_id)
            )
        )
    rows, next_cursor = await paginate(session, statement, sort=NEWEST_FIRST, page=page)
    return Page[SourceRead](items=[to_read(row[0]) for row in rows], next_cursor=next_cursor)


async def _ensure_unique_url(
    session: AsyncSession, *, url: str | None, exclude_id: int | None = None
) -> None:
    if not url:
        return
    statement = select(Source.id).where(Source.url == url)
    if exclude_id is not None:
        statement = statement.where(Source.id != exclude_id)
    existing = (await session.execute(statement.limit(1))).scalar_one_or_none()
    if existing is not None:
        raise DuplicateSource(
            f"A source with URL {url} exists: {source_url(existing)}",
            existing=source_url(existing),
        )


async def _appearances(
    session: AsyncSession, items: Sequence[AppearanceWrite]
) -> builtins.list[SourceAppearance]:
    rows: builtins.list[SourceAppearance] = []
    seen: set[int] = set()
    for position, item in enumerate(items):
        loc: builtins.list[str | int] = ["body", "appearances", position, "claim"]
        try:
            claim = await claim_service.get(session, ref=item.claim)
        except claim_service.ClaimNotFound:
            raise InvalidInput(f"No claim '{item.claim}'.", loc=loc) from None
        if claim.id in seen:
            raise InvalidInput(f"Claim '{claim.slug}' is listed twice.", loc=loc)
        seen.add(claim.id)
        rows.append(
            SourceAppearance(
                claim_id=claim.id, position=position, stance=item.stance, excerpt=item.excerpt
            )
        )
    return rows


async def _citations(
    session: AsyncSession, items: Sequence[CitationWrite]
) -> builtins.list[SourceCitation]:
    studies = await study_service.get_many(session, study_ids=[item.study_id for item in items])
    rows: builtins.list[SourceCitation] = []
    seen: set[int] = set()
    for position, item in enumerate(items):
        loc: builtins.list[str | int] = ["body", "citations", position, "study_id"]
        if item.study_id not in studies:
            raise InvalidInput(f"No study {item.study_id}.", loc=loc)
        if item.study_id in seen:
            raise InvalidInput(f"Study {item.study_id} is cited twice.", loc=loc)
        seen.add(item.study_id)
        rows.append(
            SourceCitation(study_id=item.study_id, position=position, statement=item.statement)
        )
    return rows


async def _reloaded(session: AsyncSession, source_id: int) -> SourceRead:
    return to_read(await get(session, source_id=source_id, refresh=True))


async def create(session: AsyncSession, *, data: SourceCreate, actor: Actor) -> SourceRead:
    """Add a source with its appearances and citations; 409 when its URL is already known."""
    await _ensure_unique_url(session, url=data.url)
    source = Source(
        url=data.url,
        title=data.title,
        authors=[author.model_dump() for author in data.authors],
        published=data.published,
        publisher=data.publisher,
        notes=data.notes,
    )
    source.appearances = await _appearances(session, data.appearances)
    source.citations = await _citations(session, data.citations)
    session.add(source)
    await session.flush()
    return await audit_service.created(
        session, actor=actor, entity="source", after=await _reloaded(session, source.id)
    )


async def update(
    session: AsyncSession, *, edit: Edit[Source, SourceRead], data: SourceUpdate
) -> SourceRead:
    """Apply the fields sent to a source (lists sent replace the old ones); bump its version."""
    source = edit.entity
    changes = data.model_dump(exclude_unset=True, exclude={"appearances", "citations"})
    if "url" in changes:
        await _ensure_unique_url(session, url=changes["url"], exclude_id=source.id)
    for field, value in changes.items():
        setattr(source, field, value)
    if data.appearances is not None:
        appearances = await _appearances(session, data.appearances)
        source.appearances.clear()
        await session.flush()
        source.appearances.extend(appearances)
    if data.citations is not None:
        citations = await _citations(session, data.citations)
        source.citations.clear()
        await session.flush()
        source.citations.extend(citations)
    source.version += 1
    source.updated_at = utcnow()
    await session.flush()
    return await audit_service.updated(
        session, edit=edit, entity="source", after=await _reloaded(session, source.id)
    )


async def delete(session: AsyncSession, *, edit: Edit[Source, SourceRead]) -> None:
    """Delete a source, its appearances and its citations (never the claims or studies)."""
    source = edit.entity
    await session.delete(source)
    await session.flush()
    await audit_service.deleted(session, edit=edit, entity="source")


async def appearances_of(
    session: AsyncSession, *, claim: Claim
) -> builtins.list[tuple[Source, str]]:
    """Return the sources a claim appears in with the source's stance, earliest first.

    Earliest means by publication date, undated sources after dated ones, then by id.
    """
    rows = await session.execute(
        select(Source, SourceAppearance.stance)
        .join(SourceAppearance, SourceAppearance.source_id == Source.id)
        .where(SourceAppearance.claim_id == claim.id)
        .order_by(Source.published.is_(None), Source.published, Source.id)
    )
    return [(source, str(stance)) for source, stance in rows.all()]


# --- The citation check ------------------------------------------------------------------------

# Most candidate studies one check compares its references with.
MAX_CANDIDATES = 5000


async def _candidates(
    session: AsyncSession, references: Sequence[ParsedReference]
) -> dict[int, Study]:
    """Return the studies any reference could be: by identifier, first author or title words."""
    conditions: builtins.list[Any] = []
    dois = {ref.doi for ref in references if ref.doi}
    pmids = {ref.pmid for ref in references if ref.pmid}
    pmcids = {ref.pmcid for ref in references if ref.pmcid}
    if dois:
        conditions.append(Study.doi.in_(dois))
    if pmids:
        conditions.append(Study.pmid.in_(pmids))
    if pmcids:
        conditions.append(Study.pmcid.in_(pmcids))
    families = {ref.first_family for ref in references if ref.first_family}
    if families:
        by_author = select(StudyAuthor.study_id).where(func.lower(StudyAuthor.family).in_(families))
        conditions.append(Study.id.in_(by_author))
    for ref in references:
        if not ref.title:
            continue
        words = sorted(matching.title_words(ref.title), key=len, reverse=True)[:2]
        if words:
            conditions.append(and_(*(Study.title_key.like(f"%{word}%") for word in words)))
    if not conditions:
        return {}
    statement = (
        select(Study)
        .options(selectinload(Study.authors))
        .where(or_(*conditions))
        .order_by(Study.id)
        .limit(MAX_CANDIDATES)
    )
    return {study.id: study for study in (await session.execute(statement)).scalars()}


def _match(reference: ParsedReference, studies: builtins.list[Study]) -> matching.Match | None:
    """Return the study a reference cites: identifiers first, then title, then author-year."""
    for name in ("doi", "pmid", "pmcid"):
        value = getattr(reference, name)
        found = next((study for study in studies if value and getattr(study, name) == value), None)
        if found is None:
            continue
        if matching.identifier_contradicted(reference, found):
            # The identifier names another work than the one described: trust the description
            # when it fits one study, and report the identifier as the discrepancy.
            return matching.best_title_match(reference, studies) or matching.Match(found, name, 1.0)
        return matching.Match(study=found, matched_by=name, score=1.0)
    if reference.title:
        return matching.best_title_match(reference, studies)
    return matching.author_year_match(reference, studies)


async def check(session: AsyncSession, *, text: str) -> CheckReport:
    """Find the works a text cites, match each to a study and report the discrepancies."""
    references = find_references(text)
    studies = builtins.list((await _candidates(session, references)).values())
    checked: builtins.list[CheckedReference] = []
    for index, reference in enumerate(references, start=1):
        found = _match(reference, studies)
        checked.append(
            CheckedReference(
                index=index,
                text=reference.text,
                found_in=reference.found_in,
                match=None
                if found is None
                else ReferenceMatch(
                    study=study_service.to_brief(found.study),
                    matched_by=found.matched_by,
                    score=found.score,
                ),
                discrepancies=[]
                if found is None
                else [
                    Discrepancy(field=field, cited=cited, recorded=recorded)
                    for field, cited, recorded in matching.discrepancies(reference, found.study)
                ],
            )
        )
    matched = [item for item in checked if item.match is not None]
    return CheckReport(
        references=checked,
        summary=CheckSummary(
            references=len(checked),
            matched=len(matched),
            with_discrepancies=sum(1 for item in matched if item.discrepancies),
            unmatched=len(checked) - len(matched),
        ),
    )


async def save_checked(
    session: AsyncSession,
    *,
    report: CheckReport,
    title: str,
    url: str | None,
    actor: Actor,
) -> SourceRead:
    """Record a checked text as a source citing each study its references matched."""
    citations: builtins.list[CitationWrite] = []
    seen: set[int] = set()
    for item in report.references:
        if item.match is None or item.match.study.id in seen:
            continue
        seen.add(item.match.study.id)
        citations.append(CitationWrite(study_id=item.match.study.id, statement=item.text))
    data = SourceCreate(title=title, url=url, citations=citations)
    return await create(session, data=data, actor=actor)
