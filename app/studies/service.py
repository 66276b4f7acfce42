"""Studies: get, list, create, update, delete, and the claims they are cited for."""

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import service as audit_service
from app.auth.actor import Actor
from app.bibliography.identifiers import normalize_title
from app.editing import Edit
from app.errors import Conflict, InvalidInput, NotFound
from app.models import Claim, Evidence, SourceCitation, Study, StudyAuthor
from app.models.base import utcnow
from app.pagination import Page, PageRequest, Sort, SortKey, paginate
from app.response_cache import depends_on
from app.review import service as review_service
from app.studies.citation_keys import first_free, key_stem
from app.studies.schemas import (
    Author,
    CitedFor,
    ClaimRef,
    StudyBrief,
    StudyCreate,
    StudyDetail,
    StudyRead,
    StudyUpdate,
)
from app.vocabularies import DESIGN_RANK, Design, PublicationType

STUDY_SORTS = ("-created_at", "created_at", "title", "-year", "year")


class StudyNotFound(NotFound):
    """No study with that id."""


class DuplicateStudy(Conflict):
    """A study with that DOI or PMID exists."""


class StudyInUse(Conflict):
    """The study is cited by evidence and cannot be deleted."""


def study_url(study_id: int) -> str:
    """Return the canonical path of a study."""
    return f"/v1/studies/{study_id}"


_NAME_PARTS = ("family", "given", "non_dropping_particle", "dropping_particle", "suffix", "literal")


def _authors(study: Study) -> builtins.list[Author]:
    return [
        Author(**{part: getattr(author, part) for part in _NAME_PARTS}) for author in study.authors
    ]


def _author_rows(authors: Sequence[Author]) -> builtins.list[StudyAuthor]:
    """Return the byline as rows, in order."""
    return [
        StudyAuthor(position=position, **author.model_dump(include=set(_NAME_PARTS)))
        for position, author in enumerate(authors)
    ]


def to_read(study: Study) -> StudyRead:
    """Return a study's representation (its authors must be loaded)."""
    depends_on("study", [study.id])
    return StudyRead(
        id=study.id,
        title=study.title,
        bibtex_key=study.bibtex_key,
        authors=_authors(study),
        year=study.year,
        journal=study.journal,
        volume=study.volume,
        issue=study.issue,
        pages=study.pages,
        doi=study.doi,
        pmid=study.pmid,
        pmcid=study.pmcid,
        url=study.url,
        accessed=study.accessed,
        publisher=study.publisher,
        publication_type=study.publication_type,
        design=study.design,
        sample_size=study.sample_size,
        population=study.population,
        abstract=study.abstract,
        notes=study.notes,
        retracted=study.retracted,
        retraction_note=study.retraction_note,
        created_at=study.created_at,
        updated_at=study.updated_at,
        version=study.version,
    )


def to_brief(study: Study) -> StudyBrief:
    """Return a study in brief (its authors must be loaded)."""
    depends_on("study", [study.id])
    return StudyBrief(
        id=study.id,
        title=study.title,
        authors=_authors(study),
        year=study.year,
        journal=study.journal,
        design=study.design,
        doi=study.doi,
        pmid=study.pmid,
    )


def design_rank(design: Any) -> Any:
    """Return a SQL expression ranking a design column, strongest 0, missing last."""
    return case(
        {member.value: rank for member, rank in DESIGN_RANK.items()},
        value=design,
        else_=len(Design),
    )


async def get(session: AsyncSession, *, study_id: int, for_update: bool = False) -> Study:
    """Return the study with this id, with its authors; 404 otherwise."""
    statement = select(Study).options(selectinload(Study.authors)).where(Study.id == study_id)
    if for_update:
        statement = statement.with_for_update()
    study = (await session.execute(statement)).scalar_one_or_none()
    if study is None:
        raise StudyNotFound(f"No study {study_id}.")
    return study


async def get_many(session: AsyncSession, *, study_ids: Sequence[int]) -> dict[int, Study]:
    """Return the studies with these ids (with authors), by id."""
    if not study_ids:
        return {}
    statement = (
        select(Study).options(selectinload(Study.authors)).where(Study.id.in_(set(study_ids)))
    )
    return {study.id: study for study in (await session.execute(statement)).scalars()}


async def cited_for(session: AsyncSession, *, study_id: int) -> builtins.list[CitedFor]:
    """Return the (undeleted) claims a study is evidence for, with its stance toward each."""
    rows = (
        await session.execute(
            select(Claim.id, Claim.slug, Claim.statement, Claim.deleted_at, Evidence.stance)
            .join(Evidence, Evidence.claim_id == Claim.id)
            .where(Evidence.study_id == study_id)
            .order_by(Claim.id)
        )
    ).all()
    # A deleted claim shows again when restored: the answer depends on it too.
    depends_on("claim", [row.id for row in rows])
    return [
        CitedFor(
            claim=ClaimRef(id=row.id, slug=row.slug, statement=row.statement), stance=row.stance
        )
        for row in rows
        if row.deleted_at is None
    ]


