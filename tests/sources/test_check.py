"""The citation check: a text's references matched to the seed's studies, field by field."""

from typing import Any

import httpx
import pytest

from tests.conftest import require_shared
from tests.databases import TestDatabase
from tests.problems import assert_problem
from tests.test_seed import ARTICLE, run_seed

# An article of our own: five seed works cited with one planted error each (year, journal,
# DOI, author, title), two cited correctly, and one work that does not exist. HTML, with a
# PubMed link in the running text, so that the check reads markup and links as well.
SECOND_ARTICLE = """<html lang="en"><body>
<h1>Do your glutes really switch off?</h1>
<p>Hip thrusts beat squats for glute EMG
(<a href="https://pubmed.ncbi.nlm.nih.gov/26214739/">Contreras et al., 2015</a>), deeper
squats load the glutes more (Caterisano et al., 2003), and office workers' glutes fall
silent after long sitting (Smith and Doe, 2019).</p>
<h2>References</h2>
<ol>
<li>Caterisano A, Moss RF, Pellinger TK, Woodruff K, Lewis VC, Booth W, Khadra T. The effect
of back squat depth on the EMG activity of 4 superficial hip and thigh muscles. J Strength
Cond Res. 2003;16(3):428-32.</li>
<li>Arab AM, Ghamkhar L, Emami M, Nourbakhsh MR. Altered muscular activation during prone hip
extension in women with and without low back pain. Man Ther. 2011;19:18.</li>
<li>Darlow, B., Dowell, A., Baxter, G. D., Mathieson, F., Perry, M., &amp; Dean, S. (2013). The
enduring impact of what clinicians say to people with low back pain. Annals of Family
Medicine, 11(6), 527&#8211;534. <a href="https://doi.org/10.1370/afm.1519">doi</a></li>
<li>Contreras B, Vigotsky AD, Schoenfeld BJ, Beardsley C, Cormie P. A comparison of gluteus
maximus, biceps femoris, and vastus lateralis electromyographic activity in the back squat
and barbell hip thrust exercises. J Appl Biomech. 2015;31(6):452-8. PMID: 26214739</li>
<li>Bates LC, Alansare A, Gibbs BB, Hanson ED, Stoner L. Effects of acute prolonged sitting and
interrupting prolonged sitting on heart rate variability and blood pressure in adults: a
meta-analysis. Front Physiol. 2021;12:664628. doi:10.3389/FPHYS.2021.664628</li>
<li>Marshall PWM, Desai I, Robbins DW. Core stability exercises in individuals with and
without chronic nonspecific low back pain. J Strength Cond Res. 2011;25(12):3404-11.
doi:10.1519/JSC.0b013e318215fc49</li>
<li>Leinonen V, Kankaanpaa M, Airaksinen O, Hanninen O. Back and hip extensor activities
during trunk flexion/extension: effects of low back pain and rehabilitation. Arch Phys Med
Rehabil. 2000;81(1):32-7.</li>
<li>Smith J, Doe A. Gluteal silence after prolonged sitting in office workers. J Occup Glute
Res. 2019;4(2):10-20.</li>
</ol>
</body></html>
"""


@pytest.fixture
def seeded(clean_database: TestDatabase, live_server: Any) -> TestDatabase:
    """Seed the empty database."""
    run_seed(clean_database)
    return clean_database


def by_text(report: dict[str, Any], start: str) -> dict[str, Any]:
    """Return the one checked reference whose text starts with ``start``."""
    found: list[dict[str, Any]] = [
        ref for ref in report["references"] if ref["text"].startswith(start)
    ]
    assert len(found) == 1, (start, [ref["text"] for ref in report["references"]])
    return found[0]


def fields(reference: dict[str, Any]) -> list[str]:
    """Return the fields a checked reference disagrees on."""
    return [item["field"] for item in reference["discrepancies"]]


def matched_title(reference: dict[str, Any]) -> str:
    """Return the title of the study a reference matched."""
    title: str = reference["match"]["study"]["title"]
    return title


