"""The reference row: a claim's document by the plainest code the stack allows.

The database driver (``sqlite3``, or one ``asyncpg`` pool) runs the same two statements as
``app.claims.rows`` and orjson encodes the same dict, behind the same server (uvicorn with
FastAPI): no SQLAlchemy, no session, no middleware. The bodies and ETags are the API's own,
byte for byte (``python -m bench`` checks a sample before it measures), so the row shows how
close the real path gets to what this stack can do.

Run: ``CITEDB_DATABASE_URL=... uvicorn bench.reference:app``.
"""

import os
import re
import sqlite3
from collections import namedtuple
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
from fastapi import FastAPI
from fastapi.responses import Response
from sqlalchemy.engine import make_url

from app.claims.rows import BY_FORMER_SLUG, BY_ID, BY_SLUG, PARTS, build
from app.config import async_database_url
from app.http_cache import etag_for

ClaimRow = namedtuple(
    "ClaimRow",
    ["id", "slug", "statement", "summary", "created_at", "updated_at", "version", "deleted_at"],
)
HEADERS = {"Cache-Control": "public, max-age=60"}
NOT_FOUND = Response(status_code=404)


def _utc(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _numbered(sql: str) -> str:
    """Turn ``:name`` parameters into asyncpg's ``$1, $2`` in order of first use."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return re.sub(r"(?<!:):(\w+)", number, sql)


URL = async_database_url(os.environ.get("CITEDB_DATABASE_URL", "sqlite:///bench/data/db.sqlite3"))
SQLITE = URL.startswith("sqlite")
state: dict[str, Any] = {}


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    if SQLITE:
        path = make_url(URL).database
        state["db"] = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        dsn = URL.replace("postgresql+asyncpg://", "postgresql://")
        state["pool"] = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
    yield
    if SQLITE:
        state["db"].close()
    else:
        await state["pool"].close()


app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)


def _sqlite_document(ref: str) -> bytes | None:
    db: sqlite3.Connection = state["db"]
    if ref.isdigit():
        found = db.execute(str(BY_ID), {"ref": int(ref)}).fetchone()
    else:
        found = db.execute(str(BY_SLUG), {"ref": ref}).fetchone()
        if found is None:
            found = db.execute(str(BY_FORMER_SLUG), {"ref": ref}).fetchone()
    if found is None:
        return None
    claim = ClaimRow(
        found[0], found[1], found[2], found[3], _utc(found[4]), _utc(found[5]), found[6], None
    )
    if found[7] is not None:
        return None
    parts = [
        (*row[:9], _utc(row[9]))
        for row in db.execute(str(PARTS), {"claim": claim.id, "current": True})
    ]
    return build(claim, parts)[0]


BY_ID_PG, BY_SLUG_PG, BY_FORMER_SLUG_PG, PARTS_PG = (
    _numbered(str(statement)) for statement in (BY_ID, BY_SLUG, BY_FORMER_SLUG, PARTS)
)


async def _postgresql_document(ref: str) -> bytes | None:
    async with state["pool"].acquire() as connection:
        if ref.isdigit():
            found = await connection.fetchrow(BY_ID_PG, int(ref))
        else:
            found = await connection.fetchrow(BY_SLUG_PG, ref)
            if found is None:
                found = await connection.fetchrow(BY_FORMER_SLUG_PG, ref)
        if found is None or found["deleted_at"] is not None:
            return None
        claim = ClaimRow(*found)
        parts: Sequence[Sequence[Any]] = await connection.fetch(PARTS_PG, claim.id, True)
    return build(claim, parts)[0]


@app.get("/v1/claims/{ref}")
async def claim_document(ref: str) -> Response:
    """Answer a claim's document as the API does (body and ETag)."""
    body = _sqlite_document(ref) if SQLITE else await _postgresql_document(ref)
    if body is None:
        return NOT_FOUND
    return Response(
        body, media_type="application/json", headers={"ETag": etag_for(body), **HEADERS}
    )
