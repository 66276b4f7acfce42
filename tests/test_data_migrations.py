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


BIBTEX_KEYS = "cc4aba1775cb"


class TestBibtexKeys:
    def test_existing_studies_get_unique_keys_in_id_order(self, empty: TestDatabase) -> None:
        empty.migrate(FOLDING)
        for title in ("First", "Second", "Ørsted's law", "Third"):
            insert_study(empty, title, title.lower())
        empty.execute("UPDATE studies SET year = 2013 WHERE title IN ('First', 'Second', 'Third')")
        for study_id in (1, 2):
            empty.execute(
                "INSERT INTO study_authors (study_id, position, family) VALUES (?, 0, ?)",
                (study_id, "Darlow"),
            )
        empty.execute(
            "INSERT INTO study_authors (study_id, position, family) VALUES (4, 0, 'Darlow')"
        )
        empty.migrate(BIBTEX_KEYS)
        assert empty.execute("SELECT bibtex_key FROM studies ORDER BY id") == [
            ("darlow2013",),
            ("darlow2013a",),
            ("orsteds",),
            ("darlow2013b",),
        ]
        with pytest.raises(Exception, match=r"(?i)unique"):
            empty.execute("UPDATE studies SET bibtex_key = 'darlow2013' WHERE id = 2")
        empty.downgrade(FOLDING)
        assert empty.execute("SELECT count(*) FROM studies") == [(4,)]


NAME_PARTS = "35ad4ed6f2a8"


class TestAuthorNameParts:
    def test_existing_authors_keep_their_names_and_are_not_literal(
        self, empty: TestDatabase
    ) -> None:
        empty.migrate(FOLDING)
        insert_study(empty, "A study", "a study")
        names = [("Smith", "John"), ("Fulton", "James E., Jr."), ("King", ", Jr"), ("Doe", None)]
        for position, (family, given) in enumerate(names):
            empty.execute(
                "INSERT INTO study_authors (study_id, position, family, given) VALUES (1, ?, ?, ?)",
                (position, family, given),
            )
        empty.migrate(NAME_PARTS)
        assert empty.execute(
            "SELECT family, given, non_dropping_particle, dropping_particle, suffix, literal"
            " FROM study_authors ORDER BY position"
        ) == [
            ("Smith", "John", None, None, None, False),
            ("Fulton", "James E.", None, None, "Jr.", False),
            ("King", None, None, None, "Jr", False),
            ("Doe", None, None, None, None, False),
        ]
        empty.downgrade(BIBTEX_KEYS)
        assert empty.execute("SELECT family, given FROM study_authors ORDER BY position") == [
            ("Smith", "John"),
            ("Fulton", "James E., Jr."),
            ("King", "Jr"),
            ("Doe", None),
        ]
