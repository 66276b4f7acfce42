"""Matching sentences to claims, and the similar-claim check on create, over HTTP."""

import re

import httpx
import numpy as np
import pytest

from app.semantic.index import TYPO_WEIGHT, ClaimIndex
from app.semantic.words import stems
from tests.factories import make_claim
from tests.problems import assert_problem
from tests.server import LiveServer, counting

HEADLINE = "Sitting for hours every day switches your glutes off"
OTHERS = [
    "Creatine causes hair loss",
    "Hip thrusts work your glutes harder than squats",
    "Vitamin C prevents colds",
    "Hip osteoarthritis switches off your glutes",
]
PARAPHRASE = "Osteoarthritis of the hip switches your glutes off"


def seed_claims(editor: httpx.Client) -> dict[str, str]:
    """Create the headline and unrelated claims; return statement -> slug."""
    claims = [make_claim(editor, HEADLINE, aliases=["glute amnesia"])]
    claims += [make_claim(editor, statement) for statement in OTHERS]
    return {claim["statement"]: claim["slug"] for claim in claims}


class TestMatch:
    def test_a_sentence_finds_its_claim_first_with_a_score_and_verdict(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slugs = seed_claims(editor)
        response = client.post(
            "/v1/claims/match",
            json={"text": "my trainer says my glutes are asleep from sitting", "limit": 2},
        )
        assert response.status_code == 200
        items = response.json()["items"]
        assert len(items) == 2
        assert items[0]["claim"]["slug"] == slugs[HEADLINE]
        assert "verdict" in items[0]["claim"]
        assert 0 <= items[1]["score"] < items[0]["score"] <= 1

    def test_unrelated_text_scores_low(self, editor: httpx.Client, client: httpx.Client) -> None:
        seed_claims(editor)
        related = client.post("/v1/claims/match", json={"text": "does creatine make you bald"})
        unrelated = client.post("/v1/claims/match", json={"text": "the train to Vienna is late"})
        best_related = related.json()["items"][0]["score"]
        best_unrelated = max([item["score"] for item in unrelated.json()["items"]] or [0.0])
        assert best_unrelated < 0.4 < best_related

    def test_deleted_claims_are_not_matched(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slugs = seed_claims(editor)
        assert editor.delete(f"/v1/claims/{slugs[OTHERS[0]]}").status_code == 204
        items = client.post("/v1/claims/match", json={"text": "does creatine make you bald"})
        assert slugs[OTHERS[0]] not in [item["claim"]["slug"] for item in items.json()["items"]]

    def test_bad_requests_are_422(self, client: httpx.Client) -> None:
        assert_problem(client.post("/v1/claims/match", json={"text": ""}), 422)
        assert_problem(client.post("/v1/claims/match", json={"text": "x", "limit": 0}), 422)
        assert_problem(client.post("/v1/claims/match", json={"txt": "x"}), 422)


class TestSimilarOnCreate:
    def test_a_paraphrase_is_409_with_similar(
        self, editor: httpx.Client, live_server: LiveServer
    ) -> None:
        slugs = seed_claims(editor)
        with counting(live_server) as statements:
            body = assert_problem(editor.post("/v1/claims", json={"statement": PARAPHRASE}), 409)
        # The close claims' slugs and statements are read in one statement, without their
        # aliases and topics.
        assert not [
            statement
            for statement in statements
            if re.search(r"\bFROM (claim_aliases|claim_topics)\b", statement)
        ]
        existing = f"/v1/claims/{slugs[OTHERS[3]]}"
        assert [claim["url"] for claim in body["similar"]] == [existing]
        assert body["similar"][0]["statement"] == OTHERS[3]
        assert body["existing"] == existing

    def test_the_same_words_in_another_order_or_inflection_are_409(
        self, editor: httpx.Client
    ) -> None:
        slugs = seed_claims(editor)
        body = assert_problem(
            editor.post(
                "/v1/claims", json={"statement": "Sitting for hours every day switches off glutes"}
            ),
            409,
        )
        assert body["existing"] == f"/v1/claims/{slugs[HEADLINE]}"

    def test_allow_similar_adds_it_anyway(self, editor: httpx.Client) -> None:
        seed_claims(editor)
        response = editor.post(
            "/v1/claims",
            params={"allow_similar": "true"},
            json={"statement": PARAPHRASE},
        )
        assert response.status_code == 201

    def test_a_negated_or_changed_claim_is_not_similar(self, editor: httpx.Client) -> None:
        seed_claims(editor)
        for statement in (
            "Sitting for hours every day does not switch your glutes off",
            "Sitting for hours every day switches your hamstrings off",
            "Sitting for hours every day switches children's glutes off",
            "Sitting for 8 hours every day switches your glutes off",
            "Hip thrusts work your glutes less than squats",
            "Squats work your glutes harder than hip thrusts",
        ):
            assert editor.post("/v1/claims", json={"statement": statement}).status_code == 201


class TestSearchByMeaning:
    def test_a_question_about_nothing_kept_is_an_empty_page(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        seed_claims(editor)
        page = client.get("/v1/claims", params={"q": "quarterly tax filing deadlines"}).json()
        assert page == {"items": [], "next_cursor": None}


class TestWordShare:
    def test_a_misspelt_word_counts_as_the_close_word_for_less(self) -> None:
        index = ClaimIndex(2, "test")
        one = np.array([[1.0, 0.0]], dtype=np.float32)
        index.put(1, one, frozenset(stems("Turmeric relieves knee osteoarthritis")), frozenset())
        index.put(2, one, frozenset(stems("Hyaluronic acid relieves knee pain")), frozenset())
        _, _, exact, _ = index.scores(one[0], stems("turmeric"))
        _, _, misspelt, selects = index.scores(one[0], stems("tumeric"))
        assert exact.tolist() == [1.0, 0.0]
        assert misspelt[0] == pytest.approx(TYPO_WEIGHT)
        assert misspelt[1] == 0.0
        assert selects.tolist() == [True, False]

    def test_a_word_found_nowhere_counts_as_its_compound_for_less(self) -> None:
        index = ClaimIndex(2, "test")
        one = np.array([[1.0, 0.0]], dtype=np.float32)
        hip = "Hip osteoarthritis switches off your glutes"
        index.put(1, one, frozenset(stems(hip)), frozenset())
        index.put(2, one, frozenset(stems("Activation drills wake up your glutes")), frozenset())
        _, _, part, _ = index.scores(one[0], stems("arthritis"))
        _, _, whole, _ = index.scores(one[0], stems("reactivate"))
        _, _, neither, _ = index.scores(one[0], stems("arthroscopy"))
        assert part.tolist() == [pytest.approx(TYPO_WEIGHT), 0.0]
        assert whole.tolist() == [0.0, pytest.approx(TYPO_WEIGHT)]
        assert neither.tolist() == [0.0, 0.0]
