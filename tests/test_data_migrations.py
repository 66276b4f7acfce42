"""Data migrations: rows stored before a revision read as the revision says, on both databases."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_backend
from tests.databases import TestDatabase, fresh_database

BEFORE_FOLDING = "9b4d6e1f3a27"
FOLDING = "6e7ffd93b86f"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    require_backend(request.param)
    with fresh_database(request.param, tmp_path) as database:
        yield database


def insert_study(database: TestDatabase, title: str, title_key: str) -> None:
    database.execute(
        "INSERT INTO studies (title, title_key, publication_type, retracted, created_at,"
        " updated_at, version) VALUES (?, ?, 'journal_article', false, ?, ?, 1)",
        (title, title_key, "2026-11-29 00:00:00", "2026-11-29 00:00:00"),
    )


class TestFoldedTitleKeys:
    def test_upgrade_transliterates_and_downgrade_restores(self, empty: TestDatabase) -> None:
        empty.migrate(BEFORE_FOLDING)
        insert_study(empty, "Ørsted in Łódź", "rsted in odz")
        insert_study(empty, "Plain title", "plain title")
        empty.migrate(FOLDING)
        keys = empty.execute("SELECT title, title_key FROM studies ORDER BY id")
        assert keys == [("Ørsted in Łódź", "orsted in lodz"), ("Plain title", "plain title")]
        empty.downgrade(BEFORE_FOLDING)
        assert empty.execute("SELECT title_key FROM studies ORDER BY id") == [
            ("rsted in odz",),
            ("plain title",),
        ]