async def read(session: AsyncSession, *, study: Study) -> StudyDetail:
    """Return a study's full representation, with the claims it is cited for."""
    citations = await cited_for(session, study_id=study.id)
    return StudyDetail(**to_read(study).model_dump(), cited_for=citations)


def _filtered(
    statement: Select[Any],
    *,
    q: str | None,
    designs: Sequence[Design],
    publication_type: PublicationType | None,
    year_from: int | None,
    year_to: int | None,
    doi: str | None,
    pmid: str | None,
    retracted: bool | None,
) -> Select[Any]:
    if q:
        pattern = f"%{q.lower()}%"
        by_author = select(StudyAuthor.study_id).where(func.lower(StudyAuthor.family).like(pattern))
        statement = statement.where(
            or_(
                func.lower(Study.title).like(pattern),
                func.lower(Study.journal).like(pattern),
                Study.id.in_(by_author),
            )
        )
    if designs:
        statement = statement.where(Study.design.in_(designs))
    if publication_type is not None:
        statement = statement.where(Study.publication_type == publication_type)
    if year_from is not None:
        statement = statement.where(Study.year >= year_from)
    if year_to is not None:
        statement = statement.where(Study.year <= year_to)
    if doi is not None:
        statement = statement.where(Study.doi == doi)
    if pmid is not None:
        statement = statement.where(Study.pmid == pmid)
    if retracted is not None:
        statement = statement.where(Study.retracted.is_(retracted))
    return statement


_YEAR = func.coalesce(Study.year, 0)
SORTS = {
    sort.name: sort
    for sort in (
        Sort(
            "-created_at",
            (SortKey(Study.created_at, True, datetime), SortKey(Study.id, True)),
        ),
        Sort("created_at", (SortKey(Study.created_at, kind=datetime), SortKey(Study.id))),
        Sort("title", (SortKey(Study.title, kind=str), SortKey(Study.id))),
        Sort("-year", (SortKey(_YEAR, True), SortKey(Study.id, True))),
        Sort("year", (SortKey(_YEAR), SortKey(Study.id))),
    )
}


async def list(
    session: AsyncSession,
    page: PageRequest,
    *,
    q: str | None,
    designs: Sequence[Design],
    publication_type: PublicationType | None,
    year_from: int | None,
    year_to: int | None,
    doi: str | None,
    pmid: str | None,
    retracted: bool | None,
    sort: str,
) -> Page[StudyRead]:
    """Return a page of studies, filtered and sorted."""
    statement = _filtered(
        select(Study).options(selectinload(Study.authors)),
        q=q,
        designs=designs,
        publication_type=publication_type,
        year_from=year_from,
        year_to=year_to,
        doi=doi,
        pmid=pmid,
        retracted=retracted,
    )
    rows, next_cursor = await paginate(session, statement, sort=SORTS[sort], page=page)
    return Page[StudyRead](items=[to_read(row[0]) for row in rows], next_cursor=next_cursor)


async def find_duplicate(
    session: AsyncSession, *, doi: str | None, pmid: str | None, exclude_id: int | None = None
) -> Study | None:
    """Return a study that already has this DOI or PMID, if any."""
    conditions = []
    if doi:
        conditions.append(Study.doi == doi)
    if pmid:
        conditions.append(Study.pmid == pmid)
    if not conditions:
        return None
    statement = select(Study).where(or_(*conditions))
    if exclude_id is not None:
        statement = statement.where(Study.id != exclude_id)
    return (await session.execute(statement.limit(1))).scalar_one_or_none()


async def _ensure_unique(
    session: AsyncSession,
    *,
    doi: str | None,
    pmid: str | None,
    pmcid: str | None,
    exclude_id: int | None = None,
) -> None:
    existing = await find_duplicate(session, doi=doi, pmid=pmid, exclude_id=exclude_id)
    if existing is not None:
        which = "DOI" if doi and existing.doi == doi else "PMID"
        value = doi if which == "DOI" else pmid
        raise DuplicateStudy(
            f"A study with {which} {value} exists: {study_url(existing.id)}",
            existing=study_url(existing.id),
        )
    if pmcid:
        statement = select(Study.id).where(Study.pmcid == pmcid)
        if exclude_id is not None:
            statement = statement.where(Study.id != exclude_id)
        existing_id = (await session.execute(statement.limit(1))).scalar_one_or_none()
        if existing_id is not None:
            raise DuplicateStudy(
                f"A study with PMCID {pmcid} exists: {study_url(existing_id)}",
                existing=study_url(existing_id),
            )


def _check_retraction(retracted: bool, note: str | None) -> None:
    if note and not retracted:
        raise InvalidInput(
            "A retraction note needs `retracted: true`.", loc=["body", "retraction_note"]
        )


def new_study(data: StudyCreate) -> Study:
    """Build (without adding) a study from validated fields."""
    fields = data.model_dump(exclude={"authors"})
    study = Study(**fields, title_key=normalize_title(data.title))
    study.authors = _author_rows(data.authors)
    return study


