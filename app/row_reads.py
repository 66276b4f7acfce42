"""Plain rows for the hot public reads: the database driver itself, without the ORM's bridge.

A claim's document, or an evidence page, is a few short indexed statements. Run through
SQLAlchemy's async session on SQLite, each statement, ``BEGIN`` and the pool's checkout and
reset is a hop to aiosqlite's thread and back, and those hops, not the SQL, were most of a
read's time. Here the same statements (``sa.text(...)``, written in the services) run on the
driver directly, through one interface whatever the backend:

    async with database.rows.snapshot() as fetch:
        claim = await fetch(BY_ID, {"ref": 7})

- SQLite: a process-local ``sqlite3`` connection, ``query_only`` and with the PRAGMAs of
  :mod:`app.db`, read inline on the event loop inside one ``BEGIN`` … ``COMMIT``, so the
  statements of a snapshot see one state of the database. Only for short point reads: a
  statement here blocks the loop while it runs (search and long scans stay on the engine).
- PostgreSQL: one asyncpg pool per process, from the same URL; a statement is one round
  trip (no ``BEGIN``: each statement sees what was committed when it began, as the engine's
  sessions under READ COMMITTED do).

Values go and come back as the engine would bind and give them: the column types a statement
names (``.columns(created_at=UTCDateTime())``, ``.bindparams(sa.bindparam("at", type_=...))``)
convert values with the dialect's own processors.
"""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from time import perf_counter
from typing import Any, Protocol

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect

Statement = TextClause | TextualSelect
Row = Sequence[Any]
# Told of each statement run and the seconds it took (statement counts in tests and benches).
StatementListener = Callable[[str, float], None]


class Fetch(Protocol):
    """Run one statement in the snapshot and return its rows."""

    async def __call__(self, statement: Statement, params: Mapping[str, Any]) -> list[Row]: ...


class RowReader(Protocol):
    """Read plain rows in snapshots; close on shutdown."""

    listeners: list[StatementListener]

    def snapshot(self) -> AbstractAsyncContextManager[Fetch]:
        """Open a read snapshot and yield the function that runs statements in it."""
        ...

    async def close(self) -> None:
        """Close every connection."""
        ...


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as the driver takes it, and how to convert its rows."""

    sql: str
    names: tuple[str, ...]  # bind parameters in the order the driver takes them
    binders: tuple[Any, ...]  # for each, the typed parameter's bind processor, or None
    types: Mapping[str, Any]  # typed result columns by name
    dialect: Dialect

    def values(self, params: Mapping[str, Any]) -> list[Any]:
        """Return the parameters in the driver's order, as the dialect binds their types."""
        return [
            params[name] if binder is None else binder(params[name])
            for name, binder in zip(self.names, self.binders, strict=True)
        ]

    def converters(self, columns: Sequence[str]) -> tuple[tuple[int, Any], ...]:
        """Return ``(position, processor)`` for each result column that needs converting."""
        found = []
        for position, name in enumerate(columns):
            column_type = self.types.get(name)
            if column_type is None:
                continue
            processor = column_type.dialect_impl(self.dialect).result_processor(self.dialect, None)
            if processor is not None:
                found.append((position, processor))
        return tuple(found)


