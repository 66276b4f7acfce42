"""`citedb import` killed with SIGKILL mid-way: nothing half-written, and a rerun completes it."""

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.import_throughput import (
    synthetic_authors,
    synthetic_bibtex,
    synthetic_doi,
    synthetic_title,
)
from tests.databases import TestDatabase, fresh_database

RECORDS = 10_000
BATCH = 500
KILL_AFTER = 3  # "committed" lines read before the kill
TIMEOUT = 300  # seconds a run may take before the test gives up on it
COMMITTED = re.compile(r"^committed (\d+)/(\d+)$")


@pytest.fixture(scope="module")
def records_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write the 10,000 synthetic BibTeX records (title, authors, year and DOI: see the bench)."""
    path = tmp_path_factory.mktemp("import") / "records.bib"
    path.write_text(synthetic_bibtex(RECORDS, full=False), encoding="utf-8")
    return path


@pytest.fixture
def fresh(backend: str, tmp_path: Path) -> Iterator[TestDatabase]:
    """Create and migrate an empty database of the backend, for this test alone."""
    with fresh_database(backend, tmp_path) as database:
        database.migrate()
        yield database


def import_command(path: Path) -> list[str]:
    """Return the command line of `citedb import` for ``path``."""
    return [sys.executable, "-m", "app.cli", "import", str(path), "--batch-size", str(BATCH)]


def start_import(database: TestDatabase, path: Path, log: Path) -> "subprocess.Popen[str]":
    """Start `citedb import` on the database, its stderr (progress, errors) going to ``log``."""
    env = {**os.environ, "CITEDB_DATABASE_URL": database.url}
    with log.open("w") as stderr:
        return subprocess.Popen(  # noqa: S603 - our own command, on a file the test wrote
            import_command(path),
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )


def kill_after_commits(process: "subprocess.Popen[str]", commits: int) -> int:
    """Read stdout until ``commits`` batches are reported committed, SIGKILL, return the count."""
    watchdog = threading.Timer(TIMEOUT, process.kill)
    watchdog.start()
    reported, seen = 0, 0
    try:
        assert process.stdout is not None
        for line in process.stdout:
            match = COMMITTED.match(line.strip())
            if match is not None:
                reported, seen = int(match.group(1)), seen + 1
                if seen == commits:
                    process.send_signal(signal.SIGKILL)
                    break
        process.wait()
    finally:
        watchdog.cancel()
    assert process.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    return reported


def check_integrity(database: TestDatabase) -> None:
    """Assert that the database passes its own checks (SQLite; PostgreSQL enforces them)."""
    if database.backend == "sqlite":
        assert database.execute("PRAGMA integrity_check") == [("ok",)]
        assert database.execute("PRAGMA foreign_key_check") == []


def stored(database: TestDatabase) -> dict[int, tuple[str, str | None, int]]:
    """Return each stored study as record index -> (title, DOI, number of authors)."""
    rows = database.execute(
        "SELECT s.title, s.doi, count(a.id) FROM studies s "
        "LEFT JOIN study_authors a ON a.study_id = s.id GROUP BY s.id, s.title, s.doi"
    )
    by_index: dict[int, tuple[str, str | None, int]] = {}
    for title, doi, authors in rows:
        match = re.match(r"Synthetic trial (\d+):", title)
        assert match is not None, title
        by_index[int(match.group(1))] = (title, doi, authors)
    assert len(by_index) == len(rows), "a record was stored twice"
    return by_index


def expected(index: int) -> tuple[str, str | None, int]:
    """Return what record ``index`` stores: its title, DOI and number of authors."""
    return synthetic_title(index), synthetic_doi(index), len(synthetic_authors(index))


def test_kill_mid_import_then_resume(
    fresh: TestDatabase, records_file: Path, tmp_path: Path
) -> None:
    process = start_import(fresh, records_file, tmp_path / "first.log")
    reported = kill_after_commits(process, KILL_AFTER)
    assert reported == KILL_AFTER * BATCH

    check_integrity(fresh)
    studies = stored(fresh)
    # Every batch reported committed is there; a batch committed between the line and the
    # kill may be too, but never part of one.
    assert reported <= len(studies) < RECORDS
    assert len(studies) % BATCH == 0
    assert set(studies) == set(range(len(studies)))
    assert all(studies[index] == expected(index) for index in studies)
    ((creates, imports),) = fresh.execute(
        "SELECT (SELECT count(*) FROM audit_log WHERE action = 'create' AND entity = 'study'), "
        "(SELECT count(*) FROM audit_log WHERE action = 'import')"
    )
    assert (creates, imports) == (len(studies), len(studies) // BATCH)

    env = {**os.environ, "CITEDB_DATABASE_URL": fresh.url}
    rerun = subprocess.run(  # noqa: S603 - our own command, on a file the test wrote
        import_command(records_file),
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    summary = rerun.stdout.strip().splitlines()[-1]
    assert summary.startswith(
        f"created {RECORDS - len(studies)}, existing {len(studies)}, errors 0 of {RECORDS} "
    )

    check_integrity(fresh)
    completed = stored(fresh)
    assert set(completed) == set(range(RECORDS))
    assert all(completed[index] == expected(index) for index in completed)
    ((distinct_titles, distinct_dois),) = fresh.execute(
        "SELECT count(DISTINCT title_key), count(DISTINCT doi) FROM studies"
    )
    assert (distinct_titles, distinct_dois) == (RECORDS, RECORDS // 2)
