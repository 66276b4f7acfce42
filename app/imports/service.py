"""Import parsed bibliographic records as studies: match duplicates, create the rest, audit.

Matching, for each record in input order (the first key that hits wins):

1. DOI, 2. PMID: equal to a stored study's, or to a record earlier in the same upload;
3. normalised title (``studies.title_key``) + year (both missing counts as equal), unless the
   two carry different DOIs or different PMIDs: "Vulvodynia" (2020) is the title of two
   PubMed articles, and an identifier that differs says they are different works.

A record that matches is ``existing``, with the study it matched; a record that repeats an
earlier record of the same upload has ``duplicate_of`` = that record's position, so one work
counts once. In a dry run nothing is written: a record that would be created has no
``study_id``, and a later record repeating it is ``existing`` with ``duplicate_of`` and no
``study_id`` either.

A record whose PMCID belongs to a study it does not match is an error (PMCIDs are unique, and
PMCID is not a matching key), as is a record whose fields break the limits of ``POST
/v1/studies`` (a 65-character volume, say). Each batch is looked up with one query, whatever
its size, and written with one flush.
"""

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import anyio
from pydantic import ValidationError
from sqlalchemy import Integer, String, column, or_, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.auth.actor import Actor
from app.bibliography import (
    ImportFormat,
    ParsedRecord,
    ParsedStudy,
    RecordError,
    Result,
    UnparseableBody,
    normalize_title,
    parse,
)
from app.db import Database
from app.errors import InvalidInput
from app.imports.schemas import ImportReport, ImportResult, ImportStatus, MatchedBy
from app.inputs import unstorable_text
from app.models import Study
from app.studies import service as study_service
from app.studies.schemas import StudyCreate

# Records looked up and written together; also the CLI's records per transaction.
BATCH_SIZE = 500
# SQLite's record of the last id of each AUTOINCREMENT table.
SqliteSequence = table("sqlite_sequence", column("name", String), column("seq", Integer))


class UnreadableBody(InvalidInput):
    """The body is not a bibliographic file in the declared format."""


async def parse_body(body: str, *, fmt: ImportFormat, max_records: int) -> list[Result]:
    """Parse an upload (in a worker thread: BibTeX is slow); 422 when it is not readable."""
    try:
        return await anyio.to_thread.run_sync(partial(parse, body, fmt, max_records=max_records))
    except UnparseableBody as exc:
        raise UnreadableBody(
            f"The body cannot be read as {fmt.value}: {exc.reason}.", loc=["body"]
        ) from exc


@dataclass(slots=True)
class _Target:
    """A study that records resolve to: stored, created by this upload, or (dry run) not yet."""

    study_id: int | None
    doi: str | None
    pmid: str | None
    position: int | None = None  # the upload's first record that created or matched it


@dataclass(slots=True)
class _Keys:
    """Targets by each matching key, and by PMCID to keep PMCIDs unique."""

    by_doi: dict[str, _Target] = field(default_factory=dict)
    by_pmid: dict[str, _Target] = field(default_factory=dict)
    by_pmcid: dict[str, _Target] = field(default_factory=dict)
    by_title: dict[tuple[str, int | None], list[_Target]] = field(default_factory=dict)

    def add(self, target: _Target, study: ParsedStudy | Study, title_key: str) -> None:
        """Index ``target`` under the keys of ``study`` (earlier entries are kept)."""
        if study.doi:
            self.by_doi.setdefault(study.doi, target)
        if study.pmid:
            self.by_pmid.setdefault(study.pmid, target)
        if study.pmcid:
            self.by_pmcid.setdefault(study.pmcid, target)
        if title_key:
            self.by_title.setdefault((title_key, study.year), []).append(target)


@dataclass(slots=True)
class UploadIndex:
    """What one upload has created or matched so far, carried from batch to batch."""

    keys: _Keys = field(default_factory=_Keys)
    matched: dict[int, _Target] = field(default_factory=dict)  # stored study id -> first match


