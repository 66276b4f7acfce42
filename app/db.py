"""Engines and the session dependency that owns each request's transaction."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
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
from app.errors import ServiceUnavailable
from app.row_reads import RowReader, create_row_reader

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _prepare_sqlite(engine: AsyncEngine, *, begin: str, busy_timeout_ms: int) -> None:
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
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    sqlite_begin: str = "BEGIN",
    wait_seconds: float = 30,
) -> AsyncEngine:
    """Create an async engine for ``url`` with the settings citedb relies on.

    ``wait_seconds`` bounds the wait for a pooled connection and, on SQLite, for the lock of
    another process's writer; past it the request answers 503.
    """
    url = async_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # No overflow: each connection is a thread with its own page cache, and SQLite's
        # reads are bound by the CPU, so threads beyond the pool add memory, not answers.
        engine = create_async_engine(
            url, pool_size=pool_size, max_overflow=0, pool_timeout=wait_seconds
        )
        _prepare_sqlite(engine, begin=sqlite_begin, busy_timeout_ms=int(wait_seconds * 1000))
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_timeout=wait_seconds,
    )


class WriteBusy(ServiceUnavailable):
    """No write turn came free within ``CITEDB_WRITE_WAIT_SECONDS`` (503, retry later)."""


@dataclass
class WriteTurns:
    """Writers of one process take turns, first come first served (SQLite: one writer at once).

    SQLite has one write lock per file, and its busy handler lets whoever polls at the right
    moment in, so a writer that commits and begins again (a long import) can starve the
    others. Here writers queue in order on an ``asyncio.Lock`` (which hands the lock to the
    longest waiter) and hold it for one transaction; a writer that waits longer than
    ``wait_seconds`` gets 503 instead of waiting on. Without ``exclusive`` (PostgreSQL locks
    rows, not the database) a turn is free.
    """

    exclusive: bool
    wait_seconds: float
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold the process's write turn for the block; 503 when it does not come in time."""
        if not self.exclusive:
            yield
            return
        try:
            async with asyncio.timeout(self.wait_seconds):
                await self._lock.acquire()
        except TimeoutError:
            raise WriteBusy(
                f"Other writes held the database for {self.wait_seconds:g} s; retry later."
            ) from None
        try:
            yield
        finally:
            self._lock.release()


@dataclass
class Database:
    """The engines of one process: one for reads and one for writes (the same on PostgreSQL).

    ``rows`` reads plain rows for the hot public reads, beside the engines (see
    :mod:`app.row_reads`).
    """

    read_engine: AsyncEngine
    write_engine: AsyncEngine
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    write_turns: WriteTurns
    rows: RowReader

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        """Create the engines for the configured database."""
        url, wait = settings.database_url, settings.write_wait_seconds
        if settings.is_sqlite:
            read_engine = create_engine(url, pool_size=settings.db_pool_size, wait_seconds=wait)
            write_engine = create_engine(
                url, pool_size=2, sqlite_begin="BEGIN IMMEDIATE", wait_seconds=wait
            )
        else:
            read_engine = write_engine = create_engine(
                url, pool_size=settings.db_pool_size, wait_seconds=wait
            )
        return cls(
            read_engine=read_engine,
            write_engine=write_engine,
            read_sessions=async_sessionmaker(read_engine, expire_on_commit=False),
            write_sessions=async_sessionmaker(write_engine, expire_on_commit=False),
            write_turns=WriteTurns(exclusive=settings.is_sqlite, wait_seconds=wait),
            rows=create_row_reader(
                read_engine.url.render_as_string(hide_password=False),
                dialect=read_engine.dialect,
                pool_size=settings.db_pool_size,
                wait_seconds=wait,
            ),
        )

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """Return each distinct engine once."""
        if self.read_engine is self.write_engine:
            return (self.read_engine,)
        return (self.read_engine, self.write_engine)

    @asynccontextmanager
    async def write_transaction(self) -> AsyncIterator[AsyncSession]:
        """Open a write session in its own transaction, in the process's write turn.

        The transaction commits when the block ends without an error, else rolls back.
        """
        async with self.write_turns.turn(), self.write_sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.rows.close()
        for engine in self.engines:
            await engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yield a session whose transaction commits when the handler succeeds, else rolls back."""
    database: Database = request.app.state.database
    if request.method in READ_METHODS:
        async with database.read_sessions() as session:
            yield session
        return
    async with database.write_turns.turn(), database.write_sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


# scope="function": the commit happens before the response is sent, so a failed commit
# becomes an error response instead of a success that was never stored.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_database(request: Request) -> AsyncIterator[Database]:
    """Yield the process's database, for a write that commits several transactions of its own.

    Each commit of its write sessions drops the kept answers it made stale (see
    ``app.response_cache.follow_writes``).
    """
    database: Database = request.app.state.database
    yield database


DatabaseDep = Annotated[Database, Depends(get_database, scope="function")]


async def get_rows(request: Request) -> RowReader:
    """Return the process's plain-rows reader, for the hot public reads."""
    database: Database = request.app.state.database
    return database.rows


RowsDep = Annotated[RowReader, Depends(get_rows)]
