"""`citedb import FILE` from the shell: batches, dry run, summary and file errors."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.bibliography.test_parsers import CORPUS, needs_corpus
from tests.databases import TestDatabase

EMBASE = CORPUS / "ris" / "asreview__embase.ris"  # 6 records
ISSUE_992 = CORPUS / "ris" / "asreview__ris_issue_992.txt"  # 19 records, a .txt file


def citedb_import(database: TestDatabase, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `citedb import` with ``args`` against the database."""
    return subprocess.run(  # noqa: S603 - our own command, on corpus files
        [sys.executable, "-m", "app.cli", "import", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CITEDB_DATABASE_URL": database.url},
        check=False,
        timeout=120,
    )


def study_count(database: TestDatabase) -> int:
    """Count the stored studies."""
    ((count,),) = database.execute("SELECT count(*) FROM studies")
    return int(count)


def document(value: str | dict[str, Any]) -> dict[str, Any]:
    """Return a JSON column's value (text on SQLite, decoded already on PostgreSQL)."""
    if isinstance(value, str):
        decoded: dict[str, Any] = json.loads(value)
        return decoded
    return value


class TestImportCommand:
    @needs_corpus
    def test_commits_in_batches_and_prints_a_summary(self, clean_database: TestDatabase) -> None:
        result = citedb_import(clean_database, str(EMBASE), "--batch-size", "4")
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[:2] == ["committed 4/6", "committed 6/6"]
        assert lines[2].startswith("created 6, existing 0, errors 0 of 6 ris records in ")
        assert study_count(clean_database) == 6
        rows = clean_database.execute(
            "SELECT who, after FROM audit_log WHERE action = 'import' ORDER BY id"
        )
        assert [document(after)["source"] for _, after in rows] == [
            "asreview__embase.ris records 1-4",
            "asreview__embase.ris records 5-6",
        ]
        assert all(who.startswith("cli:") for who, _ in rows)

        again = citedb_import(clean_database, str(EMBASE))
        assert again.stdout.splitlines()[-1].startswith("created 0, existing 6, errors 0 of 6 ")
        assert study_count(clean_database) == 6

    @needs_corpus
    def test_dry_run_writes_nothing(self, clean_database: TestDatabase) -> None:
        result = citedb_import(clean_database, str(ISSUE_992), "--format", "ris", "--dry-run")
        assert result.returncode == 0, result.stderr
        (summary,) = result.stdout.splitlines()
        assert summary.startswith("would create 19, existing 0, errors 0 of 19 ris records")
        assert summary.endswith("(dry run: nothing written)")
        assert study_count(clean_database) == 0

    @needs_corpus
    def test_a_file_whose_name_does_not_say_the_format_needs_format(
        self, clean_database: TestDatabase
    ) -> None:
        result = citedb_import(clean_database, str(ISSUE_992))
        assert result.returncode == 1
        assert "give --format" in result.stderr
        assert result.stdout == ""

    def test_an_unreadable_file_is_an_error(
        self, clean_database: TestDatabase, tmp_path: Path
    ) -> None:
        latin1 = tmp_path / "latin1.bib"
        latin1.write_bytes("@article{a, title={M\u00fcller}}".encode("latin-1"))
        empty = tmp_path / "empty.bib"
        empty.write_text("% nothing here\n", encoding="utf-8")
        for path, reason in ((latin1, "is not UTF-8"), (empty, "no BibTeX entries found")):
            result = citedb_import(clean_database, str(path))
            assert result.returncode == 1
            assert reason in " ".join(result.stderr.split())
        assert study_count(clean_database) == 0
