"""Audit rows and change-feed entries, written in the same transaction as the write."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.schemas import AuditRead
from app.auth.actor import Actor
from app.changes import service as changes_service
from app.models import AuditEntry
from app.pagination import Sort, SortKey, paginate


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


NEWEST_FIRST = Sort("-id", (SortKey(AuditEntry.id, descending=True),))


async def list(
    session: AsyncSession,
    *,
    entity: str | None,
    entity_id: int | None,
    who: str | None,
    since: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[AuditRead], str | None]:
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
    rows, next_cursor = await paginate(
        session, statement, sort=NEWEST_FIRST, limit=limit, cursor=cursor
    )
    return [AuditRead.model_validate(row[0]) for row in rows], next_cursor
