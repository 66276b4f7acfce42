"""Record changes with the write that makes them, and number them in commit order.

The audit helper hands every content write to :func:`track`; the change rows are inserted just
before the transaction commits, numbered by updating the single ``change_counter`` row as the
last statement. On PostgreSQL that row lock is held until the commit, so a writer that gets
number ``n + 1`` commits after the writer of ``n`` is visible: a reader following ``after``
never skips a change that commits later with a smaller number. SQLite serialises writers
already. The lock is held only for the time of the commit, not the whole write.

A write can change claims it does not name: a retraction or a new design renews the documents
of every claim citing the study, and a link or a retraction may flag claims for review. Those
claims are handed to :func:`track_claims`; each becomes one ``updated`` change, numbered with
the rest, carrying the claim's version as committed and the review reasons newly set on it.
"""

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, event, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import (
    InstrumentedAttribute,
    Session,
    SessionTransaction,
    SessionTransactionOrigin,
)

from app.changes.schemas import ChangeAction, ChangeEntity, ChangeRead
from app.errors import CitedbError
from app.models import AuditEntry, Change, ChangeCounter, Claim
from app.models.base import utcnow

PENDING = "citedb.pending_changes"
TOUCHED = "citedb.touched_claims"
FLUSHED = "citedb.flushed_claims"
# Audit actions that are changes to content, and the feed's name for each.
ACTIONS = {
    "create": ChangeAction.created,
    "update": ChangeAction.updated,
    "delete": ChangeAction.deleted,
    "restore": ChangeAction.restored,
}
ENTITIES = frozenset(entity.value for entity in ChangeEntity)


class ChangesGone(CitedbError):
    """The reader's position is outside what the feed keeps."""

    status = 410
    code = "changes-gone"


@dataclass
class PendingChange:
    """A change waiting for its number at commit."""

    entry: AuditEntry
    version: int | None
    review_reasons: builtins.list[str] | None = None


@dataclass
class TouchedClaim:
    """A claim changed by a write to something else; its version is read at commit."""

    review_reasons: builtins.list[str] = field(default_factory=builtins.list)


@dataclass(frozen=True, slots=True)
class FlushedClaim:
    """A claim as this transaction's unit of work wrote it: its version, and not deleted."""

    version: int
    live: bool


@event.listens_for(Session, "after_flush")
def _note_claims(session: Session, _context: Any) -> None:
    """Remember the version of each claim a flush wrote, so that the commit need not read it.

    Only values the session holds count (not expired, not SQL expressions).
    """
    flushed: dict[int, FlushedClaim] = session.info.setdefault(FLUSHED, {})
    for instance in (*session.new, *session.dirty):
        if isinstance(instance, Claim):
            values = inspect(instance).dict
            version, claim_id = values.get("version"), values.get("id")
            if isinstance(version, int) and isinstance(claim_id, int) and "deleted_at" in values:
                flushed[claim_id] = FlushedClaim(version, values["deleted_at"] is None)
            elif isinstance(claim_id, int):
                flushed.pop(claim_id, None)
    for instance in session.deleted:
        if isinstance(instance, Claim):
            flushed.pop(instance.id, None)


@event.listens_for(Session, "do_orm_execute")
def _forget_flushed(state: Any) -> None:
    """Forget the noted versions when a statement may change claims behind the session."""
    if state.is_select:
        return
    table = getattr(state.statement, "table", None)
    if not (state.is_insert or state.is_update or state.is_delete) or (
        getattr(table, "name", None) == Claim.__tablename__
    ):
        state.session.info.pop(FLUSHED, None)


@event.listens_for(Session, "after_transaction_end")
def _transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """Forget the noted versions when a transaction or a savepoint ends (not a flush's own)."""
    if transaction.origin is not SessionTransactionOrigin.SUBTRANSACTION:
        session.info.pop(FLUSHED, None)


def track(session: AsyncSession, entry: AuditEntry, *, version: int | None) -> None:
    """Queue the change an audit row describes, if it is a change to content."""
    if entry.entity not in ENTITIES or entry.action not in ACTIONS or entry.entity_id is None:
        return
    session.info.setdefault(PENDING, []).append(PendingChange(entry, version))


def track_claims(
    session: AsyncSession, claim_ids: Iterable[int], *, review_reason: str | None = None
) -> None:
    """Queue an ``updated`` change for each claim, once a transaction, with ``review_reason``."""
    touched: dict[int, TouchedClaim] = session.info.setdefault(TOUCHED, {})
    for claim_id in claim_ids:
        claim = touched.setdefault(claim_id, TouchedClaim())
        if review_reason is not None and review_reason not in claim.review_reasons:
            claim.review_reasons.append(review_reason)


