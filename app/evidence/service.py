"""Evidence: link, change and unlink studies on claims; list and summarise a claim's evidence."""

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, selectinload

from app.audit import service as audit_service
from app.auth.actor import Actor
from app.changes import service as changes_service
from app.editing import Edit
from app.errors import Conflict, InvalidInput, NotFound
from app.evidence.schemas import EvidenceCreate, EvidenceRead, EvidenceSummary, EvidenceUpdate
from app.models import Claim, Evidence, Study
from app.models.base import UTCDateTime, utcnow
from app.pagination import Page, PageRequest, Sort, SortKey, decode_cursor, page_of
from app.response_cache import depends_on
from app.review import service as review_service
from app.row_reads import RowReader
from app.studies import service as study_service
from app.studies.schemas import Author, ClaimRef, StudyBrief
from app.vocabularies import DESIGN_RANK, Design, Stance

if TYPE_CHECKING:  # app.claims.rows imports the claims service, which imports this one
    from app.claims.rows import ClaimRow


class EvidenceNotFound(NotFound):
    """No evidence link with that id."""


class DuplicateEvidence(Conflict):
    """The study is already linked to the claim."""


def evidence_url(evidence_id: int) -> str:
    """Return the canonical path of an evidence link."""
    return f"/v1/evidence/{evidence_id}"


def to_read(evidence: Evidence, *, claim: Claim, study: Study) -> EvidenceRead:
    """Return an evidence link's representation."""
    depends_on("evidence", [evidence.id])
    depends_on("claim", [claim.id])
    return EvidenceRead(
        id=evidence.id,
        claim=ClaimRef(id=claim.id, slug=claim.slug, statement=claim.statement),
        study=study_service.to_brief(study),
        stance=evidence.stance,
        finding=evidence.finding,
        quote=evidence.quote,
        notes=evidence.notes,
        risk_of_bias=evidence.risk_of_bias,
        directness=evidence.directness,
        created_at=evidence.created_at,
        updated_at=evidence.updated_at,
        version=evidence.version,
    )


async def get(session: AsyncSession, *, evidence_id: int, for_update: bool = False) -> Evidence:
    """Return an evidence link with its claim and study; 404 if absent or its claim is deleted."""
    statement = (
        select(Evidence)
        .join(Evidence.claim)
        .options(
            contains_eager(Evidence.claim),
            selectinload(Evidence.study).selectinload(Study.authors),
        )
        .where(Evidence.id == evidence_id, Claim.deleted_at.is_(None))
    )
    if for_update:
        statement = statement.with_for_update(of=Evidence)
    evidence = (await session.execute(statement)).scalar_one_or_none()
    if evidence is None:
        raise EvidenceNotFound(f"No evidence {evidence_id}.")
    return evidence


def read(evidence: Evidence) -> EvidenceRead:
    """Return the representation of a link loaded by :func:`get`."""
    return to_read(evidence, claim=evidence.claim, study=evidence.study)


STRONGEST_FIRST = Sort(
    "design",
    (
        SortKey(study_service.design_rank(Study.design)),
        SortKey(func.coalesce(Study.year, 0), descending=True),
        SortKey(Evidence.id),
    ),
)


