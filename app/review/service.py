"""Review reasons: set by the writes that can make a verdict stale, cleared by a new verdict.

Every reason is set by :func:`flag`, in the transaction of the write that causes it, with one
statement for any number of claims. The claims it newly flags go to the change feed as
``updated`` changes carrying the reason, which webhooks deliver as ``claim.needs_review``.
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Select, delete, exists, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.assessment import service as assessment_service
from app.changes import service as changes_service
from app.models import Claim, Evidence, ReviewReason, Verdict
from app.models.base import UTCDateTime
from app.review.schemas import Review, ReviewReasonRead
from app.studies.schemas import ClaimRef
from app.vocabularies import ReviewReasonKind, StoredReviewReason

ClaimIds = Sequence[int] | Select[Any]


async def flag(
    session: AsyncSession,
    *,
    claim_ids: ClaimIds,
    reason: StoredReviewReason,
    at: datetime,
    study_id: int | None = None,
    with_verdict_only: bool = False,
) -> list[int]:
    """Set ``reason`` on each of the claims that lacks it, in one statement; return their ids.

    A reason already set keeps its (older) ``since``. ``with_verdict_only`` flags only claims
    with a current verdict (the others need review for having none).
    """
    same_reason = (ReviewReason.claim_id == Claim.id) & (ReviewReason.reason == reason.value)
    if study_id is None:
        same_reason &= ReviewReason.study_id.is_(None)
    else:
        same_reason &= ReviewReason.study_id == study_id
    candidates = select(
        Claim.id,
        literal(reason.value, sa.String(32)),
        literal(at, UTCDateTime()),
        literal(study_id, sa.Integer()),
    ).where(Claim.id.in_(claim_ids), ~exists().where(same_reason))
    if with_verdict_only:
        candidates = candidates.where(
            exists().where(Verdict.claim_id == Claim.id, Verdict.is_current)
        )
    statement = (
        insert(ReviewReason)
        .from_select(["claim_id", "reason", "since", "study_id"], candidates)
        .returning(ReviewReason.claim_id)
    )
    flagged = list((await session.execute(statement)).scalars())
    changes_service.track_claims(session, flagged, review_reason=reason.value)
    return flagged


async def unflag(
    session: AsyncSession, *, claim_ids: ClaimIds, reasons: Collection[StoredReviewReason]
) -> None:
    """Remove ``reasons`` from the claims, in one statement."""
    await session.execute(
        delete(ReviewReason).where(
            ReviewReason.claim_id.in_(claim_ids),
            ReviewReason.reason.in_([reason.value for reason in reasons]),
        )
    )


async def answered_by_verdict(session: AsyncSession, *, claim_id: int) -> None:
    """Clear every reason of a claim: a new verdict answers the evidence as it stands."""
    await unflag(session, claim_ids=[claim_id], reasons=list(StoredReviewReason))


async def check_agreement(
    session: AsyncSession, *, claims: Sequence[ClaimRef], at: datetime
) -> None:
    """Flag the claims whose verdict the assessment no longer agrees with; unflag the rest.

    A verdict recorded against the assessment (with its rationale) is flagged only once the
    assessment has changed from what it said when the verdict was recorded.
    """
    assessments = await assessment_service.assess_many(session, claims=claims)
    disagreeing, settled = [], []
    for claim_id, assessment in assessments.items():
        verdict = assessment.current_verdict
        if verdict is None:
            continue
        seen = verdict.assessment
        unchanged = seen is not None and (seen.suggested_rating, seen.certainty) == (
            assessment.suggested_rating,
            assessment.certainty,
        )
        if assessment.agrees_with_current_verdict or unchanged:
            settled.append(claim_id)
        else:
            disagreeing.append(claim_id)
    if disagreeing:
        await flag(
            session,
            claim_ids=disagreeing,
            reason=StoredReviewReason.verdict_disagrees_with_assessment,
            at=at,
        )
    if settled:
        await unflag(
            session,
            claim_ids=settled,
            reasons=[StoredReviewReason.verdict_disagrees_with_assessment],
        )


async def evidence_changed(session: AsyncSession, *, claim: ClaimRef, at: datetime) -> None:
    """Follow a link created, changed or removed: flag a verdict it makes stale."""
    await flag(
        session,
        claim_ids=[claim.id],
        reason=StoredReviewReason.evidence_changed,
        at=at,
        with_verdict_only=True,
    )
    await check_agreement(session, claims=[claim], at=at)


async def study_changed(
    session: AsyncSession, *, study_id: int, retracted: bool, design_changed: bool, at: datetime
) -> None:
    """Follow a change to a study's assessed fields on every claim citing it.

    ``retracted``: the study was just marked retracted. One statement a table, whatever the
    number of claims: the reasons, then the claims' versions (their documents changed), each
    claim an ``updated`` change of the feed.
    """
    citing = select(Evidence.claim_id).where(Evidence.study_id == study_id)
    if retracted:
        await flag(
            session,
            claim_ids=citing,
            reason=StoredReviewReason.study_retracted,
            at=at,
            study_id=study_id,
        )
    if design_changed:
        await flag(
            session,
            claim_ids=citing,
            reason=StoredReviewReason.evidence_changed,
            at=at,
            with_verdict_only=True,
        )
    rows = await session.execute(
        select(Claim.id, Claim.slug, Claim.statement).where(Claim.id.in_(citing))
    )
    claims = [ClaimRef(id=row.id, slug=row.slug, statement=row.statement) for row in rows]
    await check_agreement(session, claims=claims, at=at)
    await session.execute(
        update(Claim)
        .where(Claim.id.in_(citing))
        .values(version=Claim.version + 1, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    changes_service.track_claims(session, [claim.id for claim in claims])


def _unstored_reasons(created_at: datetime, *, has_verdict: bool) -> list[ReviewReasonRead]:
    """Return the reasons a claim has by its verdict alone, not stored: ``no_verdict``."""
    if has_verdict:
        return []
    return [ReviewReasonRead(reason=ReviewReasonKind.no_verdict, since=created_at)]


def review_of_new(created_at: datetime) -> Review:
    """Return the review of a claim just added: no verdict yet, and no stored reason (those
    are set by changes to a claim's evidence and studies, and it has none)."""
    return Review(needs_review=True, reasons=_unstored_reasons(created_at, has_verdict=False))


async def reviews_for(
    session: AsyncSession, *, created: Mapping[int, datetime], with_verdict: Collection[int]
) -> dict[int, Review]:
    """Return the review of each claim (by id, with its creation time), oldest reason first."""
    reasons: dict[int, list[ReviewReasonRead]] = {
        claim_id: _unstored_reasons(created_at, has_verdict=claim_id in with_verdict)
        for claim_id, created_at in created.items()
    }
    if created:
        rows = await session.execute(
            select(
                ReviewReason.claim_id,
                ReviewReason.reason,
                ReviewReason.since,
                ReviewReason.study_id,
            )
            .where(ReviewReason.claim_id.in_(list(created)))
            .order_by(ReviewReason.since, ReviewReason.id)
        )
        for row in rows:
            reasons[row.claim_id].append(
                ReviewReasonRead(
                    reason=ReviewReasonKind(row.reason), since=row.since, study_id=row.study_id
                )
            )
    return {
        claim_id: Review(
            needs_review=bool(listed), reasons=sorted(listed, key=lambda reason: reason.since)
        )
        for claim_id, listed in reasons.items()
    }


def needing_review() -> sa.ColumnElement[bool]:
    """Return a condition on ``Claim`` true for the claims that need review."""
    return Claim.id.in_(select(ReviewReason.claim_id)) | Claim.id.not_in(
        select(Verdict.claim_id).where(Verdict.is_current)
    )


def oldest_reasons(reasons: Collection[ReviewReasonKind]) -> Any:
    """Return a subquery of (claim_id, oldest) over the claims' reasons among ``reasons``.

    All reasons when ``reasons`` is empty; ``no_verdict`` dates from the claim's creation.
    """
    wanted = set(reasons) or set(ReviewReasonKind)
    parts: list[Any] = []
    storable = {reason.value for reason in StoredReviewReason}
    stored = [kind.value for kind in wanted if kind.value in storable]
    if stored:
        parts.append(
            select(
                ReviewReason.claim_id.label("claim_id"), ReviewReason.since.label("since")
            ).where(ReviewReason.reason.in_(stored))
        )
    if ReviewReasonKind.no_verdict in wanted:
        parts.append(
            select(Claim.id.label("claim_id"), Claim.created_at.label("since")).where(
                Claim.id.not_in(select(Verdict.claim_id).where(Verdict.is_current))
            )
        )
    every = sa.union_all(*parts).subquery("reasons") if len(parts) > 1 else parts[0].subquery()
    return (
        select(
            every.c.claim_id,
            sa.type_coerce(sa.func.min(every.c.since), UTCDateTime()).label("oldest"),
        )
        .group_by(every.c.claim_id)
        .subquery("oldest_reasons")
    )