def _compile(statement: Statement, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    types: dict[str, Any] = {}
    if isinstance(statement, TextualSelect):
        types = {
            column.key: column.type
            for column in statement.selected_columns
            if not isinstance(column.type, sa.types.NullType)
        }
    names = tuple(compiled.positiontup or ())
    binders = []
    for name in names:
        bind_type = compiled.binds[name].type
        binders.append(
            None
            if isinstance(bind_type, sa.types.NullType)
            else bind_type.dialect_impl(dialect).bind_processor(dialect)
        )
    return _Compiled(
        sql=compiled.string, names=names, binders=tuple(binders), types=types, dialect=dialect
    )


def _convert(rows: list[Any], converters: tuple[tuple[int, Any], ...]) -> list[Row]:
    if not converters or not rows:
        return list(rows)
    converted: list[Row] = []
    for row in rows:
        values = list(row)
        for position, processor in converters:
            values[position] = processor(values[position])
        converted.append(tuple(values))
    return converted


class _Statements:
    """Compiled statements and their result converters, made once per statement."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._compiled: dict[Statement, _Compiled] = {}
        self._converters: dict[Statement, tuple[tuple[int, Any], ...]] = {}

    def compiled(self, statement: Statement) -> _Compiled:
        found = self._compiled.get(statement)
        if found is None:
            found = self._compiled[statement] = _compile(statement, self.dialect)
        return found

    def converters(
        self, statement: Statement, columns: Callable[[], Sequence[str]]
    ) -> tuple[tuple[int, Any], ...]:
        found = self._converters.get(statement)
        if found is None:
            found = self._converters[statement] = self.compiled(statement).converters(columns())
        return found


def _tell(listeners: list[StatementListener], sql: str, seconds: float) -> None:
    for listener in listeners:
        listener(sql, seconds)


class SqliteRows:
    """Plain rows from ``sqlite3`` connections read inline on the event loop."""

    def __init__(self, path: str, *, dialect: Dialect, busy_timeout_ms: int) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self.listeners: list[StatementListener] = []
        self._statements = _Statements(dialect)
        self._idle: list[sqlite3.Connection] = []

    def _connect(self) -> sqlite3.Connection:
        # Only the event loop's thread uses it; check_same_thread=False lets the lifespan
        # close it from whichever thread runs the shutdown.
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
        connection.execute("PRAGMA query_only = ON")
        return connection

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Fetch]:
        """Yield a fetch that runs statements inline in one read transaction."""
        # One connection a snapshot: inline reads never interleave, so one is nearly always
        # enough, but a caller that awaits something else inside gets its own.
        connection = self._idle.pop() if self._idle else self._connect()
        statements, listeners = self._statements, self.listeners

        async def fetch(statement: Statement, params: Mapping[str, Any]) -> list[Row]:
            compiled = statements.compiled(statement)
            values = compiled.values(params)
            started = perf_counter() if listeners else 0.0
            cursor = connection.execute(compiled.sql, values)
            rows = cursor.fetchall()
            if listeners:
                _tell(listeners, compiled.sql, perf_counter() - started)
            converters = statements.converters(
                statement, lambda: [column[0] for column in cursor.description or ()]
            )
            return _convert(rows, converters)

        try:
            connection.execute("BEGIN")
            if listeners:
                _tell(listeners, "BEGIN", 0.0)
            yield fetch
        finally:
            try:
                connection.execute("COMMIT")
            except sqlite3.Error:
                connection.close()
            else:
                self._idle.append(connection)

    async def close(self) -> None:
        """Close every idle connection."""
        while self._idle:
            self._idle.pop().close()


class _NoReset(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection that sets no session state, so its release needs no round trip."""

    def get_reset_query(self) -> str:
        return ""


class PostgresqlRows:
    """Plain rows from one asyncpg pool per process, made on first use."""

    def __init__(self, dsn: str, *, dialect: Dialect, max_size: int, wait_seconds: float) -> None:
        self.dsn = dsn
        self.max_size = max_size
        self.wait_seconds = wait_seconds
        self.listeners: list[StatementListener] = []
        self._statements = _Statements(dialect)
        self._pool: asyncpg.Pool | None = None

    async def _open(self) -> asyncpg.Pool:
        pool = await asyncpg.create_pool(
            self.dsn,
            min_size=0,
            max_size=self.max_size,
            connection_class=_NoReset,
            timeout=self.wait_seconds,
        )
        if self._pool is None:
            self._pool = pool
        else:  # another request opened one meanwhile
            await pool.close()
        return self._pool

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Fetch]:
        """Yield a fetch that runs each statement in one round trip on a pooled connection."""
        pool = self._pool or await self._open()
        statements, listeners = self._statements, self.listeners
        # asyncio.timeout, not acquire(timeout=...): asyncpg's wait_for makes a task a call.
        async with asyncio.timeout(self.wait_seconds):
            connection = await pool.acquire()
        try:

            async def fetch(statement: Statement, params: Mapping[str, Any]) -> list[Row]:
                compiled = statements.compiled(statement)
                values = compiled.values(params)
                started = perf_counter() if listeners else 0.0
                records = await connection.fetch(compiled.sql, *values)
                if listeners:
                    _tell(listeners, compiled.sql, perf_counter() - started)
                if not records:
                    return []
                converters = statements.converters(statement, lambda: list(records[0].keys()))
                return _convert(records, converters)

            yield fetch
        finally:
            await pool.release(connection)

    async def close(self) -> None:
        """Close the pool."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


def create_row_reader(
    url: str, *, dialect: Dialect, pool_size: int, wait_seconds: float
) -> RowReader:
    """Create the plain-rows reader for the database at ``url`` (an async-driver URL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return SqliteRows(
            parsed.database or ":memory:",
            dialect=dialect,
            busy_timeout_ms=int(wait_seconds * 1000),
        )
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return PostgresqlRows(dsn, dialect=dialect, max_size=pool_size, wait_seconds=wait_seconds)