# Design ranks as SQL, strongest 0 and a missing design last, as ``design_rank`` orders them.
_RANK = (
    "CASE studies.design "
    + " ".join(f"WHEN '{design.value}' THEN {rank}" for design, rank in DESIGN_RANK.items())
    + f" ELSE {len(Design)} END"
)
_PAGE_TIMES: dict[str, sa.types.TypeEngine[Any]] = {
    "created_at": UTCDateTime(),
    "updated_at": UTCDateTime(),
    "literal": sa.Boolean(),
}
# One page of a claim's evidence (STRONGEST_FIRST after the cursor's key), each study's
# authors joined in byline order: one statement however long the page. A first page starts
# after rank -1, before everything.
PAGE = sa.text(
    f"""
    WITH page AS (
        SELECT evidence.id, evidence.study_id, evidence.stance, evidence.finding,
               evidence.quote, evidence.notes, evidence.risk_of_bias, evidence.directness,
               evidence.created_at, evidence.updated_at, evidence.version, studies.title,
               studies.year, studies.journal, studies.design, studies.doi, studies.pmid,
               {_RANK} AS rank, COALESCE(studies.year, 0) AS year_key
          FROM evidence JOIN studies ON studies.id = evidence.study_id
         WHERE evidence.claim_id = :claim
           AND evidence.stance IN (:stance_0, :stance_1, :stance_2, :stance_3)
           AND ({_RANK} > :rank
                OR ({_RANK} = :rank AND (COALESCE(studies.year, 0) < :year
                    OR (COALESCE(studies.year, 0) = :year AND evidence.id > :id))))
         ORDER BY rank, year_key DESC, evidence.id
         LIMIT :limit
    )
    SELECT page.id, page.study_id, page.stance, page.finding, page.quote, page.notes,
           page.risk_of_bias, page.directness, page.created_at, page.updated_at, page.version,
           page.title, page.year, page.journal, page.design, page.doi, page.pmid, page.rank,
           page.year_key, study_authors.family, study_authors.given,
           study_authors.non_dropping_particle, study_authors.dropping_particle,
           study_authors.suffix, study_authors.literal
      FROM page LEFT JOIN study_authors ON study_authors.study_id = page.study_id
     ORDER BY page.rank, page.year_key DESC, page.id, study_authors.position
    """  # noqa: S608 (the ranks are the Design vocabulary's, no input)
).columns(**_PAGE_TIMES)
_AUTHOR_PARTS = ("family", "given", "non_dropping_particle", "dropping_particle", "suffix")


async def list(
    rows: RowReader, page: PageRequest, *, claim: "ClaimRow", stances: Sequence[Stance]
) -> Page[EvidenceRead]:
    """Return a page of a claim's evidence: strongest design first, then newest year."""
    cursor = page.cursor
    rank, year, last_id = decode_cursor(cursor, STRONGEST_FIRST) if cursor else (-1, 0, 0)
    wanted = builtins.list(dict.fromkeys(stances or Stance))
    params: dict[str, Any] = {f"stance_{n}": wanted[n % len(wanted)] for n in range(4)}
    params.update(claim=claim.id, rank=rank, year=year, id=last_id, limit=page.limit + 1)
    async with rows.snapshot() as fetch:
        found = await fetch(PAGE, params)
    ref = ClaimRef(id=claim.id, slug=claim.slug, statement=claim.statement)
    items: builtins.list[tuple[EvidenceRead, tuple[int, int, int]]] = []
    for row in found:
        if not items or items[-1][0].id != row[0]:
            items.append((_page_item(row, ref), (row[17], row[18], row[0])))
        if row[19] is not None:
            parts = dict(zip(_AUTHOR_PARTS, row[19:24], strict=True))
            items[-1][0].study.authors.append(Author(**parts, literal=row[24]))
    kept, next_cursor = page_of(
        items, sort=STRONGEST_FIRST, limit=page.limit, key=lambda item: item[1]
    )
    depends_on("evidence", [item.id for item, _ in kept])
    depends_on("study", [item.study.id for item, _ in kept])
    return Page[EvidenceRead](items=[item for item, _ in kept], next_cursor=next_cursor)


def _page_item(row: Sequence[Any], claim: ClaimRef) -> EvidenceRead:
    """Return the evidence link of a :data:`PAGE` row, without its study's authors yet."""
    return EvidenceRead(
        id=row[0],
        claim=claim,
        study=StudyBrief(
            id=row[1],
            title=row[11],
            authors=[],
            year=row[12],
            journal=row[13],
            design=row[14],
            doi=row[15],
            pmid=row[16],
        ),
        stance=row[2],
        finding=row[3],
        quote=row[4],
        notes=row[5],
        risk_of_bias=row[6],
        directness=row[7],
        created_at=row[8],
        updated_at=row[9],
        version=row[10],
    )


