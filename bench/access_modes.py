"""How a request reaches the database: one topic read from the same SQLite file, three ways.

1. FastAPI ``def`` endpoint + sync SQLAlchemy ``Session`` from a ``Depends`` generator (the
   endpoint and the dependency run in the thread pool);
2. FastAPI ``async def`` endpoint + ``AsyncSession`` (aiosqlite) from a ``Depends`` generator,
   on the engine ``app.db.create_engine`` makes (as citedb does);
3. Datasette's row JSON of the same row (``/db/topics/{id}.json``), the baseline.

Each is served by uvicorn (Datasette by its own command) and driven by wrk like ``python -m
bench``. Run ``python -m bench.access_modes [--duration 10] [--repeats 3]``.
"""

import argparse
import os
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

from app.db import create_engine as create_app_engine
from app.models import Topic
from bench import generate
from bench.harness import (
    Request,
    Server,
    Target,
    datasette_server,
    ensure_wrk,
    measure,
    table,
    uvicorn_server,
)

PATH_ENV = "CITEDB_BENCH_SQLITE"
POOL_SIZE = 10


def _path() -> str:
    return os.environ.get(PATH_ENV, str(generate.SQLITE_PATH))


def _topic(topic: Topic | None) -> dict[str, Any]:
    if topic is None:
        raise HTTPException(404)
    return {
        "id": topic.id,
        "slug": topic.slug,
        "name": topic.name,
        "description": topic.description,
    }


def sync_app() -> FastAPI:
    """Return the app whose endpoint is a ``def`` with a sync session from ``Depends``."""
    engine = create_engine(f"sqlite:///{_path()}", pool_size=POOL_SIZE, max_overflow=POOL_SIZE)
    sessions = sessionmaker(engine)

    def get_session() -> Iterator[Session]:
        with sessions() as session:
            yield session

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/topics/{topic_id}")
    def read_topic(topic_id: int, session: Annotated[Session, Depends(get_session)]) -> Any:
        """Read one topic in the thread pool."""
        return _topic(session.get(Topic, topic_id))

    return app


def async_app() -> FastAPI:
    """Return the app whose endpoint is an ``async def`` with an ``AsyncSession`` (Depends)."""
    engine = create_app_engine(f"sqlite+aiosqlite:///{_path()}", pool_size=POOL_SIZE)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def get_session() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/topics/{topic_id}")
    async def read_topic(
        topic_id: int, session: Annotated[AsyncSession, Depends(get_session)]
    ) -> Any:
        """Read one topic on the event loop (aiosqlite runs the query in its thread)."""
        return _topic(await session.get(Topic, topic_id))

    return app


def _uvicorn(name: str, factory: str) -> Server:
    return uvicorn_server(
        name, factory, factory=True, env={PATH_ENV: _path()}, ready_path="/topics/1"
    )


def main() -> None:
    """Serve the three ways, drive each with wrk and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3)
    arguments = parser.parse_args()
    ensure_wrk()
    if not generate.SQLITE_PATH.exists():
        print("no bench/data/db.sqlite3: building a small one (1,000 claims)", flush=True)
        generate.generate(1000, backends=["sqlite"])
    servers = [
        _uvicorn("access-sync-def", "bench.access_modes:sync_app"),
        _uvicorn("access-async-def", "bench.access_modes:async_app"),
        datasette_server("access-datasette", _path()),
    ]
    topics = range(1, len(generate.TOPICS) + 1)
    workload = "one topic by id"
    rows = [
        Target(
            workload,
            "FastAPI def + sync Session (Depends)",
            servers[0],
            [Request(f"/topics/{t}") for t in topics],
        ),
        Target(
            workload,
            "FastAPI async def + AsyncSession (Depends)",
            servers[1],
            [Request(f"/topics/{t}") for t in topics],
        ),
        Target(
            workload,
            "Datasette row JSON",
            servers[2],
            [Request(f"/db/topics/{t}.json") for t in topics],
            baseline=True,
        ),
    ]
    try:
        for server in servers:
            server.start()
        measure(
            rows, duration=arguments.duration, repeats=arguments.repeats, warmup=arguments.warmup
        )
    finally:
        for server in servers:
            server.stop()
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