def _where(position: int, key: str | None) -> str:
    """Name a record as the parser's reasons do."""
    return f"record {position}" + (f" (key {key!r})" if key else "")


def _record_problems(record: ParsedRecord, problems: Iterable[tuple[Sequence[Any], str]]) -> str:
    """Name a record and each ``(loc, msg)`` problem of its fields."""
    listed = "; ".join(f"{'.'.join(str(part) for part in loc)}: {msg}" for loc, msg in problems)
    return f"{_where(record.position, record.key)}: {listed}"


def _to_create(record: ParsedRecord) -> StudyCreate | str:
    """Return the record as a study to create, or the reason it breaks the study limits."""
    study = record.study
    fields = {
        "title": study.title,
        "authors": [asdict(author) for author in study.authors],
        "year": study.year,
        "journal": study.journal,
        "volume": study.volume,
        "issue": study.issue,
        "pages": study.pages,
        "doi": study.doi,
        "pmid": study.pmid,
        "pmcid": study.pmcid,
        "url": study.url,
        "abstract": study.abstract,
        "publication_type": study.publication_type,
        "design": study.design,
    }
    # Before any lookup: PostgreSQL cannot even compare a NUL.
    unstorable = list(unstorable_text(fields))
    if unstorable:
        return _record_problems(record, unstorable)
    try:
        return StudyCreate.model_validate(fields)
    except ValidationError as exc:
        return _record_problems(record, ((error["loc"], error["msg"]) for error in exc.errors()))


def _compatible(study: ParsedStudy, target: _Target) -> bool:
    """Tell whether no identifier says that the record and the target are different works."""
    if study.doi and target.doi and study.doi != target.doi:
        return False
    return not (study.pmid and target.pmid and study.pmid != target.pmid)


def _match(
    study: ParsedStudy, title_key: str, indexes: Sequence[_Keys]
) -> tuple[_Target, MatchedBy] | None:
    """Return the target a record duplicates and the key that says so, or None."""
    for value, kind in ((study.doi, MatchedBy.doi), (study.pmid, MatchedBy.pmid)):
        if value:
            for index in indexes:
                by_key = index.by_doi if kind is MatchedBy.doi else index.by_pmid
                if value in by_key:
                    return by_key[value], kind
    if title_key:
        for index in indexes:
            for target in index.by_title.get((title_key, study.year), []):
                if _compatible(study, target):
                    return target, MatchedBy.title_year
    return None


async def _stored(session: AsyncSession, records: Sequence[tuple[ParsedRecord, str]]) -> _Keys:
    """Return the stored studies that share a key with any of the records, in one query."""
    dois = {r.study.doi for r, _ in records if r.study.doi}
    pmids = {r.study.pmid for r, _ in records if r.study.pmid}
    pmcids = {r.study.pmcid for r, _ in records if r.study.pmcid}
    title_keys = {title_key for _, title_key in records if title_key}
    conditions = [
        column.in_(values)
        for column, values in (
            (Study.doi, dois),
            (Study.pmid, pmids),
            (Study.pmcid, pmcids),
            (Study.title_key, title_keys),
        )
        if values
    ]
    keys = _Keys()
    if not conditions:
        return keys
    statement = select(Study).where(or_(*conditions)).order_by(Study.id)
    for study in (await session.execute(statement)).scalars():
        keys.add(_Target(study.id, study.doi, study.pmid), study, study.title_key)
    return keys


@dataclass(slots=True)
class _Outcome:
    """What became of one record, before the new studies have ids."""

    position: int
    key: str | None
    status: ImportStatus
    title: str | None = None
    target: _Target | None = None
    matched_by: MatchedBy | None = None
    duplicate_of: int | None = None
    reason: str | None = None

    def result(self) -> ImportResult:
        """Return the record's line of the report."""
        study_id = None if self.target is None else self.target.study_id
        return ImportResult(
            position=self.position,
            key=self.key,
            status=self.status,
            title=self.title,
            study_id=study_id,
            url=None if study_id is None else study_service.study_url(study_id),
            matched_by=self.matched_by,
            duplicate_of=self.duplicate_of,
            reason=self.reason,
        )


