"""Engines and the session dependency that owns each request's transaction."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings, async_database_url

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _prepare_sqlite(engine: AsyncEngine, *, begin: str) -> None:
    """Turn on foreign keys and WAL, and begin each transaction with ``begin``.

    Writers begin ``IMMEDIATE`` so that two concurrent writers queue on the busy timeout
    instead of failing when a read lock cannot be upgraded.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def create_engine(url: str, *, pool_size: int = 10, sqlite_begin: str = "BEGIN") -> AsyncEngine:
    """Create an async engine for ``url`` with the settings citedb relies on."""
    url = async_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # No overflow: each connection is a thread with its own page cache, and SQLite's
        # reads are bound by the CPU, so threads beyond the pool add memory, not answers.
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=0)
        _prepare_sqlite(engine, begin=sqlite_begin)
        return engine
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False
    )


@dataclass
class Database:
    """The engines of one process: one for reads and one for writes (the same on PostgreSQL)."""

    read_engine: AsyncEngine
    write_engine: AsyncEngine
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        """Create the engines for the configured database."""
        url = settings.database_url
        if settings.is_sqlite:
            read_engine = create_engine(url, pool_size=settings.db_pool_size)
            write_engine = create_engine(url, pool_size=2, sqlite_begin="BEGIN IMMEDIATE")
        else:
            read_engine = write_engine = create_engine(url, pool_size=settings.db_pool_size)
        return cls(
            read_engine=read_engine,
            write_engine=write_engine,
            read_sessions=async_sessionmaker(read_engine, expire_on_commit=False),
            write_sessions=async_sessionmaker(write_engine, expire_on_commit=False),
        )

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """Return each distinct engine once."""
        if self.read_engine is self.write_engine:
            return (self.read_engine,)
        return (self.read_engine, self.write_engine)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        for engine in self.engines:
            await engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yield a session whose transaction commits when the handler succeeds, else rolls back."""
    database: Database = request.app.state.database
    if request.method in READ_METHODS:
        async with database.read_sessions() as session:
            yield session
        return
    async with database.write_sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()
        # Kept claim documents may now be out of date: check the generation on the next read.
        request.app.state.claim_documents.mark_stale()


# scope="function": the commit happens before the response is sent, so a failed commit
# becomes an error response instead of a success that was never stored.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
