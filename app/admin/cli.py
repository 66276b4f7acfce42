"""`citedb export` and `citedb import-db`: export and restore on the command line."""

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

import typer
from rich.console import Console

from app.admin import service
from app.admin.schemas import ExportDocument, RestoreReport
from app.db import Database
from app.errors import CitedbError

T = TypeVar("T")


class Runner(Protocol):
    """Runs async work with the configured database (``app.cli.run_with_database``)."""

    def __call__(self, work: Callable[[Database], Awaitable[T]], /) -> T: ...


async def write_export(database: Database, out: BinaryIO) -> None:
    """Write the export document to ``out``, chunk by chunk."""
    async for chunk in await service.start_export(database.read_sessions):
        out.write(chunk)
    out.flush()


async def restore_database(database: Database, document: ExportDocument) -> RestoreReport:
    """Restore ``document`` in one transaction: committed whole, or rolled back whole."""
    async with database.write_sessions() as session, session.begin():
        return await service.restore(session, document=document, actor=None)


def _fail(console: Console, error: CitedbError) -> typer.Exit:
    console.print(f"[red]{error.detail}[/red]")
    for issue in error.extra.get("errors") or []:
        where = ".".join(str(part) for part in issue["loc"][1:]) or "document"
        console.print(f"  {where}: {issue['msg']}")
    return typer.Exit(1)


def export_command(file: Path | None, *, run: Runner, console: Console) -> None:
    """Write the export to ``file`` (standard output if None); never leave half a file."""
    try:
        if file is None:
            run(lambda database: write_export(database, sys.stdout.buffer))
            return
        partial = file.with_name(file.name + ".partial")
        try:
            with partial.open("wb") as out:
                run(lambda database: write_export(database, out))
            partial.replace(file)
        finally:
            partial.unlink(missing_ok=True)
    except CitedbError as error:
        raise _fail(console, error) from None
    console.print(f"exported the database to {file}")


def import_command(file: Path, *, run: Runner, console: Console) -> None:
    """Restore the export in ``file`` (``-``: standard input) into the empty database."""
    raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    try:
        document = service.parse_document(raw)
        report = run(lambda database: restore_database(database, document))
    except CitedbError as error:
        raise _fail(console, error) from None
    console.print(f"restored {sum(report.rows.values())} rows: {report.rows}")
    console.print("restored API keys have no secrets: make new ones with `citedb create-key`")