async def import_batch(
    session: AsyncSession,
    *,
    results: Sequence[Result],
    upload: UploadIndex,
    dry_run: bool,
    actor: Actor,
) -> list[ImportResult]:
    """Match a batch of parsed records and create the new ones (flushed, not committed)."""
    outcomes: list[_Outcome] = []
    valid: list[tuple[ParsedRecord, str, StudyCreate]] = []
    for result in results:
        if isinstance(result, RecordError):
            outcomes.append(
                _Outcome(result.position, result.key, ImportStatus.error, reason=result.reason)
            )
            continue
        data = _to_create(result)
        if isinstance(data, str):
            outcomes.append(_Outcome(result.position, result.key, ImportStatus.error, reason=data))
        else:
            valid.append((result, normalize_title(data.title), data))
            outcomes.append(_Outcome(result.position, result.key, ImportStatus.created))
    stored = await _stored(session, [(record, title_key) for record, title_key, _ in valid])
    indexes = (upload.keys, stored)
    by_position = {outcome.position: outcome for outcome in outcomes}
    created: list[tuple[Study, _Target]] = []
    for record, title_key, data in valid:
        outcome = by_position[record.position]
        outcome.title = record.study.title
        match = _match(record.study, title_key, indexes)
        if match is not None:
            target, outcome.matched_by = match
            if target.position is None and target.study_id is not None:
                # A stored study: the first record of the upload that matches it is the one
                # later repeats point to, whichever of its keys they match by.
                target = upload.matched.setdefault(
                    target.study_id,
                    _Target(target.study_id, target.doi, target.pmid, record.position),
                )
            outcome.status, outcome.target = ImportStatus.existing, target
            if target.position != record.position:
                outcome.duplicate_of = target.position
            upload.keys.add(target, record.study, title_key)
            continue
        pmcid = record.study.pmcid
        pmcid_owner = next(
            (index.by_pmcid[pmcid] for index in indexes if pmcid and pmcid in index.by_pmcid),
            None,
        )
        if pmcid_owner is not None:
            outcome.status = ImportStatus.error
            outcome.reason = _pmcid_reason(record, pmcid_owner)
            continue
        target = _Target(None, record.study.doi, record.study.pmid, record.position)
        outcome.target = target
        upload.keys.add(target, record.study, title_key)
        if not dry_run:
            created.append((study_service.new_study(data), target))
    if created:
        await study_service.assign_bibtex_keys(session, [study for study, _ in created])
        await _number(session, [study for study, _ in created])
        session.add_all(study for study, _ in created)
        await session.flush()
        for study, target in created:
            target.study_id = study.id
            await study_service.record_created(session, study=study, actor=actor)
    return [outcome.result() for outcome in outcomes]


async def _number(session: AsyncSession, studies: Sequence[Study]) -> None:
    """Give new studies and their authors their ids before the insert, on SQLite.

    SQLite cannot return the ids of a multi-row insert in order, so SQLAlchemy inserts rows
    that lack an id one statement at a time (about 3.5 statements a record here). Both tables
    are AUTOINCREMENT and the transaction holds SQLite's write lock (``BEGIN IMMEDIATE``), so
    the next ids are ``sqlite_sequence`` + 1, 2, ...; with them the rows go in one
    ``executemany`` a table. PostgreSQL inserts many rows with ``RETURNING`` in one
    statement, and takes its ids from the sequences as usual.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    statement = select(SqliteSequence.c.name, SqliteSequence.c.seq).where(
        SqliteSequence.c.name.in_(("studies", "study_authors"))
    )
    last: dict[str, int] = dict((await session.execute(statement)).all())
    study_id, author_id = last.get("studies", 0), last.get("study_authors", 0)
    for study in studies:
        study_id += 1
        study.id = study_id
        for author in study.authors:
            author_id += 1
            author.id = author_id


def _pmcid_reason(record: ParsedRecord, owner: _Target) -> str:
    """Explain that a record's PMCID belongs to a study the record does not match."""
    if owner.study_id is not None:
        holder = f"study {study_service.study_url(owner.study_id)}"
    else:
        holder = f"record {owner.position} of this upload"
    return (
        f"{_where(record.position, record.key)}: PMCID {record.study.pmcid} already belongs to "
        f"{holder}, whose DOI, PMID or title differ: correct the record or that study"
    )


