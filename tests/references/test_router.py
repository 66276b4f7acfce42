"""Reference lists, citations and ClaimReview over HTTP."""

import json
from typing import Any

import httpx
import jsonschema
import pytest
import rispy
from bibtexparser.entrypoint import parse_string
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts
from pyld import jsonld

from tests.conftest import require_shared
from tests.factories import (
    STUDY_BLOG,
    STUDY_DARLOW,
    STUDY_PMID_ONLY,
    decide,
    link,
    make_claim,
    make_study,
)
from tests.problems import assert_problem

SLUG = "sitting-switches-your-glutes-off"
CSL_SCHEMA = "corpora/csl-schema/csl-data.json"
MUELLER: dict[str, Any] = {
    "title": "Gluteal EMG & sitting: a Müller\u2013Lyer study?",
    "authors": [{"family": "Müller", "given": "Jörg"}, {"family": "O'Neil", "given": "Ann"}],
    "year": 2020,
    "journal": "Journal of Hip Research",
    "volume": "3",
    "issue": "2",
    "pages": "10-19",
    "doi": "10.1234/jhr.2020.003",
    "design": "laboratory",
}


@pytest.fixture
def claim_with_studies(editor: httpx.Client) -> list[dict[str, Any]]:
    """Make the headline claim with four studies linked, and a verdict; return the studies."""
    make_claim(editor, "Sitting switches your glutes off", aliases=["glute amnesia"])
    studies = [
        make_study(editor, **fields)
        for fields in (STUDY_DARLOW, STUDY_PMID_ONLY, STUDY_BLOG, MUELLER)
    ]
    for study, stance in zip(
        studies, ["mentions", "contradicts", "contradicts", "mixed"], strict=True
    ):
        link(editor, SLUG, study["id"], stance)
    decide(editor, SLUG, "mostly_refuted", "low")
    return studies


