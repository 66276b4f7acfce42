"""The seed: the article's content, loaded through the services, idempotent, curator-safe."""

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import require_shared
from tests.databases import TestDatabase
from tests.references.readers import format_with_unsrt, read_with_bibtexparser

CONTENT = Path(__file__).resolve().parent.parent / "seed" / "content"
ARTICLE = "sources/glute-amnesia-article.txt"
HEADLINE = "Sitting for hours every day switches your glutes off."


def article_text() -> str:
    """Return the seed article with its whitespace folded; skip (fail under CI) without it."""
    return folded(require_shared(ARTICLE).read_text(encoding="utf-8"))


def folded(text: str) -> str:
    """Return ``text`` with runs of whitespace as one space, in lower case."""
    return " ".join(text.split()).lower()


def content(name: str) -> list[dict[str, Any]]:
    """Read one seed file."""
    data: list[dict[str, Any]] = yaml.safe_load((CONTENT / name).read_text(encoding="utf-8"))
    return data


def run_seed(database: TestDatabase) -> str:
    """Run `citedb seed` against the database and return what it printed."""
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "seed"],
        capture_output=True,
        text=True,
        env={**os.environ, "CITEDB_DATABASE_URL": database.url},
        check=True,
    )
    return result.stdout + result.stderr


def audit_count(admin: httpx.Client) -> int:
    """Count the audit log's rows through the API."""
    count, cursor = 0, None
    while True:
        params: dict[str, str | int] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = admin.get("/v1/audit", params=params).json()
        count += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return count


def test_every_identifier_names_where_it_was_seen() -> None:
    for study in content("studies.yaml"):
        for field in ("doi", "pmid", "pmcid"):
            if study.get(field):
                assert study[field].lower() in study.get("provenance", "").lower(), (
                    study["key"],
                    field,
                )
        if study.get("doi"):
            assert re.fullmatch(r"10\.\d{4,9}/\S+", study["doi"])
            assert study["doi"] == study["doi"].lower()


def test_no_evidence_quote_is_a_sentence_of_the_article() -> None:
    article = article_text()
    quotes = [
        (claim["key"], link["study"], link["quote"])
        for claim in content("claims.yaml")
        for link in claim.get("evidence", [])
        if link.get("quote")
    ]
    assert quotes, "the seed quotes at least one study's own text"
    for key, study, quote in quotes:
        assert folded(quote) not in article, (key, study)


def test_the_articles_sentences_are_in_its_source() -> None:
    article = article_text()
    [source] = content("sources.yaml")
    claims = {claim["key"] for claim in content("claims.yaml")}
    assert {appearance["claim"] for appearance in source["appearances"]} == claims
    sentences = [a["excerpt"] for a in source["appearances"]]
    sentences += [c["statement"] for c in source["citations"]]
    for sentence in sentences:
        assert folded(sentence) in article, sentence


def test_the_article_is_evidence_only_where_the_claim_rests_on_it_alone() -> None:
    for claim in content("claims.yaml"):
        links = claim.get("evidence", [])
        for link in links:
            if link["study"] != "joachim-glute-amnesia":
                continue
            others = [other for other in links if other is not link]
            # Any other work is either absent or does not bear on the claim ("mentions").
            assert all(other["stance"] == "mentions" for other in others), claim["key"]
            assert "argument alone" in link["notes"], claim["key"]


@pytest.fixture
def seeded(clean_database: TestDatabase, admin: httpx.Client) -> TestDatabase:
    """Seed the empty database once."""
    report = run_seed(clean_database)
    assert "created 6 topic" in report or "created" in report
    return clean_database


def test_seed_loads_the_whole_article(seeded: TestDatabase, client: httpx.Client) -> None:
    topics, studies, claims = (content(f"{name}.yaml") for name in ("topics", "studies", "claims"))
    links = sum(len(claim.get("evidence", [])) for claim in claims)
    stats = client.get("/v1/stats").json()
    assert (stats["topics"], stats["studies"], stats["claims"], stats["evidence"]) == (
        len(topics),
        len(studies),
        len(claims),
        links,
    )
    assert stats["verdicts"]["none"] == 0
    expected_ratings: dict[str, int] = {}
    for claim in claims:
        rating = claim["verdict"]["rating"]
        expected_ratings[rating] = expected_ratings.get(rating, 0) + 1
    assert {k: v for k, v in stats["verdicts"].items() if v and k != "none"} == expected_ratings

    found = client.get("/v1/claims", params={"q": "does sitting turn my glutes off?"}).json()
    assert found["items"][0]["statement"] == HEADLINE
    headline = found["items"][0]
    assert "glute amnesia" in headline["aliases"]
    assert headline["verdict"]["decided_by"] == "seed"
    review = client.get(f"/v1/claims/{headline['slug']}/claimreview").json()
    assert review["claimReviewed"] == HEADLINE
    references = client.get(f"/v1/claims/{headline['slug']}/references").text.splitlines()
    assert len(references) == headline["evidence_summary"]["studies"]

    [source] = content("sources.yaml")
    [article] = client.get("/v1/sources", params={"claim": headline["slug"]}).json()["items"]
    assert article["url"] == source["url"]
    assert len(article["appearances"]) == len(claims)
    assert len(article["citations"]) == len(source["citations"])
    by_slug = {a["claim"]["slug"]: a for a in article["appearances"]}
    assert by_slug[headline["slug"]]["stance"] == "refutes"
    contreras = client.get("/v1/studies", params={"pmid": "26214739"}).json()["items"]
    assert [study["journal"] for study in contreras] == ["Journal of Applied Biomechanics"]

    review = client.get(f"/v1/claims/{headline['slug']}/claimreview").json()
    item = review["itemReviewed"]
    assert [work["url"] for work in item["appearance"]] == [source["url"]]
    assert item["firstAppearance"]["url"] == source["url"]
    assert item["firstAppearance"]["headline"] == source["title"]
    # The article refutes the headline, so its author is not the claim's.
    assert "author" not in item
    # The article shows no year, so the claim has no datePublished rather than a guessed one.
    assert "datePublished" not in item
    assert review["url"].endswith(f"/claims/{headline['slug']}")
    assert "/v1/" not in review["url"]


