"""The write dependency of ``{evidence}``: key first, then the locked link and its before-state."""

from typing import Annotated

from fastapi import Depends, Request

from app.auth.dependencies import CurrentEditor
from app.db import SessionDep
from app.editing import Edit, begin_edit
from app.evidence import service
from app.evidence.schemas import EvidenceRead
from app.models import Evidence
from app.params import EvidenceIdPath


async def evidence_edit(
    evidence: EvidenceIdPath, request: Request, session: SessionDep, actor: CurrentEditor
) -> Edit[Evidence, EvidenceRead]:
    """Return the link locked for a change, with its before-state; 412 on a stale `If-Match`."""
    found = await service.get(session, evidence_id=evidence, for_update=True)
    return begin_edit(request, entity=found, before=service.read(found), actor=actor)


EvidenceEdit = Annotated[Edit[Evidence, EvidenceRead], Depends(evidence_edit)]
