"""Past the exact scan, a first pass over projected vectors picks the claims scored in full."""

import httpx
import numpy as np
import pytest

from app.config import get_settings
from app.semantic.index import FIRST_PASS_DIMENSIONS, FIRST_PASS_SPARE, ClaimIndex
from app.semantic.words import stems
from tests.factories import make_claim

DIMENSIONS = 384
CLAIMS = 3000
WORDS = ["sitting", "glutes", "creatine", "coffee", "vitamin", "sleep", "knee", "running"]


def unit(rows: np.ndarray) -> np.ndarray:
    """Return ``rows`` scaled to length 1."""
    scaled: np.ndarray = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
    return scaled


@pytest.fixture(scope="module")
def index() -> ClaimIndex:
    """Return an index of claims with one to three texts whose vectors, like a sentence
    model's, lie mostly in a few directions."""
    rng = np.random.default_rng(7)
    directions = rng.standard_normal((24, DIMENSIONS))
    kept = ClaimIndex(DIMENSIONS, "test")
    for claim_id in range(1, CLAIMS + 1):
        texts = int(rng.integers(1, 4))
        theme = rng.standard_normal(24)
        vectors = unit(
            (theme + 0.4 * rng.standard_normal((texts, 24))) @ directions
            + 2.0 * rng.standard_normal((texts, DIMENSIONS))
        )
        words = frozenset(stems(" ".join(rng.choice(WORDS, size=2, replace=False))))
        kept.put(claim_id, vectors, words, frozenset())
    return kept


def questions(index: ClaimIndex, count: int) -> list[np.ndarray]:
    """Return questions near kept texts: each a kept vector with noise."""
    rng = np.random.default_rng(11)
    rows = rng.choice(index.used, size=count, replace=False)
    noisy = index.vectors[rows] + 0.03 * rng.standard_normal((count, DIMENSIONS))
    return list(unit(noisy))


@pytest.mark.parametrize("limit", [1, 10, 60])
@pytest.mark.parametrize("terms", [[], ["glutes"], ["creatine", "sleep"]])
def test_the_first_pass_ranks_as_the_full_scan_does(
    index: ClaimIndex, limit: int, terms: list[str]
) -> None:
    assert limit + 2 * FIRST_PASS_SPARE < CLAIMS  # the first pass leaves claims out
    for question in questions(index, 40):
        full, first_pass = (
            index.ranked(
                question,
                terms,
                limit=limit,
                word_weight=0.4,
                floor=0.3,
                margin=0.25,
                exact_rows=exact_rows,
            )
            for exact_rows in (index.used, 0)
        )
        # The same claims in the same order; the cosines agree but for float32 rounding (a
        # product over some rows sums in other blocks than one over all).
        assert first_pass[0] == full[0]
        assert np.allclose(first_pass[1], full[1], rtol=0, atol=1e-6)
        assert np.allclose(first_pass[2], full[2], rtol=0, atol=1e-6)
    assert index.basis is not None
    assert index.basis.shape == (DIMENSIONS, FIRST_PASS_DIMENSIONS)


def test_claims_put_after_the_projection_are_projected(index: ClaimIndex) -> None:
    question = questions(index, 1)[0]
    index.ranked(question, [], limit=5, word_weight=0.4, floor=0.3, margin=0.25, exact_rows=0)
    assert index.basis is not None
    index.put(CLAIMS + 1, question[None, :], frozenset(), frozenset())
    first, cosines, _ = index.ranked(
        question, [], limit=5, word_weight=0.4, floor=0.3, margin=0.25, exact_rows=0
    )
    assert first[0] == CLAIMS + 1
    assert cosines[0] == pytest.approx(1.0, abs=1e-5)
    start = int(index.starts[index.slots[CLAIMS + 1]])
    assert np.allclose(index.projected[start], question @ index.basis, atol=1e-6)


SEED = [
    ("Sitting for hours every day switches your glutes off", ["glute amnesia"]),
    ("Creatine causes hair loss", ["creatine baldness"]),
    ("Hip thrusts work your glutes harder than squats", []),
    ("Vitamin C prevents colds", ["vitamin c for the common cold"]),
    ("Coffee stunts growth", []),
    ("Sitting is the new smoking", ["sitting disease"]),
]
QUESTIONS = [
    "are my glutes dead from desk work?",
    "is sitting the same as smoking cigarettes",
    "does creatine make you bald",
    "orange juice when I have a cold",
]


def answers(client: httpx.Client) -> list[list[tuple[str, float]]]:
    """Return, per question, the search's slugs and the match endpoint's slugs and scores."""
    found = []
    for question in QUESTIONS:
        page = client.get("/v1/claims", params={"q": question, "sort": "relevance"}).json()
        matched = client.post("/v1/claims/match", json={"text": question, "limit": 5}).json()
        found.append([(item["slug"], 0.0) for item in page["items"]])
        found.append([(item["claim"]["slug"], item["score"]) for item in matched["items"]])
    return found


def test_searches_answer_the_same_with_the_first_pass(
    editor: httpx.Client, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    for statement, aliases in SEED:
        make_claim(editor, statement, aliases=aliases)
    full = answers(client)
    # The server reads its settings per search: with no exact scan, every search takes the
    # first pass over the projection.
    monkeypatch.setenv("CITEDB_SEMANTIC_EXACT_ROWS", "0")
    get_settings.cache_clear()
    try:
        first_pass = answers(client)
    finally:
        monkeypatch.delenv("CITEDB_SEMANTIC_EXACT_ROWS")
        get_settings.cache_clear()
    assert [[slug for slug, _ in answer] for answer in first_pass] == [
        [slug for slug, _ in answer] for answer in full
    ]
    assert [[score for _, score in answer] for answer in first_pass] == [
        [pytest.approx(score, abs=1e-4) for _, score in answer] for answer in full
    ]
    assert full[0][0][0].startswith("sitting-for-hours")