def references(client: httpx.Client, fmt: str) -> httpx.Response:
    """Fetch the claim's reference list in a format."""
    response = client.get(f"/v1/claims/{SLUG}/references", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response


class TestReferenceList:
    def test_apa_is_alphabetical_and_unnumbered(
        self, client: httpx.Client, claim_with_studies: list[dict[str, Any]]
    ) -> None:
        response = references(client, "apa")
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        lines = response.text.splitlines()
        assert len(lines) == 4
        assert lines[0].startswith("Arab, A. M. (2011). Electromyographic activity")
        assert lines[1] == (
            "Darlow, B., & Dowell, A. (2013). The enduring impact of what clinicians say to "
            "people with low back pain. Annals of Family Medicine. "
            "https://doi.org/10.1370/afm.1518"
        )
        assert lines[2].startswith("Lehman, G. (n.d.). Have the butt muscles of the world")
        assert "https://www.greglehman.ca/blog/glutes" in lines[2]
        assert lines[3] == (
            "Müller, J., & O'Neil, A. (2020). Gluteal EMG & sitting: a Müller\u2013Lyer study? "
            "Journal of Hip Research, 3(2), 10\u201319. https://doi.org/10.1234/jhr.2020.003"
        )
        assert references(client, "apa").headers["etag"] == response.headers["etag"]

    def test_vancouver(
        self, client: httpx.Client, claim_with_studies: list[dict[str, Any]]
    ) -> None:
        lines = references(client, "vancouver").text.splitlines()
        # Numbered in citation order: case_control, cross_sectional, laboratory, expert_opinion.
        assert [line[:8] for line in lines] == ["1. Arab ", "2. Darlo", "3. Mülle", "4. Lehma"]
        assert lines[1] == (
            "2. Darlow B, Dowell A. The enduring impact of what clinicians say to people with "
            "low back pain. Annals of Family Medicine. 2013. doi:10.1370/afm.1518"
        )

    def test_bibtex_parses_back(
        self, client: httpx.Client, claim_with_studies: list[dict[str, Any]]
    ) -> None:
        response = references(client, "bibtex")
        assert response.headers["content-type"] == "application/x-bibtex; charset=utf-8"
        library = parse_string(
            response.text,
            append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors(), SplitNameParts()],
        )
        assert not library.failed_blocks
        entries = library.entries
        assert len(entries) == 4
        by_title = {entry["title"].replace("{", "").replace("}", ""): entry for entry in entries}
        for study in claim_with_studies:
            entry = by_title[study["title"].replace("{", "").replace("}", "")]
            if study["doi"]:
                assert entry["doi"] == study["doi"]
            families = [" ".join(name.last) for name in entry["author"]]
            assert families == [author["family"] for author in study["authors"]]

    def test_ris_parses_back(
        self, client: httpx.Client, claim_with_studies: list[dict[str, Any]]
    ) -> None:
        response = references(client, "ris")
        assert response.headers["content-type"].startswith("application/x-research-info-systems")
        records = rispy.loads(response.text)
        assert [record["title"] for record in records] == [
            STUDY_PMID_ONLY["title"],
            STUDY_DARLOW["title"],
            MUELLER["title"],
            STUDY_BLOG["title"],
        ]
        assert records[1]["doi"] == "10.1370/afm.1518"
        assert records[0]["authors"] == ["Arab, Amir M"]
        assert records[3]["type_of_reference"] == "BLOG"

    def test_csl_json_validates_against_the_schema(
        self, client: httpx.Client, claim_with_studies: list[dict[str, Any]]
    ) -> None:
        response = references(client, "csl-json")
        assert response.headers["content-type"].startswith(
            "application/vnd.citationstyles.csl+json"
        )
        items = response.json()
        jsonschema.validate(items, json.loads(require_shared(CSL_SCHEMA).read_text()))
        assert [item["title"] for item in items][1] == STUDY_DARLOW["title"]
        assert items[1]["DOI"] == "10.1370/afm.1518"
        assert items[0]["PMID"] == "21838925"
        assert items[3]["type"] == "post-weblog"

    def test_accept_header_chooses_the_format(
        self, client: httpx.Client, claim_with_studies: list[dict[str, Any]]
    ) -> None:
        url = f"/v1/claims/{SLUG}/references"
        bibtex = client.get(url, headers={"Accept": "application/x-bibtex"})
        assert bibtex.headers["content-type"].startswith("application/x-bibtex")
        assert bibtex.text == references(client, "bibtex").text
        assert client.get(url, headers={"Accept": "*/*"}).text == references(client, "apa").text
        assert_problem(client.get(url, headers={"Accept": "image/png"}), 406)
        body = assert_problem(client.get(url, params={"format": "mla"}), 422)
        assert body["errors"][0]["loc"] == ["query", "format"]

    def test_unknown_claim_is_404(self, client: httpx.Client) -> None:
        assert_problem(client.get("/v1/claims/nope/references"), 404)


