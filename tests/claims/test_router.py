"""Claims over HTTP: reads, search, curation, soft delete."""

import re

import httpx
import pytest

from app.claims import search
from tests.factories import (
    STUDY_DARLOW,
    decide,
    link,
    make_claim,
    make_study,
    make_topic,
)
from tests.problems import assert_problem
from tests.server import LiveServer, counting

SLUG = "sitting-switches-your-glutes-off"
UNRELATED = [
    "Creatine causes hair loss",
    "Stretching before running prevents injuries",
    "Cracking your knuckles causes arthritis",
    "You need eight glasses of water a day",
    "Lifting weights stunts growth in children",
    "Turn off screens an hour before bed to sleep better",
]


class TestGetClaim:
    def test_unknown_is_404(self, client: httpx.Client) -> None:
        assert_problem(client.get("/v1/claims/no-such-claim"), 404)
        assert_problem(client.get("/v1/claims/999999"), 404)
        assert_problem(client.get("/v1/claims/99999999999999999999"), 404)

    def test_by_id_and_slug(self, editor: httpx.Client, client: httpx.Client) -> None:
        claim = make_claim(editor, "Sitting switches your glutes off", aliases=["glute amnesia"])
        by_id = client.get(f"/v1/claims/{claim['id']}")
        by_slug = client.get(f"/v1/claims/{SLUG}")
        assert by_id.json() == by_slug.json() == claim
        assert by_slug.headers["etag"] == by_id.headers["etag"]
        assert by_slug.headers["cache-control"] == "public, max-age=60"
        revalidated = client.get(
            f"/v1/claims/{SLUG}", headers={"If-None-Match": by_id.headers["etag"]}
        )
        assert revalidated.status_code == 304

    def test_renamed_statement_keeps_old_slug_working(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        renamed = editor.patch(f"/v1/claims/{SLUG}", json={"statement": "Sitting turns glutes off"})
        assert renamed.status_code == 200
        assert renamed.json()["slug"] == "sitting-turns-glutes-off"
        old = client.get(f"/v1/claims/{SLUG}")
        assert old.status_code == 200
        assert old.json()["slug"] == "sitting-turns-glutes-off"
        assert old.json()["statement"] == "Sitting turns glutes off"


class TestCreateClaim:
    def test_anonymous_is_401(self, client: httpx.Client) -> None:
        assert_problem(client.post("/v1/claims", json={"statement": "Sitting is bad"}), 401)

    def test_created_is_201_with_location(self, editor: httpx.Client, client: httpx.Client) -> None:
        response = editor.post("/v1/claims", json={"statement": "Sitting switches your glutes off"})
        assert response.status_code == 201
        assert response.headers["location"] == f"/v1/claims/{SLUG}"
        assert client.get(response.headers["location"]).json() == response.json()

    def test_same_statement_is_409_with_existing(self, editor: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        body = assert_problem(
            editor.post("/v1/claims", json={"statement": "sitting switches your glutes off"}), 409
        )
        assert body["existing"] == f"/v1/claims/{SLUG}"

    def test_unknown_topic_is_422(self, editor: httpx.Client) -> None:
        body = assert_problem(
            editor.post("/v1/claims", json={"statement": "Sitting is bad", "topics": ["nope"]}),
            422,
        )
        assert body["errors"][0]["loc"] == ["body", "topics"]

    def test_duplicate_aliases_are_422(self, editor: httpx.Client) -> None:
        body = assert_problem(
            editor.post(
                "/v1/claims",
                json={"statement": "Sitting is bad", "aliases": ["glute amnesia", "Glute Amnesia"]},
            ),
            422,
        )
        assert body["errors"][0]["loc"] == ["body", "aliases"]


class TestUpdateClaim:
    def test_stale_if_match_is_412(self, editor: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        etag = editor.get(f"/v1/claims/{SLUG}").headers["etag"]
        assert editor.patch(f"/v1/claims/{SLUG}", json={"summary": "One."}).status_code == 200
        stale = editor.patch(
            f"/v1/claims/{SLUG}", json={"summary": "Two."}, headers={"If-Match": etag}
        )
        assert_problem(stale, 412)
        assert editor.get(f"/v1/claims/{SLUG}").json()["summary"] == "One."

    def test_patch_replaces_aliases_and_topics_and_bumps_version(
        self, editor: httpx.Client
    ) -> None:
        make_topic(editor, "Sitting", "sitting")
        claim = make_claim(editor, "Sitting switches your glutes off", aliases=["a", "b"])
        etag = editor.get(f"/v1/claims/{SLUG}").headers["etag"]
        response = editor.patch(
            f"/v1/claims/{SLUG}",
            json={"aliases": ["glute amnesia"], "topics": ["sitting"]},
            headers={"If-Match": etag},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["aliases"] == ["glute amnesia"]
        assert body["topics"] == [{"slug": "sitting", "name": "Sitting"}]
        assert body["version"] == claim["version"] + 1
        assert response.headers["etag"] != etag

    def test_null_statement_is_422(self, editor: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        assert_problem(editor.patch(f"/v1/claims/{SLUG}", json={"statement": None}), 422)


class TestDeleteAndRestore:
    def test_deleted_claim_vanishes_everywhere_and_comes_back_whole(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        make_topic(editor, "Sitting", "sitting")
        claim = make_claim(editor, "Sitting switches your glutes off", topics=["sitting"])
        make_claim(editor, "Creatine causes hair loss")
        study = make_study(editor, **STUDY_DARLOW)
        evidence = link(editor, SLUG, study["id"], "contradicts")
        decide(editor, SLUG, "mostly_refuted")
        decide(editor, SLUG, "refuted")
        before = client.get(f"/v1/claims/{SLUG}").json()
        verdicts_before = client.get(f"/v1/claims/{SLUG}/verdicts").json()
        evidence_before = client.get(f"/v1/claims/{SLUG}/evidence").json()

        assert editor.delete(f"/v1/claims/{SLUG}").status_code == 204

        assert_problem(client.get(f"/v1/claims/{SLUG}"), 404)
        assert_problem(client.get(f"/v1/claims/{claim['id']}"), 404)
        assert_problem(client.get(f"/v1/claims/{SLUG}/evidence"), 404)
        assert_problem(client.get(f"/v1/claims/{SLUG}/verdicts"), 404)
        assert_problem(client.get(f"/v1/evidence/{evidence['id']}"), 404)
        assert [c["slug"] for c in client.get("/v1/claims").json()["items"]] == [
            "creatine-causes-hair-loss"
        ]
        assert client.get("/v1/claims", params={"q": "sitting glutes"}).json()["items"] == []
        assert client.get("/v1/topics/sitting").json()["claim_count"] == 0
        assert client.get(f"/v1/studies/{study['id']}").json()["cited_for"] == []
        stats = client.get("/v1/stats").json()
        assert (stats["claims"], stats["evidence"], stats["verdicts"]["refuted"]) == (1, 0, 0)
        assert stats["verdicts"]["none"] == 1
        assert_problem(editor.delete(f"/v1/claims/{SLUG}"), 404)

        restored = editor.post(f"/v1/claims/{SLUG}/restore")
        assert restored.status_code == 200
        after = client.get(f"/v1/claims/{SLUG}").json()
        assert after["verdict"] == before["verdict"]
        assert after["evidence_summary"] == before["evidence_summary"]
        assert after["version"] == before["version"] + 2
        assert client.get(f"/v1/claims/{SLUG}/verdicts").json() == verdicts_before
        assert client.get(f"/v1/claims/{SLUG}/evidence").json() == evidence_before
        assert client.get("/v1/topics/sitting").json()["claim_count"] == 1
        assert client.get("/v1/stats").json()["claims"] == 2
        assert [
            c["slug"] for c in client.get("/v1/claims", params={"q": "sitting"}).json()["items"]
        ] == [SLUG]

    def test_restore_of_a_live_claim_is_409(self, editor: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        body = assert_problem(editor.post(f"/v1/claims/{SLUG}/restore"), 409)
        assert body["existing"] == f"/v1/claims/{SLUG}"

    def test_delete_with_stale_if_match_is_412(self, editor: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        assert_problem(editor.delete(f"/v1/claims/{SLUG}", headers={"If-Match": '"x"'}), 412)


class TestSearch:
    def test_a_question_finds_its_claim_first(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        for statement in UNRELATED[:3]:
            make_claim(editor, statement)
        make_claim(editor, "Sitting switches your glutes off", aliases=["glute amnesia"])
        for statement in UNRELATED[3:]:
            make_claim(editor, statement)
        response = client.get("/v1/claims", params={"q": "does sitting turn my glutes off?"})
        assert response.status_code == 200
        items = response.json()["items"]
        assert items[0]["slug"] == SLUG
        # Stemming: "glute" finds "glutes", "amnesia" finds the alias.
        assert client.get("/v1/claims", params={"q": "glute"}).json()["items"][0]["slug"] == SLUG
        assert [
            c["slug"] for c in client.get("/v1/claims", params={"q": "amnesia"}).json()["items"]
        ] == [SLUG]

    def test_search_combines_with_filters_and_paging(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        make_topic(editor, "Sitting", "sitting")
        slugs = []
        for n in range(5):
            claim = make_claim(editor, f"Sitting variant {n} harms glutes", topics=["sitting"])
            slugs.append(claim["slug"])
            decide(editor, claim["slug"], "refuted" if n % 2 else "mixed")
        make_claim(editor, "Sitting is fine for your glutes")
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {
                "q": "sitting glutes",
                "topic": "sitting",
                "verdict": "refuted",
                "limit": 1,
            }
            if cursor:
                params["cursor"] = cursor
            page = client.get("/v1/claims", params=params).json()
            seen += [item["slug"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(slugs[1::2])
        assert len(seen) == 2

    def test_relevance_sort_without_q_is_422(self, client: httpx.Client) -> None:
        body = assert_problem(client.get("/v1/claims", params={"sort": "relevance"}), 422)
        assert body["errors"][0]["loc"] == ["query", "sort"]

    def test_fts_syntax_in_the_query_is_plain_text(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        for q in ['"sitting', "glutes AND OR NOT", "sit* (off", "a:b & c | !d", "'; drop table"]:
            response = client.get("/v1/claims", params={"q": q})
            assert response.status_code == 200, (q, response.text)

    def test_other_sorts(self, editor: httpx.Client, client: httpx.Client) -> None:
        for statement in ["B claim here", "A claim here", "C claim here"]:
            make_claim(editor, statement)
        by_statement = client.get("/v1/claims", params={"sort": "statement"}).json()["items"]
        assert [c["statement"][0] for c in by_statement] == ["A", "B", "C"]
        newest = client.get("/v1/claims").json()["items"]
        assert [c["statement"][0] for c in newest] == ["C", "A", "B"]
        oldest = client.get("/v1/claims", params={"sort": "updated_at"}).json()["items"]
        assert [c["statement"][0] for c in oldest] == ["B", "A", "C"]


class TestCommonWords:
    def test_a_word_in_most_claims_does_not_select_when_rarer_words_are_asked(
        self, editor: httpx.Client, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(search, "COMMON_MIN_CLAIMS", 5)
        monkeypatch.setattr(search, "COMMON_FRACTION", 0.3)
        for n in range(8):
            make_claim(editor, f"Covid spreads in setting {n}")
        masks = make_claim(editor, "Covid masks stop spread")
        both = make_claim(editor, "Masks without covid")

        def slugs(q: str) -> list[str]:
            return [c["slug"] for c in client.get("/v1/claims", params={"q": q}).json()["items"]]

        assert sorted(slugs("covid masks")) == sorted([masks["slug"], both["slug"]])
        assert len(slugs("covid")) == 10  # only common words: they still select


# A create's statements, checked for near-duplicates, once the search index is loaded: the
# key lookup; the duplicate statement; the index's generation and the rows written since
# (their vectors and their claims' texts); the slug; the topics; the claim, its aliases (one
# statement each on SQLite, which returns their keys a row at a time) and its topic; the
# content generation; the vectors; the audit row, the change counter and the change.
# SQLite also counts each BEGIN (of the key lookup's read and of the write).
CREATE_STATEMENTS = {"sqlite": 18, "postgresql": 15}


class TestCreateStatements:
    def test_a_create_reads_nothing_a_new_claim_cannot_have(
        self, editor: httpx.Client, live_server: LiveServer, backend: str
    ) -> None:
        make_topic(editor, "Glutes")
        make_claim(editor, UNRELATED[0])
        # The index is loaded, and the next create has one claim's rows to catch up on.
        editor.get("/v1/claims", params={"q": "glutes"})
        make_claim(editor, UNRELATED[1])
        with counting(live_server) as statements:
            response = editor.post(
                "/v1/claims",
                json={
                    "statement": "Sitting switches your glutes off",
                    "aliases": ["glute amnesia", "dead butt syndrome"],
                    "topics": ["glutes"],
                },
            )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["verdict"] is None
        assert body["evidence_summary"]["studies"] == 0
        assert body["review"] == {
            "needs_review": True,
            "reasons": [{"reason": "no_verdict", "since": body["created_at"], "study_id": None}],
        }
        assert response.json() == editor.get(response.headers["location"]).json()
        # No verdict, evidence, review reason or vector can hang from a claim being added.
        read = [
            statement
            for statement in statements
            if re.search(r"\b(FROM|JOIN)\s+(verdicts|evidence|review_reasons)\b", statement)
            or re.match(r"\s*(UPDATE claim_embeddings|SELECT claim_embeddings\.id)", statement)
        ]
        assert read == []
        assert len(statements) == CREATE_STATEMENTS[backend], statements
