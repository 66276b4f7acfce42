"""The ``citedb`` command line: migrate, seed, serve, create-key, import, export, reindex.

Each command imports what it needs when it runs. The module itself stays light because every
process ``citedb serve --workers N`` spawns imports it again (multiprocessing runs the parent's
main module first), and uvicorn replaces a worker that has not answered its health check in
time: imports the database layer, Alembic or the web app here would all count against it.
"""

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from app.bibliography.records import ImportFormat
from app.config import get_settings
from app.vocabularies import Role

if TYPE_CHECKING:
    from app.db import Database

T = TypeVar("T")
# Claims embedded and committed together by `citedb reindex` (and after `migrate`, `import-db`).
DEFAULT_REINDEX_BATCH = 256

cli = typer.Typer(
    name="citedb",
    help="citedb: evidence behind health and fitness claims.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def run_with_database(work: "Callable[[Database], Awaitable[T]]") -> T:
    """Run ``work`` with the configured database, then close it."""
    from app.db import Database

    async def runner() -> T:
        database = Database.from_settings(get_settings())
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(runner())


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    reindex_claims: Annotated[
        bool,
        typer.Option(
            "--reindex/--no-reindex",
            help="At head, embed the claims whose vectors are missing or stale (as `reindex`).",
        ),
    ] = True,
) -> None:
    """Migrate the database schema to the newest revision (or the one given).

    At head, the claims' vectors are then brought up to date, so that a database upgraded from
    an earlier release is searched by meaning at once; with every vector current this only
    reads the claims.
    """
    from alembic import command

    from app.meta.service import alembic_config

    config = alembic_config(get_settings().database_url)
    config.attributes["configure_logging"] = False
    command.upgrade(config, revision)
    console.print(f"[green]schema at {revision}[/green]")
    if revision == "head" and reindex_claims:
        run_reindex(batch_size=DEFAULT_REINDEX_BATCH)


@cli.command()
def seed() -> None:
    """Load the seed content (the glute-amnesia article) through the services; idempotent."""
    from seed.loader import load_seed

    report = run_with_database(lambda database: load_seed(database, console=console))
    console.print(report)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address (default CITEDB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default CITEDB_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes (CITEDB_WORKERS).")] = None,
) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    from app.http_server import BoundedHttpToolsProtocol

    settings = get_settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        timeout_worker_healthcheck=settings.worker_healthcheck_seconds,
        log_level=settings.log_level,
        proxy_headers=True,
        access_log=False,
        http=BoundedHttpToolsProtocol,
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )


@cli.command("create-key")
def create_key(
    role: Annotated[Role, typer.Option(help="editor or admin.")],
    name: Annotated[str, typer.Option(help="Who will use the key.")],
) -> None:
    """Create an API key and print its secret once (only a hash is stored)."""
    from app.auth import service as key_service
    from app.auth.schemas import ApiKeyCreate

    async def work(database: "Database") -> str:
        async with database.write_sessions() as session, session.begin():
            created = await key_service.create(
                session, data=ApiKeyCreate(name=name, role=role), actor=None
            )
            return created.secret

    secret = run_with_database(work)
    console.print(f"created {role.value} key '{name}'. Store it now; it is not shown again:")
    typer.echo(secret)


@cli.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A BibTeX, RIS, CSL-JSON or MEDLINE file.")],
    fmt: Annotated[
        ImportFormat | None,
        typer.Option("--format", help="The file's format (default: by its ending)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Report what would happen; write nothing.")] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="Records per transaction.")] = 500,
) -> None:
    """Import studies from a bibliographic file, committing in batches; rerun to resume."""
    from app.imports import cli as import_cli

    try:
        chosen = import_cli.file_format(file, fmt)
        outcome = run_with_database(
            lambda database: import_cli.import_file(
                database,
                path=file,
                fmt=chosen,
                dry_run=dry_run,
                batch_size=batch_size,
                settings=get_settings(),
                console=console,
            )
        )
    except import_cli.ImportFailed as exc:
        console.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    import_cli.print_summary(outcome, console=console)


@cli.command("export")
def export(
    file: Annotated[
        Path | None, typer.Argument(help="The file to write (standard output if omitted).")
    ] = None,
) -> None:
    """Write the whole database as one JSON document, as `GET /v1/export` does."""
    from app.admin.cli import export_command

    export_command(file, run=run_with_database, console=console)


@cli.command("import-db")
def import_db(
    file: Annotated[Path, typer.Argument(help="An export document (`-`: standard input).")],
) -> None:
    """Restore an export into the empty database, all or nothing; no size limit."""
    from app.admin.cli import import_command

    import_command(file, run=run_with_database, console=console)
    run_reindex(batch_size=DEFAULT_REINDEX_BATCH)  # an export carries no vectors


@cli.command()
def reindex(
    batch_size: Annotated[
        int, typer.Option(min=1, max=5000, help="Claims per transaction.")
    ] = DEFAULT_REINDEX_BATCH,
) -> None:
    """Embed the claims whose vectors are missing or stale (text or model changed); resumable."""
    run_reindex(batch_size=batch_size)


def run_reindex(*, batch_size: int) -> None:
    """Bring every claim's vectors up to date, with a progress bar; report the rate."""
    import os
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from app.semantic import service as semantic_service
    from app.semantic.embedder import RememberingEmbedder

    model = RememberingEmbedder(semantic_service.embedder())

    async def work(database: "Database") -> tuple[int, int]:
        async with database.write_sessions() as session:
            total = await semantic_service.count_claims(session)
        seen = embedded = last = 0
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("embedding claims", total=total)
            while True:
                async with database.write_sessions() as session, session.begin():
                    last, count, texts = await semantic_service.reindex_batch(
                        session, after_id=last, size=batch_size, model=model
                    )
                if not count:
                    break
                seen += count
                embedded += texts
                progress.update(task, completed=min(seen, total))
        return seen, embedded

    started = time.perf_counter()
    seen, embedded = run_with_database(work)
    elapsed = max(time.perf_counter() - started, 1e-9)
    console.print(f"[green]{seen} claims checked, {embedded} texts embedded[/green]")
    if embedded:
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        console.print(
            f"{model.computed} distinct texts run through the model (the rest repeat them); "
            f"{elapsed:.1f} s: {seen / elapsed:.1f} claims/s, {embedded / elapsed:.1f} texts/s; "
            f"load average {load}",
            soft_wrap=True,
        )


@cli.command()
def worker(
    once: Annotated[
        bool, typer.Option(help="Stop when nothing is due now, instead of waiting for more.")
    ] = False,
) -> None:
    """Send webhook deliveries from the change feed and prune the feed; several may run.

    Stops cleanly on SIGTERM or Ctrl-C after the deliveries in flight.
    """
    import logging
    import signal

    from app.webhooks.worker import Worker

    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(name)s %(message)s")

    async def work(database: "Database") -> None:
        runner = Worker(database, settings)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, runner.stopping.set)
        console.print(f"worker started on {database.write_engine.url.render_as_string()}")
        await runner.run(once=once)
        console.print("worker stopped")

    run_with_database(work)


def main() -> None:
    """Run the command line."""
    cli()


if __name__ == "__main__":
    main()