class TestKeptEntries:
    """Entries are kept once rendered; an edit of a study or of its authors renders it again."""

    def test_list_is_the_same_when_read_again(
        self, client: httpx.Client, claim_with_studies: list[dict[str, Any]]
    ) -> None:
        for fmt in ("apa", "vancouver"):
            first = references(client, fmt).text
            assert references(client, fmt).text == first

    def test_title_edit_shows_and_the_other_entries_stay(
        self, editor: httpx.Client, client: httpx.Client, claim_with_studies: list[dict[str, Any]]
    ) -> None:
        apa_before = references(client, "apa").text.splitlines()
        vancouver_before = references(client, "vancouver").text.splitlines()
        darlow = claim_with_studies[0]
        edited = editor.patch(
            f"/v1/studies/{darlow['id']}", json={"title": "What clinicians say about back pain"}
        )
        assert edited.status_code == 200, edited.text
        apa_after = references(client, "apa").text.splitlines()
        assert apa_after == [
            apa_before[0],
            "Darlow, B., & Dowell, A. (2013). What clinicians say about back pain. Annals of "
            "Family Medicine. https://doi.org/10.1370/afm.1518",
            *apa_before[2:],
        ]
        vancouver_after = references(client, "vancouver").text.splitlines()
        assert vancouver_after == [
            vancouver_before[0],
            "2. Darlow B, Dowell A. What clinicians say about back pain. Annals of Family "
            "Medicine. 2013. doi:10.1370/afm.1518",
            *vancouver_before[2:],
        ]

    def test_author_change_moves_the_entry_and_leaves_no_trace_of_the_old_name(
        self, editor: httpx.Client, client: httpx.Client, claim_with_studies: list[dict[str, Any]]
    ) -> None:
        apa_before = references(client, "apa").text.splitlines()
        darlow = claim_with_studies[0]
        edited = editor.patch(
            f"/v1/studies/{darlow['id']}", json={"authors": [{"family": "Zorn", "given": "Ida"}]}
        )
        assert edited.status_code == 200, edited.text
        apa_after = references(client, "apa").text.splitlines()
        assert "Darlow" not in "".join(apa_after)
        # APA orders by the first author: Zorn now comes last.
        assert apa_after == [
            apa_before[0],
            *apa_before[2:],
            "Zorn, I. (2013). The enduring impact of what clinicians say to people with low "
            "back pain. Annals of Family Medicine. https://doi.org/10.1370/afm.1518",
        ]
        citation = client.get(f"/v1/studies/{darlow['id']}/citation", params={"format": "apa"})
        assert citation.text == apa_after[-1]

    def test_same_author_and_year_are_ordered_by_title(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        arab = {**STUDY_PMID_ONLY, "authors": [{"family": "Arab", "given": "Amir M"}]}
        for title, pmid in (("Zygomatic findings", "21838926"), ("Activity of gluteus", None)):
            study = make_study(editor, **{**arab, "title": title, "pmid": pmid})
            link(editor, SLUG, study["id"], "mentions")
        lines = references(client, "apa").text.splitlines()
        # Ordered by title within the same author and year. citeproc-py adds no year suffix
        # (2011a, 2011b), kept entries or not: each entry is what a whole-list render gives.
        assert lines == [
            "Arab, A. M. (2011). Activity of gluteus.",
            "Arab, A. M. (2011). Zygomatic findings.",
        ]


class TestCitation:
    def test_one_study_in_each_format(self, editor: httpx.Client, client: httpx.Client) -> None:
        study = make_study(editor, **STUDY_DARLOW)
        url = f"/v1/studies/{study['id']}/citation"
        apa = client.get(url)
        assert apa.text == (
            "Darlow, B., & Dowell, A. (2013). The enduring impact of what clinicians say to "
            "people with low back pain. Annals of Family Medicine. "
            "https://doi.org/10.1370/afm.1518"
        )
        ris = client.get(url, params={"format": "ris"})
        assert rispy.loads(ris.text)[0]["doi"] == "10.1370/afm.1518"
        assert_problem(client.get("/v1/studies/999/citation"), 404)


class TestClaimReview:
    def test_headline_claim_review_is_json_ld_with_every_field(
        self, client: httpx.Client, claim_with_studies: list[dict[str, Any]]
    ) -> None:
        response = client.get(f"/v1/claims/{SLUG}/claimreview")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/ld+json"
        document = response.json()
        assert document["@type"] == "ClaimReview"
        assert document["claimReviewed"] == "Sitting switches your glutes off"
        assert document["itemReviewed"]["@type"] == "Claim"
        assert document["reviewRating"] == {
            "@type": "Rating",
            "ratingValue": 2,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "Mostly refuted",
        }
        assert document["author"]["@type"] == "Organization"
        # The review's url is the fact-check page people read, not the JSON API.
        assert document["url"].endswith(f"/claims/{SLUG}")
        assert "/v1/" not in document["url"]
        for field in ("datePublished", "dateModified"):
            assert document[field][:4].isdigit()
        expanded = jsonld.expand(
            document,
            {"documentLoader": _offline_schema_context},
        )
        types = expanded[0]["@type"]
        assert types == ["http://schema.org/ClaimReview"]
        rating = expanded[0]["http://schema.org/reviewRating"][0]
        assert rating["http://schema.org/ratingValue"][0]["@value"] == 2

    def test_unproven_has_no_rating_value(self, editor: httpx.Client, client: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        assert_problem(client.get(f"/v1/claims/{SLUG}/claimreview"), 404)
        decide(editor, SLUG, "unproven", "very_low")
        rating = client.get(f"/v1/claims/{SLUG}/claimreview").json()["reviewRating"]
        assert "ratingValue" not in rating
        assert rating["alternateName"] == "Unproven"


def _offline_schema_context(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Resolve the schema.org context without a network: its vocabulary is @vocab."""
    assert url.rstrip("/") in {"https://schema.org", "http://schema.org"}
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": {"@vocab": "http://schema.org/"}},
    }
