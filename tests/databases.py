"""Test databases: a fresh SQLite file or a fresh PostgreSQL database, migrated to head."""

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from alembic import command

from app.meta.service import alembic_config

POSTGRES_ADMIN_DSN = os.environ.get(
    "CITEDB_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)

# Every table the migrations make, children first; reset between tests.
TABLES = (
    "webhook_attempts",
    "webhook_deliveries",
    "webhooks",
    "changes",
    "audit_log",
    "source_citations",
    "source_appearances",
    "sources",
    "review_reasons",
    "verdicts",
    "evidence",
    "claim_topics",
    "claim_aliases",
    "claim_embeddings",
    "claim_slugs",
    "study_authors",
    "claims",
    "studies",
    "topics",
    "api_keys",
)


def postgres_available() -> str | None:
    """Return None if the test PostgreSQL answers, else the reason it does not."""
    try:
        with psycopg.connect(POSTGRES_ADMIN_DSN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {POSTGRES_ADMIN_DSN} is unreachable: {exc}"


@dataclass
class TestDatabase:
    """A migrated database for one test session."""

    __test__ = False  # not a test class, despite the name

    backend: str
    url: str  # the async SQLAlchemy URL the app uses
    _dsn: str
    _sequence_names: list[str] | None = None

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in its own transaction and return its rows."""
        with self.connect() as connection:
            cursor = connection.execute(
                sql.replace("?", "%s") if self.backend != "sqlite" else sql, params
            )
            rows = cursor.fetchall() if cursor.description else []
            connection.commit()
            return [tuple(row) for row in rows]

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """Open a plain DB-API connection."""
        if self.backend == "sqlite":
            connection: Any = sqlite3.connect(self._dsn)
            connection.execute("PRAGMA foreign_keys = ON")
        else:
            connection = psycopg.connect(self._dsn)
        try:
            yield connection
        finally:
            connection.close()

    def reset(self) -> None:
        """Empty every table and restart the ids.

        PostgreSQL deletes rather than truncates: on tables a test has barely filled, DELETE and
        a sequence restart take a tenth of the time of TRUNCATE, which makes new files for each
        table at every reset.
        """
        with self.connect() as connection:
            if self.backend == "sqlite":
                for table in TABLES:
                    connection.execute(f"DELETE FROM {table}")
                connection.execute("DELETE FROM sqlite_sequence")
                connection.execute("INSERT INTO claims_fts(claims_fts) VALUES ('rebuild')")
            else:
                for table in ("claims_fts", *TABLES):
                    connection.execute(f"DELETE FROM {table}")
                for sequence in self._sequences(connection):
                    connection.execute(f"ALTER SEQUENCE {sequence} RESTART")
            connection.execute("UPDATE change_counter SET last_seq = 0, pruned_through = 0")
            connection.execute("UPDATE webhook_cursor SET dispatched_through = 0")
            connection.commit()

    def _sequences(self, connection: Any) -> list[str]:
        """Return the PostgreSQL database's sequences (read once: the schema stays put)."""
        if self._sequence_names is None:
            rows = connection.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
                "FROM pg_sequences WHERE schemaname = current_schema()"
            ).fetchall()
            self._sequence_names = [row[0] for row in rows]
        return self._sequence_names

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema to ``revision``."""
        self._sequence_names = None
        command.upgrade(_config(self.url), revision)

    def downgrade(self, revision: str = "base") -> None:
        """Downgrade the schema to ``revision``."""
        self._sequence_names = None
        command.downgrade(_config(self.url), revision)


def _config(url: str) -> Any:
    config = alembic_config(url)
    config.attributes["configure_logging"] = False
    return config


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[TestDatabase]:
    """Create an empty database of ``backend``, and drop it afterwards."""
    if backend == "sqlite":
        path = directory / f"citedb-{uuid.uuid4().hex[:8]}.sqlite3"
        yield TestDatabase(backend, f"sqlite+aiosqlite:///{path}", str(path))
        return
    name = f"citedb_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0]
    try:
        yield TestDatabase(
            backend,
            f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}",
            f"{base}/{name}",
        )
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