async def summaries(
    session: AsyncSession, *, claim_ids: Sequence[int]
) -> dict[int, EvidenceSummary]:
    """Return each claim's evidence counts by stance and its strongest design, by claim id."""
    result = {claim_id: EvidenceSummary() for claim_id in claim_ids}
    if not claim_ids:
        return result
    statement = (
        select(Evidence.id, Evidence.study_id, Evidence.claim_id, Evidence.stance, Study.design)
        .join(Study, Study.id == Evidence.study_id)
        .where(Evidence.claim_id.in_(claim_ids))
    )
    rows = (await session.execute(statement)).all()
    depends_on("evidence", [row.id for row in rows])
    depends_on("study", [row.study_id for row in rows])
    for _, _, claim_id, stance, design in rows:
        count = 1
        summary = result[claim_id]
        setattr(summary, Stance(stance).value, getattr(summary, Stance(stance).value) + count)
        summary.studies += count
        if design is not None:
            design = Design(design)
            strongest = summary.strongest_design
            if strongest is None or DESIGN_RANK[design] < DESIGN_RANK[strongest]:
                summary.strongest_design = design
    return result


def _touch(session: AsyncSession, claim: Claim) -> None:
    """Renew the claim's document (its evidence changed): a new version, a change of the feed."""
    claim.version += 1
    claim.updated_at = utcnow()
    changes_service.track_claims(session, [claim.id])


async def _review(session: AsyncSession, claim: Claim) -> None:
    """Flag the claim's verdict as stale after a change to its evidence (same transaction)."""
    await review_service.evidence_changed(
        session,
        claim=ClaimRef(id=claim.id, slug=claim.slug, statement=claim.statement),
        at=claim.updated_at,
    )


async def create(
    session: AsyncSession, *, claim: Claim, data: EvidenceCreate, actor: Actor
) -> EvidenceRead:
    """Link a study to a claim; 409 if it is linked already, 422 if the study does not exist."""
    studies = await study_service.get_many(session, study_ids=[data.study_id])
    study = studies.get(data.study_id)
    if study is None:
        raise InvalidInput(f"No study {data.study_id}.", loc=["body", "study_id"])
    existing = (
        await session.execute(
            select(Evidence.id).where(
                Evidence.claim_id == claim.id, Evidence.study_id == data.study_id
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise DuplicateEvidence(
            f"Study {data.study_id} is already linked to claim '{claim.slug}': "
            f"{evidence_url(existing)}",
            existing=evidence_url(existing),
        )
    evidence = Evidence(claim_id=claim.id, **data.model_dump())
    session.add(evidence)
    _touch(session, claim)
    await session.flush()
    await _review(session, claim)
    return await audit_service.created(
        session, actor=actor, entity="evidence", after=to_read(evidence, claim=claim, study=study)
    )


async def update(
    session: AsyncSession, *, edit: Edit[Evidence, EvidenceRead], data: EvidenceUpdate
) -> EvidenceRead:
    """Change a link's stance, finding, quote, notes or appraisal."""
    evidence = edit.entity
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(evidence, field, value)
    evidence.version += 1
    evidence.updated_at = utcnow()
    _touch(session, evidence.claim)
    await session.flush()
    await _review(session, evidence.claim)
    return await audit_service.updated(session, edit=edit, entity="evidence", after=read(evidence))


async def delete(session: AsyncSession, *, edit: Edit[Evidence, EvidenceRead]) -> None:
    """Unlink a study from a claim."""
    evidence = edit.entity
    claim = evidence.claim
    _touch(session, claim)
    await session.delete(evidence)
    await session.flush()
    await _review(session, claim)
    await audit_service.deleted(session, edit=edit, entity="evidence")
