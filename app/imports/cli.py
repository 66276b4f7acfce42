"""``citedb import FILE``: the import from the shell, committed batch by batch.

Each batch of records is one transaction, so a process killed mid-import loses at most the
batch in flight; a line ``committed N/TOTAL`` on stdout follows each commit. Running the same
file again resumes: what was committed matches as ``existing`` and only the rest is created.
Each committed batch that creates studies is audited as its own ``import`` row (entity
``study_import``, with the file and the record range), since a row for the whole file would be
lost with the batch in flight.
"""

import getpass
import time
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from app.auth.actor import Actor
from app.bibliography import ImportFormat, detect_format
from app.config import Settings
from app.db import Database
from app.errors import InvalidInput
from app.imports import service
from app.imports.schemas import ImportReport, ImportResult
from app.vocabularies import Role

# File name endings that name a format; anything else needs --format (.txt is RIS or MEDLINE).
SUFFIX_FORMATS = {
    ".bib": ImportFormat.bibtex,
    ".bibtex": ImportFormat.bibtex,
    ".ris": ImportFormat.ris,
    ".json": ImportFormat.csl_json,
    ".nbib": ImportFormat.medline,
    ".medline": ImportFormat.medline,
}
ERRORS_SHOWN = 50


class ImportFailed(Exception):
    """The file cannot be imported at all; the message says why."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """The report of a command-line import, and how long it took."""

    report: ImportReport
    seconds: float


def file_format(path: Path, fmt: ImportFormat | None) -> ImportFormat:
    """Return the format given, else the one the file name's ending names."""
    if fmt is not None:
        return fmt
    suffix = path.suffix.lower()
    if suffix in SUFFIX_FORMATS:
        return SUFFIX_FORMATS[suffix]
    try:
        return detect_format(None, suffix.lstrip("."))
    except ValueError:
        raise ImportFailed(
            f"{path.name}: the file name does not say the format; give --format "
            "(bibtex, ris, csl-json or medline)"
        ) from None


def read_text(path: Path) -> str:
    """Return the file's text; it must be UTF-8."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ImportFailed(f"{path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"{path.name} is not UTF-8 (invalid byte at offset {exc.start}): export it as UTF-8"
        ) from exc


def cli_actor() -> Actor:
    """Return who runs the command, for the audit log (the shell user, with admin rights)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(key_id=None, name=f"cli:{user}", role=Role.admin)


async def import_file(
    database: Database,
    *,
    path: Path,
    fmt: ImportFormat,
    dry_run: bool,
    batch_size: int,
    settings: Settings,
    console: Console,
) -> Outcome:
    """Import a file, committing each batch (or, in a dry run, only checking it)."""
    started = time.perf_counter()
    body = read_text(path)
    with console.status(f"reading {path.name} as {fmt.value}…"):
        try:
            results = await service.parse_body(
                body, fmt=fmt, max_records=settings.import_max_records
            )
        except InvalidInput as exc:
            raise ImportFailed(f"{path.name}: {exc.detail}") from exc
    actor = cli_actor()
    upload = service.UploadIndex()
    records: list[ImportResult] = []
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("records"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    with progress:
        task = progress.add_task("checking" if dry_run else "importing", total=len(results))
        for batch in service.batches(results, batch_size):
            if dry_run:
                records += await service.check_batch(
                    database, batch=batch, upload=upload, actor=actor
                )
            else:
                records += await service.commit_batch(
                    database, batch=batch, upload=upload, actor=actor, fmt=fmt, source=path.name
                )
                # Printed only once the batch is committed: a killed import has stored every
                # record up to the last such line.
                typer.echo(f"committed {len(records)}/{len(results)}")
            progress.update(task, completed=len(records))
    summary = service.report(fmt, dry_run=dry_run, records=records)
    return Outcome(summary, time.perf_counter() - started)


def print_summary(outcome: Outcome, *, console: Console) -> None:
    """Print the record errors (to stderr) and the counts (to stdout)."""
    report = outcome.report
    errors = [record for record in report.records if record.reason]
    for record in errors[:ERRORS_SHOWN]:
        console.print(f"[red]error[/red] {record.reason}", highlight=False, soft_wrap=True)
    if len(errors) > ERRORS_SHOWN:
        console.print(f"… and {len(errors) - ERRORS_SHOWN} more errors")
    total = len(report.records)
    rate = total / outcome.seconds if outcome.seconds else 0.0
    verb = "would create" if report.dry_run else "created"
    typer.echo(
        f"{verb} {report.created}, existing {report.existing}, errors {report.errors} "
        f"of {total} {report.format.value} records in {outcome.seconds:.1f} s "
        f"({rate:.0f} records/s)" + (" (dry run: nothing written)" if report.dry_run else "")
    )
