"""Dependencies that resolve ``{claim}`` to a claim or answer 404.

The write dependencies check the caller's key first (401/403 before any lookup or lock).
"""

from typing import Annotated

from fastapi import Depends, Request

from app.auth.dependencies import CurrentEditor
from app.claims import rows, service
from app.claims.rows import ClaimRow
from app.claims.schemas import ClaimRead
from app.db import RowsDep, SessionDep
from app.editing import Edit, begin_edit
from app.models import Claim
from app.params import ClaimPath


async def valid_claim(claim: ClaimPath, session: SessionDep) -> Claim:
    """Return the undeleted claim named by the path (id, slug or former slug)."""
    return await service.get(session, ref=claim)


async def valid_claim_alone(claim: ClaimPath, session: SessionDep) -> Claim:
    """Return the undeleted claim named by the path, without its aliases and topics."""
    return await service.get(session, ref=claim, children=False)


async def valid_claim_row(claim: ClaimPath, plain_rows: RowsDep) -> ClaimRow:
    """Return the undeleted claim named by the path as a plain row, for the hot reads under it."""
    return await rows.claim_row(plain_rows, ref=claim)


async def claim_for_write(claim: ClaimPath, session: SessionDep, _actor: CurrentEditor) -> Claim:
    """Return the undeleted claim named by the path, locked for this transaction.

    Without its aliases and topics: the writes under a claim (evidence, verdicts) do not
    show them.
    """
    return await service.get(session, ref=claim, for_update=True, children=False)


async def claim_edit(
    claim: ClaimPath, request: Request, session: SessionDep, actor: CurrentEditor
) -> Edit[Claim, ClaimRead]:
    """Return the claim locked for a change, with its before-state; 412 on a stale `If-Match`."""
    found = await service.get(session, ref=claim, for_update=True)
    before = await service.read(session, claim=found)
    return begin_edit(request, entity=found, before=before, actor=actor)


async def deleted_claim(claim: ClaimPath, session: SessionDep, _actor: CurrentEditor) -> Claim:
    """Return the deleted claim named by the path, locked; 409 if it is not deleted."""
    try:
        return await service.get(session, ref=claim, deleted=True, for_update=True)
    except service.ClaimNotFound:
        live = await service.get(session, ref=claim)
        raise service.ClaimNotDeleted(
            f"Claim '{live.slug}' is not deleted.", existing=service.claim_url(live)
        ) from None


ValidClaim = Annotated[Claim, Depends(valid_claim)]
# For the reads of what hangs from a claim (evidence, verdicts, assessment, reference list).
ValidClaimAlone = Annotated[Claim, Depends(valid_claim_alone)]
ValidClaimRow = Annotated[ClaimRow, Depends(valid_claim_row)]
ClaimForWrite = Annotated[Claim, Depends(claim_for_write)]
ClaimEdit = Annotated[Edit[Claim, ClaimRead], Depends(claim_edit)]
DeletedClaim = Annotated[Claim, Depends(deleted_claim)]
