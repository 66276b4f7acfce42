"""Export the whole database as one JSON document, and restore it into an empty database.

The document is canonical: the same rows give the same bytes on SQLite and on PostgreSQL, so
export -> restore -> export reproduces the document byte for byte. That rules out anything
that changes between two exports of the same rows: there is no ``exported_at``, and the
restore writes no audit row of its own into the log it restores (it is logged by the server).

Secrets never leave the database, nor anything made from them (a key's hash, its prefix, also
in the audit snapshots of keys), so restored API keys cannot authenticate: each gets an
unusable hash. A restore replaces the target's keys (and their audit rows, all a new database
holds after ``citedb create-key``) with the document's; make new keys with ``citedb
create-key`` afterwards.
"""

import logging
import secrets
from collections import defaultdict
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

import orjson
import sqlalchemy as sa
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.admin.schemas import (
    FORMAT,
    FORMAT_VERSION,
    ApiKeyRow,
    AuditRow,
    ClaimAliasRow,
    ClaimRow,
    ClaimSlugRow,
    ClaimTopicRow,
    EvidenceRow,
    ExportDocument,
    RestoreReport,
    ReviewReasonRow,
    SourceAppearanceRow,
    SourceCitationRow,
    SourceRow,
    StudyAuthorRow,
    StudyRow,
    TopicRow,
    VerdictRow,
)
from app.auth.actor import Actor
from app.bibliography.identifiers import normalize_title
from app.errors import Conflict, InvalidInput, ServiceUnavailable
from app.meta.service import head_revision, schema_revision
from app.models import (
    ApiKey,
    AuditEntry,
    Claim,
    ClaimAlias,
    ClaimSlug,
    Evidence,
    ReviewReason,
    Source,
    SourceAppearance,
    SourceCitation,
    Study,
    StudyAuthor,
    Topic,
    Verdict,
    claim_topics,
)

logger = logging.getLogger("citedb")

EXPORT_BATCH_SIZE = 1000
INSERT_BATCH_SIZE = 1000
MAX_REPORTED_ERRORS = 20
# What a restored key holds in place of its prefix and hash: no secret hashes to a value with
# a colon (hashes are hex), so no bearer key can ever match a restored key.
RESTORED_PREFIX = "restored"
RESTORED_HASH_MARK = "restored:"


