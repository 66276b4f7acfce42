"""The bearer-key dependencies that guard writes and admin routes.

They read nothing but the key, on the plain-rows reader, so that a write without a valid key is
refused before anything it names is looked up or locked. Dependencies that load an entity for
a write depend on these, so the key is always checked first.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service as key_service
from app.auth.actor import Actor
from app.db import Database
from app.errors import Forbidden, Unauthorized
from app.vocabularies import Role

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key made with `citedb create-key` or `POST /v1/api-keys`.",
)


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Actor:
    """Return who is calling, from the bearer key; 401 when it is missing, unknown or revoked."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized("This operation needs an API key: send `Authorization: Bearer <key>`.")
    database: Database = request.app.state.database
    actor = await key_service.actor_by_secret(database.rows, secret=credentials.credentials)
    if actor is None:
        raise Unauthorized("The API key is not valid or has been revoked.")
    return actor


async def current_editor(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """Return the caller if it may curate content (editor or admin)."""
    return actor


async def current_admin(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """Return the caller if it is an admin; 403 otherwise."""
    if actor.role != Role.admin:
        raise Forbidden("This operation needs an admin key.")
    return actor


CurrentEditor = Annotated[Actor, Depends(current_editor)]
CurrentAdmin = Annotated[Actor, Depends(current_admin)]
