"""Claim vectors: written with the claim texts, re-made when text or model change, reindexed."""

from collections.abc import Sequence

import httpx
import numpy as np
import pytest

from app.semantic.embedder import DEFAULT_MODEL, Vectors, get_embedder
from app.semantic.service import embedder, text_hash
from tests.cli import citedb
from tests.databases import TestDatabase
from tests.factories import make_claim

STATEMENT = "Sitting switches your glutes off"


def vector_rows(database: TestDatabase, claim_id: int) -> list[tuple[int, str, str, bytes]]:
    """Return (position, model, text hash, vector) of a claim's stored vectors."""
    rows = database.execute(
        "SELECT position, model, text_hash, vector FROM claim_embeddings "
        "WHERE claim_id = ? ORDER BY position",
        (claim_id,),
    )
    return [(row[0], row[1], row[2], bytes(row[3])) for row in rows]


class TestVectorsOnWrite:
    def test_create_stores_one_vector_per_text(
        self, editor: httpx.Client, clean_database: TestDatabase
    ) -> None:
        claim = make_claim(editor, STATEMENT, aliases=["glute amnesia", "dead butt syndrome"])
        rows = vector_rows(clean_database, claim["id"])
        texts = [STATEMENT, "glute amnesia", "dead butt syndrome"]
        assert [(row[0], row[1], row[2]) for row in rows] == [
            (position, DEFAULT_MODEL, text_hash(text)) for position, text in enumerate(texts)
        ]
        stored = np.vstack([np.frombuffer(row[3], dtype="<f4") for row in rows])
        np.testing.assert_allclose(stored, get_embedder().embed(texts), atol=1e-5)

    def test_a_checked_create_runs_each_text_through_the_model_once(
        self,
        editor: httpx.Client,
        clean_database: TestDatabase,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # A claim to rank, so that the near-duplicate check runs its search.
        make_claim(editor, "Creatine causes hair loss")
        model = embedder()
        run = model.embed
        texts: list[str] = []

        def counting(batch: Sequence[str]) -> Vectors:
            texts.extend(batch)
            return run(batch)

        monkeypatch.setattr(model, "embed", counting)
        aliases = ["glute amnesia", "dead butt syndrome"]
        claim = make_claim(editor, STATEMENT, aliases=aliases)
        assert sorted(texts) == sorted([STATEMENT, *aliases])
        stored = np.vstack(
            [np.frombuffer(row[3], dtype="<f4") for row in vector_rows(clean_database, claim["id"])]
        )
        np.testing.assert_allclose(stored, run([STATEMENT, *aliases]), atol=1e-5)

    def test_update_re_embeds_only_the_texts_that_changed(
        self, editor: httpx.Client, clean_database: TestDatabase
    ) -> None:
        claim = make_claim(editor, STATEMENT, aliases=["glute amnesia", "dead butt syndrome"])
        before = vector_rows(clean_database, claim["id"])
        response = editor.patch(
            f"/v1/claims/{claim['slug']}",
            json={"aliases": ["glute amnesia", "sleeping glutes"]},
            headers={"If-Match": editor.get(f"/v1/claims/{claim['slug']}").headers["ETag"]},
        )
        assert response.status_code == 200
        after = vector_rows(clean_database, claim["id"])
        assert [row[2] for row in after] == [
            text_hash(text) for text in (STATEMENT, "glute amnesia", "sleeping glutes")
        ]
        assert after[:2] == before[:2]
        assert after[2][3] != before[2][3]

        response = editor.patch(
            f"/v1/claims/{claim['slug']}",
            json={"aliases": []},
            headers={"If-Match": editor.get(f"/v1/claims/{claim['slug']}").headers["ETag"]},
        )
        assert [row[0] for row in vector_rows(clean_database, claim["id"])] == [0]

    def test_a_refused_create_stores_no_vector(
        self, editor: httpx.Client, clean_database: TestDatabase
    ) -> None:
        make_claim(editor, STATEMENT)
        assert editor.post("/v1/claims", json={"statement": STATEMENT}).status_code == 409
        assert clean_database.execute("SELECT COUNT(*) FROM claim_embeddings") == [(1,)]


class TestReindex:
    def test_reindex_makes_missing_and_stale_vectors_and_search_sees_them(
        self, editor: httpx.Client, client: httpx.Client, clean_database: TestDatabase
    ) -> None:
        first = make_claim(editor, STATEMENT, aliases=["glute amnesia"])
        second = make_claim(editor, "Creatine causes hair loss")
        expected = vector_rows(clean_database, first["id"])
        clean_database.execute("DELETE FROM claim_embeddings WHERE claim_id = ?", (first["id"],))
        clean_database.execute(
            "UPDATE claim_embeddings SET model = 'older-model' WHERE claim_id = ?",
            (second["id"],),
        )

        result = citedb(clean_database.url, "reindex", "--batch-size", "1")
        assert result.exit_code == 0, result.output
        assert "2 claims checked, 3 texts embedded" in result.stderr
        assert "3 distinct texts run through the model" in result.stderr
        assert "texts/s; load average" in result.stderr
        assert vector_rows(clean_database, first["id"]) == expected
        assert {row[1] for row in vector_rows(clean_database, second["id"])} == {DEFAULT_MODEL}
        found = client.get("/v1/claims", params={"q": "is my butt asleep from my desk job?"})
        assert [item["slug"] for item in found.json()["items"]][:1] == [first["slug"]]

        again = citedb(clean_database.url, "reindex")
        assert again.exit_code == 0, again.output
        assert "2 claims checked, 0 texts embedded" in again.stderr

    def test_migrate_embeds_the_claims_an_earlier_release_left_without_vectors(
        self, editor: httpx.Client, client: httpx.Client, clean_database: TestDatabase
    ) -> None:
        """After an upgrade, a claim made before vectors existed is found by meaning at once."""
        older = make_claim(editor, STATEMENT, aliases=["glute amnesia"])
        clean_database.execute("DELETE FROM claim_embeddings WHERE claim_id = ?", (older["id"],))
        newer = make_claim(editor, "Creatine causes hair loss")  # made after the upgrade

        result = citedb(clean_database.url, "migrate")
        assert result.exit_code == 0, result.output
        assert "2 claims checked, 2 texts embedded" in result.stderr
        assert [row[0] for row in vector_rows(clean_database, older["id"])] == [0, 1]
        found = client.get("/v1/claims", params={"q": "is my butt asleep from my desk job?"})
        assert [item["slug"] for item in found.json()["items"]][:1] == [older["slug"]]
        assert [row[0] for row in vector_rows(clean_database, newer["id"])] == [0]
