"""Evidence: link, change and unlink studies on claims; list and summarise a claim's evidence."""

import builtins
from collections.abc import Sequence
from typing import Any

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
from app.models.base import utcnow
from app.pagination import Sort, SortKey, paginate
from app.response_cache import depends_on
from app.review import service as review_service
from app.studies import service as study_service
from app.studies.schemas import ClaimRef
from app.vocabularies import DESIGN_RANK, Design, Stance


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


async def list(
    session: AsyncSession,
    *,
    claim: Claim,
    stances: Sequence[Stance],
    limit: int,
    cursor: str | None,
) -> tuple[builtins.list[EvidenceRead], str | None]:
    """Return a page of a claim's evidence: strongest design first, then newest year."""
    statement = (
        select(Evidence)
        .join(Evidence.study)
        .options(contains_eager(Evidence.study).selectinload(Study.authors))
        .where(Evidence.claim_id == claim.id)
    )
    if stances:
        statement = statement.where(Evidence.stance.in_(stances))
    rows, next_cursor = await paginate(
        session, statement, sort=STRONGEST_FIRST, limit=limit, cursor=cursor
    )
    return [to_read(row[0], claim=claim, study=row[0].study) for row in rows], next_cursor


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
    created = to_read(evidence, claim=claim, study=study)
    await audit_service.created(session, actor=actor, entity="evidence", after=created)
    return created


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
    updated = read(evidence)
    await audit_service.updated(session, edit=edit, entity="evidence", after=updated)
    return updated


async def delete(session: AsyncSession, *, edit: Edit[Evidence, EvidenceRead]) -> None:
    """Unlink a study from a claim."""
    evidence = edit.entity
    claim = evidence.claim
    _touch(session, claim)
    await session.delete(evidence)
    await session.flush()
    await _review(session, claim)
    await audit_service.deleted(session, edit=edit, entity="evidence")