# Held by a PostgreSQL transaction that gives out BibTeX keys, until it ends, so that two
# writers never pick the same free letter. SQLite writers hold the database's write lock.
_BIBTEX_KEY_LOCK = 0x62696274  # "bibt"


async def assign_bibtex_keys(session: AsyncSession, studies: Sequence[Study]) -> None:
    """Give new studies (authors set, not yet flushed) their BibTeX keys, in the order given."""
    stems = [
        key_stem(
            family=study.authors[0].family if study.authors else None,
            title=study.title,
            year=study.year,
        )
        for study in studies
    ]
    if not stems:
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _BIBTEX_KEY_LOCK})
    # Keys and stems are [a-z0-9] only, so LIKE needs no escaping.
    taken = set(
        (
            await session.execute(
                select(Study.bibtex_key).where(
                    or_(*(Study.bibtex_key.like(f"{stem}%") for stem in set(stems)))
                )
            )
        ).scalars()
    )
    for study, stem in zip(studies, stems, strict=True):
        study.bibtex_key = first_free(stem, taken)
        taken.add(study.bibtex_key)


async def create(session: AsyncSession, *, data: StudyCreate, actor: Actor) -> StudyDetail:
    """Add a study; 409 when its DOI, PMID or PMCID is already known."""
    _check_retraction(data.retracted, data.retraction_note)
    await _ensure_unique(session, doi=data.doi, pmid=data.pmid, pmcid=data.pmcid)
    study = new_study(data)
    await assign_bibtex_keys(session, [study])
    try:
        # A savepoint: if a concurrent writer stored the same identifier since the check
        # above, the transaction survives the unique violation and names that study.
        async with session.begin_nested():
            session.add(study)
            await session.flush()
    except IntegrityError:
        await _ensure_unique(session, doi=data.doi, pmid=data.pmid, pmcid=data.pmcid)
        raise
    return await record_created(session, study=study, actor=actor)


async def record_created(session: AsyncSession, *, study: Study, actor: Actor) -> StudyDetail:
    """Audit the creation of a new (flushed) study; return its representation."""
    created = StudyDetail(**to_read(study).model_dump(), cited_for=[])
    return await audit_service.created(session, actor=actor, entity="study", after=created)


def _assessed_fields(study: Study) -> tuple[Any, ...]:
    """Return what the assessment reads of a study: retracted first, then design."""
    return (study.retracted, study.design, study.sample_size, study.publication_type)


async def update(
    session: AsyncSession, *, edit: Edit[Study, StudyDetail], data: StudyUpdate
) -> StudyDetail:
    """Apply the fields sent to a study and bump its version.

    A change to what the assessment reads (retraction, design, size, publication type) is
    followed on every claim citing the study, in this transaction: a retraction flags each
    claim `study_retracted`, a new design flags each verdict `evidence_changed`.
    """
    study = edit.entity
    changes = data.model_dump(exclude_unset=True)
    retracted = changes.get("retracted", study.retracted)
    note = changes.get("retraction_note", study.retraction_note)
    _check_retraction(retracted, note)
    await _ensure_unique(
        session,
        doi=changes.get("doi"),
        pmid=changes.get("pmid"),
        pmcid=changes.get("pmcid"),
        exclude_id=study.id,
    )
    changes.pop("authors", None)
    authors = data.authors if "authors" in data.model_fields_set else None
    assessed_before = _assessed_fields(study)
    for field, value in changes.items():
        setattr(study, field, value)
    if "title" in changes:
        study.title_key = normalize_title(study.title)
    if authors is not None:
        study.authors.clear()
        await session.flush()
        study.authors.extend(_author_rows(authors))
    study.version += 1
    study.updated_at = utcnow()
    await session.flush()
    if _assessed_fields(study) != assessed_before:
        await review_service.study_changed(
            session,
            study_id=study.id,
            retracted=study.retracted and not assessed_before[0],
            design_changed=study.design != assessed_before[1],
            at=study.updated_at,
        )
    return await audit_service.updated(
        session, edit=edit, entity="study", after=await read(session, study=study)
    )


async def delete(session: AsyncSession, *, edit: Edit[Study, StudyDetail]) -> None:
    """Delete a study; 409 while any evidence (of any claim, deleted or not) cites it."""
    study = edit.entity
    citing = (
        await session.execute(select(func.count()).where(Evidence.study_id == study.id))
    ).scalar_one()
    if not citing:
        citing_sources = (
            await session.execute(select(func.count()).where(SourceCitation.study_id == study.id))
        ).scalar_one()
        if citing_sources:
            raise StudyInUse(
                f"Study {study.id} is cited by {citing_sources} source(s); change their "
                f"citations first (see /v1/sources?study={study.id}).",
                existing=study_url(study.id),
            )
    if citing:
        raise StudyInUse(
            f"Study {study.id} is cited by {citing} evidence link(s); unlink them first "
            f"(see `cited_for` at {study_url(study.id)}).",
            existing=study_url(study.id),
        )
    await session.delete(study)
    await session.flush()
    await audit_service.deleted(session, edit=edit, entity="study")
