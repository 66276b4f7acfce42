"""The write dependency of ``{study}``: key first, then the locked study and its before-state."""

from typing import Annotated

from fastapi import Depends, Request

from app.auth.dependencies import CurrentEditor
from app.db import SessionDep
from app.editing import Edit, begin_edit
from app.models import Study
from app.params import StudyIdPath
from app.studies import service
from app.studies.schemas import StudyDetail


async def study_edit(
    study: StudyIdPath, request: Request, session: SessionDep, actor: CurrentEditor
) -> Edit[Study, StudyDetail]:
    """Return the study locked for a change, with its before-state; 412 on a stale `If-Match`."""
    found = await service.get(session, study_id=study, for_update=True)
    before = await service.read(session, study=found)
    return begin_edit(request, entity=found, before=before, actor=actor)


StudyEdit = Annotated[Edit[Study, StudyDetail], Depends(study_edit)]