def _touched_rows(
    session: Session, touched: dict[int, TouchedClaim], audited: builtins.list[PendingChange]
) -> builtins.list[dict[str, Any]]:
    """Return the change rows of the touched claims (without ``seq`` and ``at``).

    A claim the transaction also changed itself keeps that one change, with the reasons added;
    a deleted claim has none.
    """
    for change in audited:
        if change.entry.entity == "claim" and change.entry.entity_id in touched:
            change.review_reasons = touched.pop(change.entry.entity_id).review_reasons or None
    if not touched:
        return []
    flushed: dict[int, FlushedClaim] = session.info.get(FLUSHED, {})
    versions = {
        claim_id: flushed[claim_id].version
        for claim_id in touched
        if claim_id in flushed and flushed[claim_id].live
    }
    unknown = [claim_id for claim_id in touched if claim_id not in flushed]
    if unknown:
        versions.update(
            (row.id, row.version)
            for row in session.execute(
                select(Claim.id, Claim.version).where(
                    Claim.id.in_(unknown), Claim.deleted_at.is_(None)
                )
            )
        )
    return [
        {
            "entity": "claim",
            "entity_id": claim_id,
            "action": ChangeAction.updated.value,
            "version": versions[claim_id],
            "audit_id": None,
            "review_reasons": claim.review_reasons or None,
        }
        for claim_id, claim in sorted(touched.items())
        if claim_id in versions
    ]


@event.listens_for(Session, "before_commit")
def _publish(session: Session) -> None:
    """Insert the queued changes with the next numbers, as the transaction's last writes."""
    pending: builtins.list[PendingChange] = session.info.pop(PENDING, None) or []
    touched: dict[int, TouchedClaim] = session.info.pop(TOUCHED, None) or {}
    if not pending and not touched:
        return
    session.flush()
    # A change whose audit row was rolled back with a savepoint is not published.
    kept = [change for change in pending if inspect(change.entry).persistent]
    touched_rows = _touched_rows(session, touched, kept)
    rows = [
        {
            "entity": change.entry.entity,
            "entity_id": change.entry.entity_id,
            "action": ACTIONS[change.entry.action].value,
            "version": change.version,
            "audit_id": change.entry.id,
            "review_reasons": change.review_reasons,
        }
        for change in kept
    ] + touched_rows
    if not rows:
        return
    last = session.execute(
        sa.update(ChangeCounter)
        .where(ChangeCounter.id == 1)
        .values(last_seq=ChangeCounter.last_seq + len(rows))
        .returning(ChangeCounter.last_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    at = utcnow()
    first = last - len(rows) + 1
    session.execute(
        sa.insert(Change),
        [{"seq": first + index, "at": at, **row} for index, row in enumerate(rows)],
    )


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Drop the changes of a transaction that rolled back."""
    session.info.pop(PENDING, None)
    session.info.pop(TOUCHED, None)


def following(
    seq: int, *, limit: int, extra: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]] = ()
) -> Select[Any]:
    """Select the fields of the first ``limit`` changes after ``seq``, in order (and ``extra``)."""
    return (
        select(
            Change.seq,
            Change.at,
            Change.entity,
            Change.entity_id,
            Change.action,
            Change.version,
            *extra,
        )
        .where(Change.seq > seq)
        .order_by(Change.seq)
        .limit(limit)
    )


async def list(
    session: AsyncSession, *, after: int | None, limit: int
) -> tuple[Sequence[ChangeRead], str | None]:
    """Return the changes after ``after`` in ``seq`` order; 410 when that is not kept."""
    start = after or 0
    rows = (await session.execute(following(start, limit=limit + 1))).all()
    # Read the counter after the rows: a pruning that committed in between shows here.
    last_seq, pruned_through = (
        await session.execute(
            select(ChangeCounter.last_seq, ChangeCounter.pruned_through).where(
                ChangeCounter.id == 1
            )
        )
    ).one()
    if after is not None and after < pruned_through:
        raise ChangesGone(
            f"Changes up to seq {pruned_through} are no longer kept, so the ones after seq "
            f"{after} cannot all be listed. Re-read the content you keep, then follow the feed "
            f"from after={last_seq}."
        )
    if start > last_seq:
        raise ChangesGone(
            f"The feed has no change after seq {last_seq}, so seq {start} is not one it gave "
            "(the database was restored or replaced). Re-read the content you keep, then follow "
            f"the feed from after={last_seq}."
        )
    items = [ChangeRead.model_validate(row, from_attributes=True) for row in rows[:limit]]
    next_cursor = str(items[-1].seq) if len(rows) > limit else None
    return items, next_cursor


async def prune(session: AsyncSession, *, older_than: datetime, keep_after: int) -> int:
    """Remove changes committed before ``older_than`` up to seq ``keep_after``; return how many.

    ``keep_after`` protects changes that are still to be handed to webhook deliveries.
    """
    through = (
        await session.execute(
            select(sa.func.max(Change.seq)).where(Change.at < older_than, Change.seq <= keep_after)
        )
    ).scalar_one()
    if through is None:
        return 0
    removed = await session.execute(sa.delete(Change).where(Change.seq <= through))
    await session.execute(
        sa.update(ChangeCounter)
        .where(ChangeCounter.id == 1, ChangeCounter.pruned_through < through)
        .values(pruned_through=through)
    )
    count: int = removed.rowcount  # type: ignore[attr-defined]
    return count


def retention_cutoff(days: float) -> datetime:
    """Return the oldest commit time the feed keeps with ``days`` of retention."""
    return utcnow() - timedelta(days=days)