@dataclass(frozen=True)
class TableSpec:
    """How one table appears in the document, and what restoring it must check."""

    name: str
    table: sa.Table
    row: type[BaseModel]
    # The primary key: the order of the rows, strictly ascending in a document.
    key: tuple[str, ...] = ("id",)
    # Other column sets that are unique in the database (NULLs excepted).
    unique: tuple[tuple[str, ...], ...] = ()
    # Columns that hold the id of a row of another table of the document.
    references: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Return the exported columns, in document order."""
        return list(self.row.model_fields)


def _table(model: Any) -> sa.Table:
    table: sa.Table = model.__table__
    return table


# Document order, which is also an order that satisfies every foreign key on restore.
TABLES: tuple[TableSpec, ...] = (
    TableSpec("topics", _table(Topic), TopicRow, unique=(("slug",),)),
    TableSpec("claims", _table(Claim), ClaimRow, unique=(("slug",),)),
    TableSpec(
        "claim_aliases",
        _table(ClaimAlias),
        ClaimAliasRow,
        unique=(("claim_id", "position"), ("claim_id", "alias")),
        references={"claim_id": "claims"},
    ),
    TableSpec(
        "claim_slugs", _table(ClaimSlug), ClaimSlugRow, ("slug",), (), {"claim_id": "claims"}
    ),
    TableSpec(
        "claim_topics",
        claim_topics,
        ClaimTopicRow,
        ("claim_id", "topic_id"),
        references={"claim_id": "claims", "topic_id": "topics"},
    ),
    TableSpec(
        "studies",
        _table(Study),
        StudyRow,
        unique=(("bibtex_key",), ("doi",), ("pmid",), ("pmcid",)),
    ),
    TableSpec(
        "study_authors",
        _table(StudyAuthor),
        StudyAuthorRow,
        unique=(("study_id", "position"),),
        references={"study_id": "studies"},
    ),
    TableSpec(
        "evidence",
        _table(Evidence),
        EvidenceRow,
        unique=(("claim_id", "study_id"),),
        references={"claim_id": "claims", "study_id": "studies"},
    ),
    TableSpec("verdicts", _table(Verdict), VerdictRow, references={"claim_id": "claims"}),
    TableSpec(
        "review_reasons",
        _table(ReviewReason),
        ReviewReasonRow,
        references={"claim_id": "claims", "study_id": "studies"},
    ),
    TableSpec("sources", _table(Source), SourceRow, unique=(("url",),)),
    TableSpec(
        "source_appearances",
        _table(SourceAppearance),
        SourceAppearanceRow,
        unique=(("source_id", "claim_id"),),
        references={"source_id": "sources", "claim_id": "claims"},
    ),
    TableSpec(
        "source_citations",
        _table(SourceCitation),
        SourceCitationRow,
        unique=(("source_id", "study_id"),),
        references={"source_id": "sources", "study_id": "studies"},
    ),
    TableSpec("api_keys", _table(ApiKey), ApiKeyRow),
    TableSpec("audit_log", _table(AuditEntry), AuditRow, references={"api_key_id": "api_keys"}),
)
# Tables left out of the document, and why.
UNEXPORTED_TABLES: dict[str, str] = {
    "content_generation": "a counter for response caches, bumped by triggers on every write",
    "changes": "the change feed; a restored database starts a feed of its own",
    "change_counter": "the change feed's numbering",
    "webhooks": "subscriptions hold signing secrets; make them again on the new server",
    "webhook_deliveries": "the delivery log of the subscriptions",
    "webhook_attempts": "the delivery log of the subscriptions",
    "webhook_cursor": "where webhook fan-out stands in the change feed",
    "claim_embeddings": "vectors derived from claim texts; `citedb reindex` makes them again",
}
# Columns stored but not exported: derived from exported ones, or secret.
DERIVED_COLUMNS: dict[str, frozenset[str]] = {
    "claims": frozenset({"aliases_text"}),
    "studies": frozenset({"title_key"}),
    "api_keys": frozenset({"prefix", "secret_hash"}),
}


class DatabaseNotEmpty(Conflict):
    """The target of a restore already holds content."""


class InvalidDocument(InvalidInput):
    """The document is not a restorable citedb export."""

    code = "invalid-document"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.extra["errors"] = errors


def _issue(loc: Sequence[str | int], msg: str, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": ["body", *loc], "msg": msg, "type": kind}


# Export.


def format_timestamp(value: datetime) -> str:
    """Return ``value`` as RFC 3339 in UTC with microseconds: ``2026-11-25T08:20:26.405594Z``."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _without_key_prefix(snapshot: Any) -> Any:
    """Return an API key's audit snapshot without its prefix: the first characters of the secret."""
    if isinstance(snapshot, dict):
        return {name: value for name, value in snapshot.items() if name != "prefix"}
    return snapshot


