"""The fact-check page: rendered HTML with the ClaimReview embedded, read in a real browser."""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import extruct
import httpx
import pytest

from app.vocabularies import RATING_LABELS, Rating
from tests.databases import TestDatabase
from tests.factories import STUDY_BLOG, STUDY_DARLOW, created, decide, link, make_claim, make_study
from tests.problems import assert_problem
from tests.server import LiveServer
from tests.test_seed import HEADLINE, content, run_seed

CHROMIUM = os.environ.get("CITEDB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with a fresh profile; skip (fail under CI) without it."""
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing (CI=true: a browser is required)", pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing")
    profile = tmp_path / "profile"
    return subprocess.run(  # noqa: S603 - the browser, with our own arguments
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def json_ld(html: str, url: str) -> list[dict[str, Any]]:
    """Return the JSON-LD documents of a page, as extruct reads them."""
    data: dict[str, list[dict[str, Any]]] = extruct.extract(
        html, base_url=url, syntaxes=["json-ld"], uniform=True
    )
    return data["json-ld"]


def test_seeded_headline_renders_in_chromium_with_its_claim_review(
    clean_database: TestDatabase, live_server: LiveServer, client: httpx.Client, tmp_path: Path
) -> None:
    run_seed(clean_database)
    found = client.get("/v1/claims", params={"q": "sitting glutes off", "limit": 100}).json()
    [headline] = [item for item in found["items"] if item["statement"] == HEADLINE]
    url = f"{live_server.base_url}/claims/{headline['slug']}"

    dom = chromium(tmp_path, "--dump-dom", url).stdout
    assert '<html lang="en">' in dom
    assert f"<h1>{HEADLINE}</h1>" in dom
    for heading in ("Verdict", "What the evidence supports", "Evidence", "References"):
        assert f">{heading}</h2>" in dom
    assert ">Where this claim appears</h2>" in dom
    verdict = client.get(f"/v1/claims/{headline['slug']}").json()["verdict"]
    assert f'<p class="rating">{RATING_LABELS[Rating(verdict["rating"])]}</p>' in dom
    assert 'href="https://doi.org/10.1186/2045-709x-19-18"' in dom  # Arab 2011
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/21838925/"' in dom
    [article] = content("sources.yaml")
    assert f'href="{article["url"]}"' in dom

    [review] = json_ld(dom, url)
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == HEADLINE
    assert review["url"] == f"http://127.0.0.1:8000/claims/{headline['slug']}"
    assert review["itemReviewed"]["appearance"][0]["url"] == article["url"]
    # The article refutes the headline: its author wrote about the claim, not the claim.
    assert review["itemReviewed"]["firstAppearance"]["author"][0]["name"] == "Doug Joachim"
    assert "author" not in review["itemReviewed"]
    assert review["reviewRating"]["alternateName"] == RATING_LABELS[Rating(verdict["rating"])]
    assert review["reviewRating"].get("ratingValue") == verdict["rating_value"]

    screenshot = tmp_path / "page.png"
    chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1280,2000", url)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


class TestPageOverHttp:
    def test_etag_cache_control_and_304(self, editor: httpx.Client, client: httpx.Client) -> None:
        claim = make_claim(editor, "Sitting switches your glutes off")
        response = client.get(f"/claims/{claim['slug']}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["cache-control"].startswith("public, max-age=")
        again = client.get(
            f"/claims/{claim['slug']}", headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304
        decide(editor, claim["slug"], "mostly_refuted", "very_low")
        changed = client.get(
            f"/claims/{claim['slug']}", headers={"If-None-Match": response.headers["etag"]}
        )
        assert changed.status_code == 200
        assert "Mostly refuted" in changed.text

    def test_no_verdict_means_no_claim_review(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        claim = make_claim(editor, "Sitting switches your glutes off")
        study = make_study(editor, **STUDY_DARLOW)
        link(editor, claim["slug"], study["id"], "mentions", "Interviews about <beliefs> & words.")
        page = client.get(f"/claims/{claim['slug']}").text
        assert json_ld(page, "http://testserver/") == []
        assert "No verdict yet" in page
        assert "Interviews about &lt;beliefs&gt; &amp; words." in page
        assert 'href="https://doi.org/10.1370/afm.1518"' in page

    def test_listed_but_not_counted_reads_as_words(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        claim = make_claim(editor, "Sitting switches your glutes off")
        blog = make_study(editor, **STUDY_BLOG)
        link(editor, claim["slug"], blog["id"], "contradicts", "A physiotherapist's essay.")
        page = client.get(f"/claims/{claim['slug']}").text
        assert "Listed but not counted" in page
        assert f"{STUDY_BLOG['title']}: A blog post, not a study." in page
        assert "blog_post" not in page

    def test_references_are_listed_as_apa_lists_them(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        claim = make_claim(editor, "Sitting switches your glutes off")
        zimmer = make_study(
            editor,
            title="Gluteal activation after sitting",
            authors=[{"family": "Zimmer", "given": "Anna"}],
            year=2020,
            journal="Journal of Hip Research",
            design="laboratory",
        )
        blog = make_study(editor, **STUDY_BLOG)
        for study in (blog, zimmer):
            link(editor, claim["slug"], study["id"], "contradicts", "Finds no switching off.")
        page = client.get(f"/claims/{claim['slug']}").text
        references = page[page.index('<ul class="references">') :]
        # The evidence lists the laboratory study first; APA lists Lehman before Zimmer.
        assert page.index("Gluteal activation after sitting") < page.index(STUDY_BLOG["title"])
        assert references.index("Lehman, G.") < references.index("Zimmer, A.")
        assert "<ol" not in references[: references.index("</ul>")]

    def test_unknown_claim_is_404(self, client: httpx.Client) -> None:
        assert_problem(client.get("/claims/no-such-claim"), 404)

    def test_source_excerpt_is_escaped_and_json_ld_cannot_close_its_script(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        claim = make_claim(editor, "Sitting switches your glutes off")
        decide(editor, claim["slug"], "mostly_refuted", "very_low")
        created(
            editor.post(
                "/v1/sources",
                json={
                    "url": "https://example.org/a",
                    "title": "</script><script>alert(1)</script>",
                    "appearances": [
                        {"claim": claim["slug"], "stance": "asserts", "excerpt": "<b>off</b>"}
                    ],
                },
            )
        )
        page = client.get(f"/claims/{claim['slug']}").text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;b&gt;off&lt;/b&gt;" in page
        [review] = json_ld(page, "http://testserver/")
        assert review["itemReviewed"]["appearance"][0]["headline"].startswith("</script>")