def batches(results: Sequence[Result], size: int = BATCH_SIZE) -> Iterator[Sequence[Result]]:
    """Yield the parsed records in consecutive batches of ``size``."""
    for start in range(0, len(results), size):
        yield results[start : start + size]


def report(fmt: ImportFormat, *, dry_run: bool, records: Iterable[ImportResult]) -> ImportReport:
    """Return the report of an import with its counts."""
    listed = list(records)
    counts = dict.fromkeys(ImportStatus, 0)
    for record in listed:
        counts[record.status] += 1
    return ImportReport(
        format=fmt,
        dry_run=dry_run,
        created=counts[ImportStatus.created],
        existing=counts[ImportStatus.existing],
        errors=counts[ImportStatus.error],
        records=listed,
    )


async def record_import(
    session: AsyncSession, *, actor: Actor, summary: ImportReport, source: str | None = None
) -> None:
    """Add the audit row of one import (who and when are the row's; what it did is ``after``)."""
    after: dict[str, object] = {
        "format": summary.format.value,
        "created": summary.created,
        "existing": summary.existing,
        "errors": summary.errors,
        "dry_run": False,
    }
    if source is not None:
        after["source"] = source
    await audit_service.record(
        session,
        actor=actor,
        action="import",
        entity="study_import",
        entity_id=None,
        before=None,
        after=after,
    )


async def commit_batch(
    database: Database,
    *,
    batch: Sequence[Result],
    upload: UploadIndex,
    actor: Actor,
    fmt: ImportFormat,
    source: str | None = None,
) -> list[ImportResult]:
    """Import one batch in its own write transaction, audited as an ``import`` row if it creates.

    The row names the batch's record range (after ``source``, the file, if given), since a row
    for a whole upload would be lost with a batch that fails.
    """
    async with database.write_transaction() as session:
        records = await import_batch(
            session, results=batch, upload=upload, dry_run=False, actor=actor
        )
        summary = report(fmt, dry_run=False, records=records)
        if summary.created:
            span = f"records {records[0].position}-{records[-1].position}"
            await record_import(
                session,
                actor=actor,
                summary=summary,
                source=f"{source} {span}" if source else span,
            )
    return records


async def check_batch(
    database: Database, *, batch: Sequence[Result], upload: UploadIndex, actor: Actor
) -> list[ImportResult]:
    """Match one batch without writing anything."""
    async with database.read_sessions() as session:
        return await import_batch(session, results=batch, upload=upload, dry_run=True, actor=actor)


async def import_body(
    database: Database,
    *,
    body: str,
    fmt: ImportFormat,
    dry_run: bool,
    max_records: int,
    batch_records: int,
    actor: Actor,
) -> ImportReport:
    """Import every record of an upload, ``batch_records`` to a transaction, or only report.

    Each batch commits on its own and the write turn is given up between batches, so other
    writers wait for one batch, not for the whole upload. An upload that fails part way keeps
    the batches committed before; sent again, those records match as ``existing``. Each batch
    that creates studies is audited as one ``import`` row of entity ``study_import`` plus a
    ``create`` row per new study; an import that creates nothing writes nothing.
    """
    results = await parse_body(body, fmt=fmt, max_records=max_records)
    upload = UploadIndex()
    records: list[ImportResult] = []
    for batch in batches(results, batch_records):
        if dry_run:
            records += await check_batch(database, batch=batch, upload=upload, actor=actor)
        else:
            records += await commit_batch(
                database, batch=batch, upload=upload, actor=actor, fmt=fmt
            )
            await asyncio.sleep(0)  # let the writers queued behind this batch start
    return report(fmt, dry_run=dry_run, records=records)
