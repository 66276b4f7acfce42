"""Dependencies that resolve ``{claim}`` to a claim or answer 404."""

from typing import Annotated

from fastapi import Depends

from app.claims import service
from app.db import SessionDep
from app.models import Claim
from app.params import ClaimPath


async def valid_claim(claim: ClaimPath, session: SessionDep) -> Claim:
    """Return the undeleted claim named by the path (id, slug or former slug)."""
    return await service.resolve(session, ref=claim)


async def claim_for_update(claim: ClaimPath, session: SessionDep) -> Claim:
    """Return the undeleted claim named by the path, locked for this transaction."""
    return await service.resolve(session, ref=claim, for_update=True)


async def deleted_claim(claim: ClaimPath, session: SessionDep) -> Claim:
    """Return the deleted claim named by the path, locked; 409 if it is not deleted."""
    try:
        return await service.resolve(session, ref=claim, deleted=True, for_update=True)
    except service.ClaimNotFound:
        live = await service.resolve(session, ref=claim)
        raise service.ClaimNotDeleted(
            f"Claim '{live.slug}' is not deleted.", existing=service.claim_url(live)
        ) from None


ValidClaim = Annotated[Claim, Depends(valid_claim)]
ClaimForUpdate = Annotated[Claim, Depends(claim_for_update)]
DeletedClaim = Annotated[Claim, Depends(deleted_claim)]
