"""API keys: create, look up, list and revoke."""

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.auth.actor import Actor
from app.auth.keys import generate_secret, hash_secret
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from app.errors import NotFound
from app.models import ApiKey
from app.models.base import utcnow
from app.pagination import Page, PageRequest, Sort, SortKey, paginate
from app.row_reads import RowReader
from app.vocabularies import Role


class ApiKeyNotFound(NotFound):
    """No API key with that id."""


ACTIVE_KEY = sa.text(
    "SELECT id, name, role FROM api_keys WHERE secret_hash = :secret_hash AND revoked_at IS NULL"
)


async def actor_by_secret(plain_rows: RowReader, *, secret: str) -> Actor | None:
    """Return who holds the unrevoked key with this secret, or None.

    One statement on plain rows (inline on SQLite): every write asks it first.
    """
    async with plain_rows.snapshot() as fetch:
        found = await fetch(ACTIVE_KEY, {"secret_hash": hash_secret(secret)})
    if not found:
        return None
    key_id, name, role = found[0]
    return Actor(key_id=key_id, name=name, role=Role(role))


async def create(
    session: AsyncSession, *, data: ApiKeyCreate, actor: Actor | None
) -> ApiKeyCreated:
    """Create a key and return it with its secret, which is not stored."""
    new = generate_secret()
    key = ApiKey(name=data.name, role=data.role, prefix=new.prefix, secret_hash=new.secret_hash)
    session.add(key)
    await session.flush()
    read = ApiKeyRead.model_validate(key)
    creator = actor or Actor(key_id=key.id, name=key.name, role=key.role)
    await audit_service.created(session, actor=creator, entity="api_key", after=read)
    return ApiKeyCreated(**read.model_dump(), secret=new.secret)


BY_ID = Sort("id", (SortKey(ApiKey.id),))


async def list(session: AsyncSession, page: PageRequest) -> Page[ApiKeyRead]:
    """Return a page of keys, oldest first."""
    rows, next_cursor = await paginate(session, select(ApiKey), sort=BY_ID, page=page)
    items = [ApiKeyRead.model_validate(row[0]) for row in rows]
    return Page[ApiKeyRead](items=items, next_cursor=next_cursor)


async def revoke(session: AsyncSession, *, key_id: int, actor: Actor) -> None:
    """Revoke a key; it stops working at once. Revoking a revoked key changes nothing."""
    key = await session.get(ApiKey, key_id, with_for_update=True)
    if key is None:
        raise ApiKeyNotFound(f"No API key {key_id}.")
    if key.revoked_at is not None:
        return
    before = ApiKeyRead.model_validate(key)
    key.revoked_at = utcnow()
    await session.flush()
    after = ApiKeyRead.model_validate(key)
    await audit_service.changed(
        session, actor=actor, action="revoke", entity="api_key", before=before, after=after
    )
