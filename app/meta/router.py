"""Liveness and readiness."""

import logging

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from app.claims import service as claim_service
from app.claims.schemas import Stats
from app.db import SessionDep
from app.errors import ServiceUnavailable, problem_responses
from app.http_cache import model_response
from app.meta import service

router = APIRouter(tags=["meta"])
logger = logging.getLogger("citedb")


class Health(BaseModel):
    """The process is up."""

    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    """The database is reachable and its schema is at the newest migration."""

    status: str = Field(examples=["ready"])
    schema_revision: str


@router.get("/healthz", summary="Liveness", response_model=Health)
async def healthz() -> Health:
    """Answer 200 while the process is up; it does not touch the database."""
    return Health(status="ok")


@router.get(
    "/readyz", summary="Readiness", response_model=Readiness, responses=problem_responses(503)
)
async def readyz(session: SessionDep, response: Response) -> Readiness:
    """Answer 200 when the database is reachable and migrated to head, else 503 and which it is.

    The problem's `state` says why: `unreachable` (the database does not answer), `no_schema`
    (never migrated) or `schema_behind` (migrated to an older revision).
    """
    response.headers["Cache-Control"] = "no-store"
    try:
        revision = await service.schema_revision(session)
    except Exception as exc:
        logger.warning("readiness: database unreachable: %r", exc)
        raise ServiceUnavailable("The database cannot be reached.", state="unreachable") from exc
    head = service.head_revision()
    if revision is None:
        raise ServiceUnavailable(
            "The database has no schema: run `citedb migrate`.", state="no_schema"
        )
    if revision != head:
        raise ServiceUnavailable(
            f"The schema is at revision {revision}, not {head}: run `citedb migrate`.",
            state="schema_behind",
        )
    return Readiness(status="ready", schema_revision=revision)


@router.get("/v1/stats", summary="Counts", response_model=Stats)
async def stats(request: Request, session: SessionDep) -> Response:
    """Count claims, studies, evidence and topics, and claims per current verdict rating."""
    return model_response(request, await claim_service.stats(session))
