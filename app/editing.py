"""What a write dependency hands its route: the locked entity, its before-state and the actor."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Request
from pydantic import BaseModel

from app.auth.actor import Actor
from app.http_cache import require_match

EntityT = TypeVar("EntityT")
ReadT = TypeVar("ReadT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Edit(Generic[EntityT, ReadT]):
    """An entity locked for this transaction, as it was before the write, and who writes."""

    entity: EntityT
    before: ReadT
    actor: Actor


def begin_edit(
    request: Request, *, entity: EntityT, before: ReadT, actor: Actor
) -> Edit[EntityT, ReadT]:
    """Check ``If-Match`` against the before-state (412 when stale) and return the edit."""
    require_match(request, before)
    return Edit(entity=entity, before=before, actor=actor)