# Questions in other words than their claims (no shared word but "sitting"/"band walks").
QUESTIONS_IN_OTHER_WORDS = {
    "are my glutes dead from desk work?": HEADLINE,
    "will band walks turn my bum back on": "Activation drills like clamshells and band walks "
    "wake up your glutes so they start firing again.",
    "is sitting the same as smoking cigarettes": "Sitting is the new smoking.",
    "is my butt asleep from my desk job?": HEADLINE,
}


def test_questions_in_other_words_find_their_claim_first(
    seeded: TestDatabase, client: httpx.Client
) -> None:
    for question, statement in QUESTIONS_IN_OTHER_WORDS.items():
        items = client.get("/v1/claims", params={"q": question}).json()["items"]
        assert [item["statement"] for item in items[:1]] == [statement], question


def test_second_run_changes_nothing_and_keeps_curators_edits(
    seeded: TestDatabase, admin: httpx.Client, editor: httpx.Client, client: httpx.Client
) -> None:
    headline = client.get("/v1/claims", params={"q": "glute amnesia"}).json()["items"][0]
    slug = headline["slug"]
    edited = editor.patch(f"/v1/claims/{slug}", json={"summary": "Curated summary."})
    assert edited.status_code == 200
    other = client.get("/v1/claims", params={"q": "sitting new smoking"}).json()["items"][0]
    assert editor.delete(f"/v1/claims/{other['slug']}").status_code == 204
    studies = client.get("/v1/studies", params={"limit": 100}).json()["items"]
    uncited = [s for s in studies if not client.get(f"/v1/studies/{s['id']}").json()["cited_for"]]
    [source] = client.get("/v1/sources").json()["items"]
    assert editor.delete(f"/v1/sources/{source['id']}").status_code == 204
    for study in uncited:
        assert editor.delete(f"/v1/studies/{study['id']}").status_code == 204
    # A database seeded before the blog post's year was dropped still holds it: not a new study.
    [lehman] = client.get("/v1/studies", params={"q": "Lehman"}).json()["items"]
    assert editor.patch(f"/v1/studies/{lehman['id']}", json={"year": 2016}).status_code == 200
    stats_before = client.get("/v1/stats").json()
    audit_before = audit_count(admin)

    report = run_seed(seeded)

    assert "created 0 topic, 0 study, 0 claim, 0 evidence, 0 verdict, 0 source" in report
    assert client.get("/v1/stats").json() == stats_before
    assert audit_count(admin) == audit_before
    assert client.get(f"/v1/claims/{slug}").json()["summary"] == "Curated summary."
    assert client.get(f"/v1/claims/{other['slug']}").status_code == 404
    assert client.get("/v1/sources").json()["items"] == []


def test_every_seed_verdict_follows_its_assessment_or_says_why_not(
    seeded: TestDatabase, client: httpx.Client
) -> None:
    slugs, cursor = [], None
    while True:
        page = client.get("/v1/claims", params={"limit": 100, "cursor": cursor}).json()
        slugs += [item["slug"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(slugs) == len(content("claims.yaml"))
    departing = []
    for slug in slugs:
        response = client.get(f"/v1/claims/{slug}/assessment")
        assert response.status_code == 200, (slug, response.text)
        assessment = response.json()
        verdict = assessment["current_verdict"]
        assert verdict is not None, slug
        if assessment["agrees_with_current_verdict"]:
            continue
        departing.append(slug)
        # A departure says so first, naming what the assessment suggests.
        rationale = verdict["rationale"]
        assert rationale.startswith("Departs from the assessment, which suggests "), slug
        suggested = assessment["suggested_rating"].replace("_", " ")
        assert suggested in rationale.split(":")[0], (slug, suggested)
    assert len(departing) < len(slugs), "most seed verdicts follow their assessment"


def test_every_seed_reference_list_reads_in_pybtex_and_bibtexparser(
    seeded: TestDatabase, client: httpx.Client
) -> None:
    studies = client.get("/v1/studies", params={"limit": 100}).json()["items"]
    key_by_title = {study["title"]: study["bibtex_key"] for study in studies}
    assert len(set(key_by_title.values())) == len(studies)
    claims = client.get("/v1/claims", params={"limit": 100}).json()["items"]
    lists = [
        client.get(f"/v1/claims/{claim['slug']}/references", params={"format": "bibtex"}).text
        for claim in claims
    ]
    own = [
        client.get(f"/v1/studies/{study['id']}/citation", params={"format": "bibtex"}).text
        for study in studies
    ]
    assert all(lists)
    for text in [*lists, "".join(own)]:
        entries = read_with_bibtexparser(text).entries
        assert len(format_with_unsrt(text)) == len(entries)
        # Each study is cited by its own key in every list.
        assert {entry.key: key_by_title[entry["title"]] for entry in entries} == {
            entry.key: entry.key for entry in entries
        }
