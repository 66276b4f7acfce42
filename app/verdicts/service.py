"""Verdicts: record a new current verdict, read the current ones and the history."""

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.assessment import service as assessment_service
from app.assessment.schemas import Assessment
from app.audit import service as audit_service
from app.auth.actor import Actor
from app.changes import service as changes_service
from app.errors import InvalidInput, NotFound
from app.models import Claim, Verdict
from app.models.base import UTCDateTime, utcnow
from app.pagination import Page, PageRequest, Sort, SortKey, decode_cursor, page_of
from app.review import service as review_service
from app.row_reads import RowReader
from app.verdicts.schemas import AssessedAtDecision, VerdictCreate, VerdictRead
from app.vocabularies import RATING_VALUES, Rating

if TYPE_CHECKING:  # app.claims.rows imports the claims service, which imports this one
    from app.claims.rows import ClaimRow

# A rationale that departs from the assessment must be a sentence: this many words at least.
SENTENCE_WORDS = 4


class VerdictNotFound(NotFound):
    """No verdict with that id on that claim."""


class VerdictRow(NamedTuple):
    """A verdict's row as :data:`HISTORY` selects it."""

    id: int
    rating: str
    certainty: str
    rationale: str
    decided_at: datetime
    decided_by: str
    is_current: bool
    assessed_rating: str | None
    assessed_certainty: str | None


def to_read(verdict: Verdict | VerdictRow) -> VerdictRead:
    """Return a verdict's representation."""
    return VerdictRead(
        id=verdict.id,
        rating=verdict.rating,
        rating_value=RATING_VALUES[Rating(verdict.rating)],
        certainty=verdict.certainty,
        rationale=verdict.rationale,
        decided_at=verdict.decided_at,
        decided_by=verdict.decided_by,
        is_current=verdict.is_current,
        assessment=(
            None
            if verdict.assessed_rating is None or verdict.assessed_certainty is None
            else AssessedAtDecision(
                suggested_rating=verdict.assessed_rating, certainty=verdict.assessed_certainty
            )
        ),
        agrees_with_assessment=(
            None
            if verdict.assessed_rating is None
            else (verdict.rating, verdict.certainty)
            == (verdict.assessed_rating, verdict.assessed_certainty)
        ),
    )


def is_sentence(text: str | None) -> bool:
    """Tell whether ``text`` is a sentence at least: a few words, not a token."""
    words = [word for word in (text or "").split() if any(char.isalpha() for char in word)]
    return len(words) >= SENTENCE_WORDS


def _summary(assessment: Assessment) -> str:
    body = assessment.body
    participants = f", {body.participants} participants" if body.participants else ""
    return (
        f"Follows the assessment: direction {assessment.direction.value}, certainty "
        f"{assessment.certainty.value} ({body.studies} stud"
        f"{'y' if body.studies == 1 else 'ies'} in the body of evidence{participants})."
    )


async def current_for(session: AsyncSession, *, claim_ids: Sequence[int]) -> dict[int, VerdictRead]:
    """Return the current verdict of each claim that has one, by claim id."""
    if not claim_ids:
        return {}
    statement = select(Verdict).where(Verdict.claim_id.in_(claim_ids), Verdict.is_current)
    return {v.claim_id: to_read(v) for v in (await session.execute(statement)).scalars()}


async def get(session: AsyncSession, *, claim: Claim, verdict_id: int) -> VerdictRead:
    """Return one verdict of a claim; 404 otherwise."""
    verdict = await session.get(Verdict, verdict_id)
    if verdict is None or verdict.claim_id != claim.id:
        raise VerdictNotFound(f"No verdict {verdict_id} on claim '{claim.slug}'.")
    return to_read(verdict)


NEWEST_FIRST = Sort(
    "-decided_at",
    (SortKey(Verdict.decided_at, descending=True, kind=datetime), SortKey(Verdict.id, True)),
)


_HISTORY_COLUMNS = """
    SELECT id, rating, certainty, rationale, decided_at, decided_by, is_current,
           assessed_rating, assessed_certainty
      FROM verdicts
"""
_HISTORY_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "decided_at": UTCDateTime(),
    "is_current": sa.Boolean(),
}
# A page of a claim's verdicts in NEWEST_FIRST order: the first, and those after a cursor.
HISTORY = sa.text(
    _HISTORY_COLUMNS
    + """
     WHERE claim_id = :claim
     ORDER BY decided_at DESC, id DESC
     LIMIT :limit
    """
).columns(**_HISTORY_TYPES)
HISTORY_AFTER = (
    sa.text(
        _HISTORY_COLUMNS
        + """
     WHERE claim_id = :claim
       AND (decided_at < :decided_at OR (decided_at = :decided_at AND id < :id))
     ORDER BY decided_at DESC, id DESC
     LIMIT :limit
    """
    )
    .bindparams(sa.bindparam("decided_at", type_=UTCDateTime()))
    .columns(**_HISTORY_TYPES)
)


async def list(rows: RowReader, page: PageRequest, *, claim: "ClaimRow") -> Page[VerdictRead]:
    """Return a page of a claim's verdicts, newest first."""
    params: dict[str, Any] = {"claim": claim.id, "limit": page.limit + 1}
    if page.cursor:
        params["decided_at"], params["id"] = decode_cursor(page.cursor, NEWEST_FIRST)
    async with rows.snapshot() as fetch:
        found = await fetch(HISTORY_AFTER if page.cursor else HISTORY, params)
    verdicts = [VerdictRow(*row) for row in found]
    kept, next_cursor = page_of(
        verdicts, sort=NEWEST_FIRST, limit=page.limit, key=lambda row: (row.decided_at, row.id)
    )
    return Page[VerdictRead](items=[to_read(row) for row in kept], next_cursor=next_cursor)


async def create(
    session: AsyncSession, *, claim: Claim, data: VerdictCreate, actor: Actor
) -> VerdictRead:
    """Record a verdict as the claim's current one; the previous one stays in the history.

    A verdict that departs from the assessment needs a rationale of a sentence at least (422
    otherwise); one that follows it without a rationale records the assessment's summary.
    The new verdict answers every review reason of the claim.
    """
    assessment = await assessment_service.get(session, claim=claim)
    suggested, certainty = assessment.suggested_rating, assessment.certainty
    agrees = (data.rating, data.certainty) == (suggested, certainty)
    if not agrees and not is_sentence(data.rationale):
        raise InvalidInput(
            f"The assessment suggests '{suggested.value}' with '{certainty.value}' certainty "
            f"(GET /v1/claims/{claim.slug}/assessment); a verdict that departs from it needs "
            f"a rationale of a sentence at least ({SENTENCE_WORDS} words) saying why.",
            loc=["body", "rationale"],
        )
    previous = assessment.current_verdict  # read with the assessment, in this transaction
    await session.execute(
        update(Verdict)
        .where(Verdict.claim_id == claim.id, Verdict.is_current)
        .values(is_current=False)
    )
    verdict = Verdict(
        claim_id=claim.id,
        rating=data.rating,
        certainty=data.certainty,
        rationale=data.rationale or _summary(assessment),
        decided_at=utcnow(),
        decided_by=actor.name,
        is_current=True,
        assessed_rating=suggested,
        assessed_certainty=certainty,
    )
    session.add(verdict)
    claim.version += 1
    claim.updated_at = verdict.decided_at
    changes_service.track_claims(session, [claim.id])
    await session.flush()
    await review_service.answered_by_verdict(session, claim_id=claim.id)
    return await audit_service.changed(
        session,
        actor=actor,
        action="create",
        entity="verdict",
        before=previous,
        after=to_read(verdict),
    )
