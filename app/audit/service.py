"""Audit rows and change-feed entries, written in the same transaction as the write."""

from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.schemas import AuditRead
from app.auth.actor import Actor
from app.changes import service as changes_service
from app.editing import Edit
from app.models import AuditEntry
from app.pagination import Page, PageRequest, Sort, SortKey, paginate


def _version(snapshot: Any) -> int | None:
    """Return the ``version`` of an entity's snapshot, if it has one."""
    version = snapshot.get("version") if isinstance(snapshot, dict) else None
    return version if isinstance(version, int) else None


def _snapshot(value: BaseModel | dict[str, Any] | None) -> Any:
    if value is None:
        return None
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


async def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    before: BaseModel | dict[str, Any] | None,
    after: BaseModel | dict[str, Any] | None,
) -> None:
    """Add the audit row of a write to the current transaction (flushed with the rest).

    A write to content also becomes an entry of the change feed, numbered at commit.
    """
    entry = AuditEntry(
        who=actor.name,
        api_key_id=actor.key_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=_snapshot(before),
        after=_snapshot(after),
    )
    session.add(entry)
    changes_service.track(session, entry, version=_version(entry.after))


class Recorded(Protocol):
    """An entity's state as the API answers it: a model with the entity's id."""

    @property
    def id(self) -> int: ...

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


RecordedT = TypeVar("RecordedT", bound=Recorded)


async def changed(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    entity: str,
    before: BaseModel | None,
    after: RecordedT,
) -> RecordedT:
    """Record a write that turned ``before`` (None: not there) into ``after``; return ``after``."""
    await record(
        session,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=after.id,
        before=before,
        after=after.model_dump(mode="json"),
    )
    return after


async def created(
    session: AsyncSession, *, actor: Actor, entity: str, after: RecordedT, action: str = "create"
) -> RecordedT:
    """Record the creation (or the restoring) of ``after``; return ``after``."""
    return await changed(
        session, actor=actor, action=action, entity=entity, before=None, after=after
    )


async def updated(
    session: AsyncSession,
    *,
    edit: Edit[Any, Any],
    entity: str,
    after: RecordedT,
    action: str = "update",
) -> RecordedT:
    """Record an edit: the state before it (``edit.before``), and ``after``; return ``after``."""
    return await changed(
        session, actor=edit.actor, action=action, entity=entity, before=edit.before, after=after
    )


async def deleted(session: AsyncSession, *, edit: Edit[Any, Any], entity: str) -> None:
    """Record the deletion of the entity an edit locked."""
    await record(
        session,
        actor=edit.actor,
        action="delete",
        entity=entity,
        entity_id=edit.before.id,
        before=edit.before,
        after=None,
    )


NEWEST_FIRST = Sort("-id", (SortKey(AuditEntry.id, descending=True),))


async def list(
    session: AsyncSession,
    page: PageRequest,
    *,
    entity: str | None,
    entity_id: int | None,
    who: str | None,
    since: datetime | None,
) -> Page[AuditRead]:
    """Return a page of audit rows, newest first, filtered."""
    statement = select(AuditEntry)
    if entity is not None:
        statement = statement.where(AuditEntry.entity == entity)
    if entity_id is not None:
        statement = statement.where(AuditEntry.entity_id == entity_id)
    if who is not None:
        statement = statement.where(AuditEntry.who == who)
    if since is not None:
        statement = statement.where(AuditEntry.occurred_at >= since)
    rows, next_cursor = await paginate(session, statement, sort=NEWEST_FIRST, page=page)
    items = [AuditRead.model_validate(row[0]) for row in rows]
    return Page[AuditRead](items=items, next_cursor=next_cursor)
