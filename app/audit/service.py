"""Audit rows, written in the same transaction as the write they describe."""

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.schemas import AuditRead
from app.models import AuditEntry
from app.pagination import after, decode_cursor, encode_cursor

if TYPE_CHECKING:
    from app.auth.service import Actor


def _snapshot(value: BaseModel | dict[str, Any] | None) -> Any:
    if value is None:
        return None
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


async def record(
    session: AsyncSession,
    *,
    actor: "Actor",
    action: str,
    entity: str,
    entity_id: int | None,
    before: BaseModel | dict[str, Any] | None,
    after: BaseModel | dict[str, Any] | None,
) -> None:
    """Add the audit row of a write to the current transaction (flushed with the rest)."""
    session.add(
        AuditEntry(
            who=actor.name,
            api_key_id=actor.key_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=_snapshot(before),
            after=_snapshot(after),
        )
    )


async def list_entries(
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
    statement = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    if entity is not None:
        statement = statement.where(AuditEntry.entity == entity)
    if entity_id is not None:
        statement = statement.where(AuditEntry.entity_id == entity_id)
    if who is not None:
        statement = statement.where(AuditEntry.who == who)
    if since is not None:
        statement = statement.where(AuditEntry.occurred_at >= since)
    if cursor:
        (last_id,) = decode_cursor(cursor, "-id", 1)
        statement = statement.where(after([(AuditEntry.id, True)], [last_id]))
    rows = list((await session.execute(statement)).scalars())
    next_cursor = encode_cursor("-id", [rows[limit - 1].id]) if len(rows) > limit else None
    return [AuditRead.model_validate(row) for row in rows[:limit]], next_cursor
