"""The write dependency of ``{source}``: key first, then the locked source and its before-state."""

from typing import Annotated

from fastapi import Depends, Request

from app.auth.dependencies import CurrentEditor
from app.db import SessionDep
from app.editing import Edit, begin_edit
from app.models import Source
from app.params import SourceIdPath
from app.sources import service
from app.sources.schemas import SourceRead


async def source_edit(
    source: SourceIdPath, request: Request, session: SessionDep, actor: CurrentEditor
) -> Edit[Source, SourceRead]:
    """Return the source locked for a change, with its before-state; 412 on a stale `If-Match`."""
    found = await service.get(session, source_id=source, for_update=True)
    return begin_edit(request, entity=found, before=service.to_read(found), actor=actor)


SourceEdit = Annotated[Edit[Source, SourceRead], Depends(source_edit)]