def _encoder(spec: TableSpec) -> Callable[[sa.Row[Any]], bytes]:
    """Return the function that writes one row of ``spec`` as one line of JSON."""
    columns = spec.columns
    json_columns = {name for name in columns if isinstance(spec.table.c[name].type, sa.JSON)}
    entity = columns.index("entity") if spec.name == "audit_log" else None

    def encode(row: sa.Row[Any]) -> bytes:
        values: dict[str, Any] = {}
        for name, value in zip(columns, row, strict=True):
            if name in json_columns:
                if entity is not None and row[entity] == "api_key":
                    value = _without_key_prefix(value)
                # JSONB reorders keys; sorted keys make SQLite and PostgreSQL write the same.
                values[name] = orjson.Fragment(orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
            else:
                values[name] = _encode(value)
        return orjson.dumps(values)

    return encode


def bytewise(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """Return ``column`` compared byte by byte, as SQLite does: PostgreSQL collations do not."""
    if dialect == "postgresql" and isinstance(column.type, sa.String):
        return column.collate("C")
    return column


async def _begin_snapshot(session: AsyncSession) -> str:
    """Begin a read-only snapshot, so the document is one consistent state; return the dialect.

    SQLite (WAL) reads from one snapshot for the whole transaction anyway.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    return dialect


async def _batches(
    session: AsyncSession, spec: TableSpec, *, dialect: str, batch_size: int
) -> AsyncIterator[Sequence[sa.Row[Any]]]:
    """Yield the rows of a table in primary-key order, ``batch_size`` at a time (keyset)."""
    key = [bytewise(spec.table.c[name], dialect) for name in spec.key]
    key_positions = [spec.columns.index(name) for name in spec.key]
    statement = (
        sa.select(*(spec.table.c[name] for name in spec.columns)).order_by(*key).limit(batch_size)
    )
    last: list[Any] | None = None
    while True:
        query = statement
        if last is not None:
            if len(key) == 1:
                query = statement.where(key[0] > last[0])
            else:
                query = statement.where(sa.tuple_(*key) > sa.tuple_(*last))
        rows = (await session.execute(query)).all()
        if rows:
            yield rows
        if len(rows) < batch_size:
            return
        last = [rows[-1][position] for position in key_positions]


async def _document_chunks(
    sessions: async_sessionmaker[AsyncSession], *, batch_size: int
) -> AsyncGenerator[bytes]:
    async with sessions() as session:
        dialect = await _begin_snapshot(session)
        revision = await schema_revision(session)
        head = head_revision()
        if revision != head:
            raise ServiceUnavailable(
                f"The database schema is at {revision}, not at {head}: run `citedb migrate`."
            )
        # No ``exported_at``: two exports of the same rows must be the same bytes.
        header = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": revision}
        yield orjson.dumps(header)[:-1]
        for spec in TABLES:
            yield b",\n" + orjson.dumps(spec.name) + b":["
            encode = _encoder(spec)
            separator = b"\n"
            async for rows in _batches(session, spec, dialect=dialect, batch_size=batch_size):
                yield separator + b",\n".join(encode(row) for row in rows)
                separator = b",\n"
            yield b"]" if separator == b"\n" else b"\n]"
        yield b"}\n"


async def _chain(first: bytes, rest: AsyncGenerator[bytes]) -> AsyncIterator[bytes]:
    try:
        yield first
        async for chunk in rest:
            yield chunk
    finally:
        # A client gone mid-download closes this iterator: end the snapshot now, not at GC.
        await rest.aclose()


async def start_export(
    sessions: async_sessionmaker[AsyncSession], *, batch_size: int = EXPORT_BATCH_SIZE
) -> AsyncIterator[bytes]:
    """Open a snapshot and return the document as an iterator of byte chunks.

    The first chunk is read before returning, so that an unreachable database or a schema
    not at head raises here (an error response) rather than cutting a started document short.
    """
    chunks = _document_chunks(sessions, batch_size=batch_size)
    first = await anext(chunks)
    return _chain(first, chunks)


async def export_bytes(
    sessions: async_sessionmaker[AsyncSession], *, batch_size: int = EXPORT_BATCH_SIZE
) -> bytes:
    """Return the whole document at once (for tests and small databases)."""
    return b"".join([chunk async for chunk in await start_export(sessions, batch_size=batch_size)])


# Restore.


def parse_document(raw: bytes) -> ExportDocument:
    """Parse and validate an export document; 422 listing the first problems otherwise."""
    try:
        document = ExportDocument.model_validate_json(raw)
    except ValidationError as exc:
        errors = [
            _issue(tuple(error["loc"]), error["msg"], error["type"])
            for error in exc.errors(include_url=False)[:MAX_REPORTED_ERRORS]
        ]
        raise InvalidDocument(
            f"The document is not a valid citedb export: {exc.error_count()} problem(s)"
            + (f", the first {len(errors)} listed." if exc.error_count() > len(errors) else "."),
            errors=errors,
        ) from None
    _check_rows(document)
    return document


def _rows(document: ExportDocument, spec: TableSpec) -> list[Any]:
    rows: list[Any] = getattr(document, spec.name)
    return rows


def _check_rows(document: ExportDocument) -> None:
    """Check what a row model alone cannot: order, uniqueness and references between rows."""
    head = head_revision()
    if document.schema_revision != head:
        raise InvalidDocument(
            f"The document is of schema {document.schema_revision}; this server restores "
            f"schema {head} only.",
            errors=[_issue(["schema_revision"], f"expected {head}")],
        )
    errors: list[dict[str, Any]] = []
    ids: dict[str, set[int]] = {}
    for spec in TABLES:
        rows = _rows(document, spec)
        previous: tuple[Any, ...] | None = None
        seen: dict[tuple[str, ...], set[tuple[Any, ...]]] = defaultdict(set)
        for index, row in enumerate(rows):
            key = tuple(getattr(row, name) for name in spec.key)
            if previous is not None and not previous < key:
                errors.append(
                    _issue(
                        [spec.name, index, spec.key[0]],
                        f"rows must be in ascending order of {', '.join(spec.key)}, "
                        "without repeats",
                    )
                )
            previous = key
            for columns in spec.unique:
                values = tuple(getattr(row, name) for name in columns)
                if None in values:
                    continue
                if values in seen[columns]:
                    errors.append(
                        _issue(
                            [spec.name, index, columns[-1]],
                            f"another row has the same {', '.join(columns)}",
                        )
                    )
                seen[columns].add(values)
            for column, target in spec.references.items():
                value = getattr(row, column)
                if value is not None and value not in ids[target]:
                    errors.append(_issue([spec.name, index, column], f"no row {value} in {target}"))
        if spec.key == ("id",):
            ids[spec.name] = {row.id for row in rows}
    if errors:
        raise InvalidDocument(
            f"The document's rows do not fit together: {len(errors)} problem(s).",
            errors=errors[:MAX_REPORTED_ERRORS],
        )


async def _lock_tables(session: AsyncSession) -> None:
    """Keep other writers out until the restore commits, so the emptiness check holds.

    SQLite needs nothing: a write transaction begins IMMEDIATE and holds the database's lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(spec.name for spec in TABLES)
        await session.execute(sa.text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))


async def _ensure_empty(session: AsyncSession) -> None:
    """Raise 409 unless the database holds no content and no history but its API keys'."""
    for spec in TABLES:
        if spec.name == "api_keys":
            continue
        query = sa.select(sa.literal(1)).select_from(spec.table).limit(1)
        if spec.name == "audit_log":
            query = query.where(AuditEntry.entity != "api_key")
        if (await session.execute(query)).first() is not None:
            what = "history" if spec.name == "audit_log" else "content"
            raise DatabaseNotEmpty(
                f"The database is not empty: it holds {what} in {spec.name}. Restore into a "
                "new database (`citedb migrate` on an empty one)."
            )


def _insert_values(spec: TableSpec, rows: list[BaseModel], document: ExportDocument) -> list[Any]:
    """Return the rows to insert, with the columns the document leaves out filled in."""
    values = [row.model_dump() for row in rows]
    if spec.name == "claims":
        aliases: dict[int, list[ClaimAliasRow]] = defaultdict(list)
        for alias in document.claim_aliases:
            aliases[alias.claim_id].append(alias)
        for value in values:
            # As app.claims.service keeps it: the aliases in order, joined by newlines.
            ordered = sorted(aliases[value["id"]], key=lambda alias: alias.position)
            value["aliases_text"] = "\n".join(alias.alias for alias in ordered)
    elif spec.name == "studies":
        for value in values:
            value["title_key"] = normalize_title(value["title"])
    elif spec.name == "api_keys":
        for value in values:
            value["prefix"] = RESTORED_PREFIX
            value["secret_hash"] = RESTORED_HASH_MARK + secrets.token_hex(27)
    return values


def _reason(exc: IntegrityError | DataError) -> str:
    # The driver's message without its class name: "UNIQUE constraint failed: ...".
    message = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    return message.split(">: ", 1)[-1]


async def _reset_sequences(session: AsyncSession, document: ExportDocument) -> None:
    """Let new rows get ids above the restored ones.

    SQLite's AUTOINCREMENT already remembers the largest id inserted; PostgreSQL's sequences
    do not see explicit ids and are set here.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for spec in TABLES:
        rows = _rows(document, spec)
        if spec.key != ("id",) or not rows:
            continue
        largest = max(row.id for row in rows)
        sequence = sa.func.pg_get_serial_sequence(spec.name, "id")
        await session.execute(sa.select(sa.func.setval(sequence, largest)))


async def restore(
    session: AsyncSession, *, document: ExportDocument, actor: Actor | None
) -> RestoreReport:
    """Restore ``document`` into an empty database with its ids, versions and timestamps.

    Everything is written in the caller's transaction: the session dependency (or the CLI)
    commits it whole or rolls it back whole.
    """
    await _lock_tables(session)
    await _ensure_empty(session)
    # The target's keys and their audit rows give way to the document's.
    await session.execute(sa.delete(_table(AuditEntry)))
    await session.execute(sa.delete(_table(ApiKey)))
    counts: dict[str, int] = {}
    for spec in TABLES:
        rows = _rows(document, spec)
        counts[spec.name] = len(rows)
        for start in range(0, len(rows), INSERT_BATCH_SIZE):
            batch = _insert_values(spec, rows[start : start + INSERT_BATCH_SIZE], document)
            try:
                await session.execute(sa.insert(spec.table), batch)
            except (IntegrityError, DataError) as exc:
                raise InvalidDocument(
                    f"The database refused the {spec.name} rows: {_reason(exc)}",
                    errors=[_issue([spec.name], _reason(exc))],
                ) from None
    await _reset_sequences(session, document)
    logger.info(
        "restore of %d rows (schema %s) by %s",
        sum(counts.values()),
        document.schema_revision,
        actor.name if actor is not None else "the command line",
    )
    return RestoreReport(schema_revision=document.schema_revision, rows=counts)