def test_seed_article_against_the_seed(seeded: TestDatabase, editor: httpx.Client) -> None:
    text = require_shared(ARTICLE).read_text(encoding="utf-8")
    response = editor.post(
        "/v1/sources/check", content=text, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 200, response.text
    report = response.json()

    marshall = by_text(report, "Marshall PW & Murphy BA.")
    assert matched_title(marshall).startswith("Core Stability Exercises")
    assert marshall["discrepancies"] == [
        {
            "field": "authors",
            "cited": "Marshall PW, Murphy BA",
            "recorded": "Marshall PWM, Desai I, Robbins DW",
        }
    ]
    leinonen = by_text(report, "Leinonen V et al.")
    assert matched_title(leinonen).startswith("Back and hip extensor activities")
    assert leinonen["discrepancies"] == [
        {
            "field": "journal",
            "cited": "Clin Biomech",
            "recorded": "Archives of Physical Medicine and Rehabilitation",
        }
    ]
    darlow = by_text(report, "Darlow B et al.")
    assert darlow["discrepancies"] == [
        {"field": "journal", "cited": "Arthritis Care Res", "recorded": "Annals of Family Medicine"}
    ]
    mcgowan = by_text(report, "McGowan E et al.")
    # Matched by its title to the review it names (Bates 2021), the authors and the journal wrong.
    assert matched_title(mcgowan).startswith("Effects of Acute Prolonged Sitting")
    assert mcgowan["match"]["matched_by"] == "title"
    assert fields(mcgowan) == ["authors", "journal"]

    correct = {
        "Greg Lehman.": "Have the butt muscles of the world gone silent?",
        "Caterisano A et al.": "The effect of back squat depth on the EMG activity",
        "Contreras B. Squats versus hip thrusts": "Squats Versus Hip Thrusts Part I",
        "Emami et al (2014)": "[Gluteus maximus activation in athletes",
        "Arab, Emami et al (2011)": "Altered muscular activation during prone hip extension",
    }
    for start, title in correct.items():
        reference = by_text(report, start)
        assert matched_title(reference).startswith(title), start
        assert reference["discrepancies"] == [], start
    assert by_text(report, "Emami et al (2014)")["found_in"] == "text"
    assert report["summary"] == {
        "references": 9,
        "matched": 9,
        "with_discrepancies": 4,
        "unmatched": 0,
    }


def test_second_article_every_planted_error_on_its_field(
    seeded: TestDatabase, editor: httpx.Client
) -> None:
    response = editor.post("/v1/sources/check", json={"text": SECOND_ARTICLE})
    assert response.status_code == 200, response.text
    report = response.json()
    expected = {
        "Caterisano A, Moss RF": ("title", ["year"]),
        "Arab AM, Ghamkhar L": ("title", ["journal"]),
        "Darlow, B., Dowell, A.": ("title", ["doi"]),
        "Contreras B, Vigotsky AD": ("pmid", ["authors"]),
        "Bates LC, Alansare A": ("doi", ["title"]),
        "Marshall PWM, Desai I": ("doi", []),
        "Leinonen V, Kankaanpaa M": ("title", []),
    }
    for start, (matched_by, wrong) in expected.items():
        reference = by_text(report, start)
        assert reference["match"] is not None, start
        assert reference["match"]["matched_by"] == matched_by, start
        assert fields(reference) == wrong, start
    assert by_text(report, "Caterisano A")["discrepancies"][0] == {
        "field": "year",
        "cited": "2003",
        "recorded": "2002",
    }
    assert by_text(report, "Darlow, B.")["discrepancies"][0]["cited"] == "10.1370/afm.1519"
    contreras = by_text(report, "Contreras B, Vigotsky AD")["discrepancies"][0]
    assert "Cormie" in contreras["cited"]
    assert "Cronin" in contreras["recorded"]
    assert by_text(report, "Smith J, Doe A.")["match"] is None
    # The running text cites three works of the list (one through a PubMed link): each is
    # reported once, as its list entry.
    assert [ref["found_in"] for ref in report["references"]] == ["reference_list"] * 8
    assert report["summary"] == {
        "references": 8,
        "matched": 7,
        "with_discrepancies": 5,
        "unmatched": 1,
    }


class TestCheckRequests:
    def test_anonymous_is_401(self, client: httpx.Client) -> None:
        assert_problem(client.post("/v1/sources/check", json={"text": "x"}), 401)

    def test_empty_or_odd_media_type_is_a_problem(self, editor: httpx.Client) -> None:
        assert_problem(editor.post("/v1/sources/check", json={"text": "  "}), 422)
        assert_problem(editor.post("/v1/sources/check", json={"txt": "x"}), 422)
        odd = editor.post("/v1/sources/check", content=b"x", headers={"Content-Type": "image/png"})
        assert_problem(odd, 415)
        latin1 = editor.post(
            "/v1/sources/check", content=b"caf\xe9", headers={"Content-Type": "text/plain"}
        )
        assert_problem(latin1, 422)

    def test_text_without_citations_reports_none(self, editor: httpx.Client) -> None:
        report = editor.post("/v1/sources/check", json={"text": "In 2019 I sat a lot."}).json()
        assert report["references"] == []
        assert report["summary"]["references"] == 0

    def test_save_records_the_text_as_a_source(
        self, seeded: TestDatabase, editor: httpx.Client, client: httpx.Client
    ) -> None:
        assert_problem(
            editor.post("/v1/sources/check", params={"save": "true"}, json={"text": "x"}), 422
        )
        response = editor.post(
            "/v1/sources/check",
            params={
                "save": "true",
                "title": "Do your glutes switch off?",
                "url": "https://e.org/a",
            },
            json={"text": SECOND_ARTICLE},
        )
        assert response.status_code == 201, response.text
        location = response.headers["location"]
        assert response.json()["source"] == location
        source = client.get(location).json()
        assert source["title"] == "Do your glutes switch off?"
        assert len(source["citations"]) == 7
        assert source["citations"][0]["statement"].startswith("Caterisano A, Moss RF")
