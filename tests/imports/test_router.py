"""The bibliographic import over HTTP: the corpus, duplicates, dry runs, limits and errors."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.bibliography.test_parsers import CORPUS_TABLE, Expected, corpus_body, needs_corpus
from tests.conftest import SHARED
from tests.databases import TestDatabase
from tests.factories import STUDY_DARLOW, byline, make_study
from tests.problems import assert_problem

IMPORT = "/v1/studies/import"
MEDIA_TYPES = {
    "bibtex": "application/x-bibtex",
    "ris": "application/x-research-info-systems",
    "medline": "application/nbib",
    "csl-json": "application/vnd.citationstyles.csl+json",
}
# Records of a corpus file that repeat an earlier record of the same file (normalised title +
# year, no DOI or PMID to tell them apart): biber-examples has "A title" (2005) seven times,
# "A title" (2003) twice, "In honore Salvatoris" (2002) three times and "Higher dimensional
# algebra V" (2004) twice: 6 + 1 + 2 + 1. (The testset's "Vulvodynia" articles share titles
# and years too, but their PMIDs differ: five studies.)
IN_FILE_DUPLICATES = {"bibtex/bibtexparser-v1__biber-examples.bib": 10}
PUBMEDQA_PATH = "datasets/pubmedqa/ori_pqal_sample500.json"
PUBMEDQA = SHARED / PUBMEDQA_PATH


def post_import(
    http: httpx.Client,
    body: str | bytes,
    *,
    media_type: str = "application/x-bibtex",
    **params: str,
) -> httpx.Response:
    """Send a body to the import endpoint."""
    content = body.encode() if isinstance(body, str) else body
    return http.post(
        IMPORT, content=content, headers={"Content-Type": media_type}, params=params, timeout=120
    )


def imported(response: httpx.Response) -> dict[str, Any]:
    """Assert a 200 report and return it."""
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def import_corpus(http: httpx.Client, path: str) -> httpx.Response:
    """Send a corpus file under the media type of its folder."""
    return post_import(http, corpus_body(path), media_type=MEDIA_TYPES[path.split("/")[0]])


def statuses(report: dict[str, Any]) -> list[str]:
    """Return the status of each record."""
    return [record["status"] for record in report["records"]]


def counts(database: TestDatabase) -> tuple[int, int, int]:
    """Return the number of studies, of authors and of audit rows."""
    ((studies, authors, audit),) = database.execute(
        "SELECT (SELECT count(*) FROM studies), (SELECT count(*) FROM study_authors), "
        "(SELECT count(*) FROM audit_log)"
    )
    return studies, authors, audit


def bibtex(key: str, title: str, **fields: str) -> str:
    """Return one BibTeX entry."""
    lines = "".join(f"  {name} = {{{value}}},\n" for name, value in fields.items())
    return f"@article{{{key},\n  title = {{{title}}},\n{lines}}}\n"


@needs_corpus
class TestImportCorpus:
    @pytest.mark.parametrize("row", CORPUS_TABLE, ids=lambda row: row.path)
    def test_counts_match_the_readme_and_a_second_import_creates_nothing(
        self, editor: httpx.Client, clean_database: TestDatabase, row: Expected
    ) -> None:
        if row.unparseable:
            body = assert_problem(import_corpus(editor, row.path), 422)
            assert "no RIS records" in body["detail"]
            assert counts(clean_database)[0] == 0
            return
        duplicates = IN_FILE_DUPLICATES.get(row.path, 0)
        first = imported(import_corpus(editor, row.path))
        assert (first["created"], first["existing"], first["errors"]) == (
            row.parsed - duplicates,
            duplicates,
            row.errors,
        )
        assert [r["position"] for r in first["records"]] == list(range(1, row.readme_records + 1))
        for record in first["records"]:
            if record["status"] == "error":
                assert record["reason"].startswith(f"record {record['position']}")
            else:
                assert record["url"] == f"/v1/studies/{record['study_id']}"
        ((studies, dois, pmids),) = clean_database.execute(
            "SELECT count(*), count(doi), count(pmid) FROM studies"
        )
        assert (studies, dois, pmids) == (row.parsed - duplicates, row.dois, row.pmids)

        second = imported(import_corpus(editor, row.path))
        assert (second["created"], second["existing"], second["errors"]) == (
            0,
            row.parsed,
            row.errors,
        )
        first_ids = {r["position"]: r["study_id"] for r in first["records"] if r["study_id"]}
        assert {r["position"]: r["study_id"] for r in second["records"] if r["study_id"]} == (
            first_ids
        )
        assert counts(clean_database)[0] == row.parsed - duplicates


class TestImportStudies:
    def test_anonymous_is_401(self, client: httpx.Client) -> None:
        assert_problem(post_import(client, bibtex("a", "A title")), 401)

    def test_unknown_key_is_401(self, client: httpx.Client) -> None:
        response = client.post(
            IMPORT,
            content=bibtex("a", "A title"),
            headers={"Content-Type": "application/x-bibtex", "Authorization": "Bearer cdb_nope"},
        )
        assert_problem(response, 401)

    def test_admin_may_import(self, admin: httpx.Client) -> None:
        assert imported(post_import(admin, bibtex("a", "A title")))["created"] == 1

    def test_record_fields_become_the_study(self, editor: httpx.Client) -> None:
        body = (
            "PMID- 24218376\n"
            "TI  - The enduring impact of what clinicians say to people with low back pain.\n"
            "AB  - Advice from clinicians can have a lasting impact.\n"
            "FAU - Darlow, Ben\nFAU - Dowell, Anthony\nFAU - Baxter, G David\n"
            "DP  - 2013 Nov-Dec\nJT  - Annals of family medicine\nVI  - 11\nIP  - 6\n"
            "PG  - 527-34\nLID - 10.1370/AFM.1518 [doi]\nPMC - PMC3823723\n"
            "PT  - Journal Article\nPT  - Randomized Controlled Trial\n"
        )
        report = imported(post_import(editor, body, media_type="application/nbib"))
        (record,) = report["records"]
        assert report["format"] == "medline"
        assert record["key"] == "24218376"
        study = editor.get(record["url"]).json()
        assert study["authors"] == byline(
            [
                {"family": "Darlow", "given": "Ben"},
                {"family": "Dowell", "given": "Anthony"},
                {"family": "Baxter", "given": "G David"},
            ]
        )
        assert {k: study[k] for k in ("title", "year", "journal", "volume", "issue", "pages")} == {
            "title": "The enduring impact of what clinicians say to people with low back pain.",
            "year": 2013,
            "journal": "Annals of family medicine",
            "volume": "11",
            "issue": "6",
            "pages": "527-34",
        }
        assert (study["doi"], study["pmid"], study["pmcid"]) == (
            "10.1370/afm.1518",
            "24218376",
            "PMC3823723",
        )
        assert study["abstract"] == "Advice from clinicians can have a lasting impact."
        assert (study["publication_type"], study["design"]) == (
            "journal_article",
            "randomized_trial",
        )

    def test_design_is_left_empty_when_the_record_does_not_state_it(
        self, editor: httpx.Client
    ) -> None:
        report = imported(post_import(editor, bibtex("a", "Some trial", year="2020")))
        assert editor.get(report["records"][0]["url"]).json()["design"] is None

    def test_matches_a_stored_study_by_doi_pmid_then_title_and_year(
        self, editor: httpx.Client
    ) -> None:
        darlow = make_study(editor, **STUDY_DARLOW)
        pmid_only = make_study(editor, title="EMG of gluteus maximus", year=2011, pmid="21838925")
        untitled_twin = make_study(editor, title="Sitting and the glutes", year=2019)
        body = (
            bibtex("by-doi", "Another title entirely", doi="https://doi.org/10.1370/AFM.1518")
            + bibtex("by-pmid", "Other title", pmid="21838925")
            + bibtex("by-title", "SITTING and the glutes.", year="2019")
            + bibtex("other-year", "Sitting and the glutes", year="2020")
            + bibtex("no-doi-stored", "Sitting and the glutes", year="2019", doi="10.1000/x")
            + bibtex("other-doi", STUDY_DARLOW["title"], year="2013", doi="10.1000/other")
        )
        report = imported(post_import(editor, body))
        assert [(r["status"], r["matched_by"], r["study_id"]) for r in report["records"]] == [
            ("existing", "doi", darlow["id"]),
            ("existing", "pmid", pmid_only["id"]),
            ("existing", "title_year", untitled_twin["id"]),
            ("created", None, report["records"][3]["study_id"]),
            ("existing", "title_year", untitled_twin["id"]),  # the stored one has no DOI
            ("created", None, report["records"][5]["study_id"]),  # the DOIs differ
        ]
        assert report["records"][0]["url"] == f"/v1/studies/{darlow['id']}"
        assert report["records"][0]["duplicate_of"] is None

    def test_duplicates_inside_one_upload_count_once(
        self, editor: httpx.Client, clean_database: TestDatabase
    ) -> None:
        body = (
            bibtex("a", "Creatine and sprint time", year="2018", doi="10.1000/a", pmid="111")
            + bibtex("a-again", "A different title", doi="10.1000/A")
            + bibtex("a-pmid", "Yet another title", pmid="111")
            + bibtex("a-title", "Creatine and sprint time!", year="2018")
            + bibtex("b", "Creatine and sprint time", year="2018", doi="10.1000/b")
        )
        report = imported(post_import(editor, body))
        first_id = report["records"][0]["study_id"]
        assert [
            (r["status"], r["matched_by"], r["duplicate_of"], r["study_id"] == first_id)
            for r in report["records"]
        ] == [
            ("created", None, None, True),
            ("existing", "doi", 1, True),
            ("existing", "pmid", 1, True),
            ("existing", "title_year", 1, True),
            ("created", None, None, False),  # same title and year, but another DOI
        ]
        assert (report["created"], report["existing"], report["errors"]) == (2, 3, 0)
        assert counts(clean_database)[0] == 2

    def test_a_bad_record_does_not_stop_the_good_ones(self, editor: httpx.Client) -> None:
        body = (
            bibtex("good1", "First")
            + bibtex("bad-doi", "Second", doi="10/abc")
            + "@article{broken, title = {Unclosed\n\n"
            + bibtex("long-volume", "Third", volume="v" * 65)
            + bibtex("good2", "Fourth")
        )
        report = imported(post_import(editor, body))
        assert statuses(report) == ["created", "error", "error", "error", "created"]
        reasons = [r["reason"] for r in report["records"] if r["status"] == "error"]
        assert reasons[0] == (
            "record 2 (key 'bad-doi'): invalid DOI '10/abc': a shortDOI; "
            "give the full DOI (10.NNNN/suffix)"
        )
        assert reasons[1].startswith("record 3 (key 'broken'): not a complete BibTeX entry")
        assert reasons[2] == (
            "record 4 (key 'long-volume'): volume: String should have at most 64 characters"
        )

    def test_a_pmcid_held_by_another_study_is_an_error(self, editor: httpx.Client) -> None:
        held = make_study(editor, title="Held", pmcid="PMC123")
        report = imported(post_import(editor, bibtex("x", "Not held", pmcid="pmc123")))
        (record,) = report["records"]
        assert record["status"] == "error"
        assert record["reason"] == (
            f"record 1 (key 'x'): PMCID PMC123 already belongs to study /v1/studies/{held['id']}"
            ", whose DOI, PMID or title differ: correct the record or that study"
        )

    def test_dry_run_reports_the_same_and_writes_nothing(
        self, editor: httpx.Client, admin: httpx.Client, clean_database: TestDatabase
    ) -> None:
        make_study(editor, **STUDY_DARLOW)
        body = (
            bibtex("new", "A new study", year="2020")
            + bibtex("known", "Known", doi="10.1370/afm.1518")
            + bibtex("new-again", "A NEW study", year="2020")
            + bibtex("bad", "Bad", year="10 15")
        )
        stats_before = editor.get("/v1/stats").json()
        audit_before = admin.get("/v1/audit", params={"limit": 100}).json()
        before = counts(clean_database)
        dry = imported(post_import(editor, body, dry_run="true"))
        assert dry["dry_run"] is True
        assert counts(clean_database) == before
        assert editor.get("/v1/stats").json() == stats_before
        assert admin.get("/v1/audit", params={"limit": 100}).json() == audit_before
        assert [(r["status"], r["study_id"], r["duplicate_of"]) for r in dry["records"]] == [
            ("created", None, None),
            ("existing", 1, None),
            ("existing", None, 1),
            ("error", None, None),
        ]
        real = imported(post_import(editor, body))
        assert real["dry_run"] is False
        assert statuses(real) == statuses(dry)
        assert [r["reason"] for r in real["records"]] == [r["reason"] for r in dry["records"]]
        assert (real["created"], real["existing"], real["errors"]) == (1, 2, 1)

    def test_each_batch_is_audited_once_plus_a_row_per_study(
        self, editor: httpx.Client, admin: httpx.Client
    ) -> None:
        body = bibtex("a", "One") + bibtex("b", "Two", pmid="42") + bibtex("c", "One")
        report = imported(post_import(editor, body))
        imports = admin.get("/v1/audit", params={"entity": "study_import"}).json()["items"]
        assert len(imports) == 1
        assert imports[0]["who"] == "test-editor"
        assert imports[0]["action"] == "import"
        assert imports[0]["after"] == {
            "format": "bibtex",
            "created": 2,
            "existing": 1,
            "errors": 0,
            "dry_run": False,
            "source": "records 1-3",
        }
        created = admin.get("/v1/audit", params={"entity": "study"}).json()["items"]
        assert sorted((row["action"], row["entity_id"]) for row in created) == [
            ("create", r["study_id"]) for r in report["records"] if r["status"] == "created"
        ]
        assert created[0]["after"]["authors"] == []

    def test_an_import_that_creates_nothing_writes_no_audit_row(
        self, editor: httpx.Client, clean_database: TestDatabase
    ) -> None:
        imported(post_import(editor, bibtex("a", "One")))
        before = counts(clean_database)
        assert imported(post_import(editor, bibtex("a", "One")))["existing"] == 1
        assert counts(clean_database) == before


class TestImportFormats:
    def test_format_parameter_wins_over_the_media_type(self, editor: httpx.Client) -> None:
        ris = "TY  - JOUR\nTI  - A RIS record\nER  - \n"
        report = imported(post_import(editor, ris, media_type="text/plain", format="ris"))
        assert (report["format"], report["created"]) == ("ris", 1)
        report = imported(post_import(editor, ris, media_type="application/json", format="ris"))
        assert report["existing"] == 1

    @pytest.mark.parametrize("media_type", ["text/plain", "application/octet-stream", ""])
    def test_a_media_type_that_names_no_format_is_415(
        self, editor: httpx.Client, media_type: str
    ) -> None:
        body = assert_problem(post_import(editor, bibtex("a", "T"), media_type=media_type), 415)
        assert "format parameter" in body["detail"]

    def test_an_unknown_format_parameter_is_422(self, editor: httpx.Client) -> None:
        body = assert_problem(post_import(editor, bibtex("a", "T"), format="endnote"), 422)
        assert body["errors"][0]["loc"] == ["query", "format"]

    def test_csl_json_by_media_type_with_charset(self, editor: httpx.Client) -> None:
        item = {"id": "x", "type": "article-journal", "title": "T", "PMID": "77"}
        response = post_import(
            editor, json.dumps([item]), media_type="application/json; charset=utf-8"
        )
        assert imported(response)["records"][0]["key"] == "x"


class TestImportLimits:
    @pytest.mark.parametrize(
        ("body", "media_type", "reason"),
        [
            ("", "application/x-bibtex", "the body is empty"),
            ("just some words", "application/x-bibtex", "no BibTeX entries found"),
            ("{not json", "application/vnd.citationstyles.csl+json", "not valid JSON"),
            ("TY  - JOUR\nTI  - x\nER  - \n", "application/nbib", "no MEDLINE records found"),
        ],
    )
    def test_an_unparseable_body_is_422_with_the_reason(
        self,
        editor: httpx.Client,
        clean_database: TestDatabase,
        body: str,
        media_type: str,
        reason: str,
    ) -> None:
        problem = assert_problem(post_import(editor, body, media_type=media_type), 422)
        assert reason in problem["detail"]
        assert problem["errors"][0]["loc"] == ["body"]
        assert counts(clean_database)[0] == 0

    def test_a_body_that_is_not_utf8_is_422(self, editor: httpx.Client) -> None:
        body = bibtex("a", "M\u00fcller").encode("latin-1")
        problem = assert_problem(post_import(editor, body), 422)
        assert "not UTF-8" in problem["detail"]

    def test_more_records_than_allowed_is_422(
        self, editor: httpx.Client, clean_database: TestDatabase
    ) -> None:
        items = json.dumps([{"title": f"T{n}"} for n in range(10_001)])
        problem = assert_problem(
            post_import(editor, items, media_type="application/vnd.citationstyles.csl+json"), 422
        )
        assert "10001 records; one import takes at most 10000" in problem["detail"]
        assert counts(clean_database)[0] == 0

    def test_a_body_over_the_size_limit_is_413(
        self, editor: httpx.Client, clean_database: TestDatabase
    ) -> None:
        body = bibtex("a", "T", abstract="x" * 200_000)
        assert_problem(post_import(editor, body), 413)
        assert counts(clean_database)[0] == 0

    def test_a_streamed_body_over_the_size_limit_is_413(
        self, editor: httpx.Client, clean_database: TestDatabase
    ) -> None:
        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
            yield bibtex("a", "T").encode()
            for _ in range(25):
                yield b"%" * 10_000

        response = editor.post(
            IMPORT, content=chunks(), headers={"Content-Type": "application/x-bibtex"}
        )
        assert_problem(response, 413)
        assert counts(clean_database)[0] == 0

    @needs_corpus
    def test_the_largest_corpus_file_is_within_the_test_limit(self) -> None:
        corpus = SHARED / "corpora" / "bibliographic"
        assert max(path.stat().st_size for path in corpus.glob("*/*")) < 200_000


def pubmedqa_entries() -> dict[str, dict[str, Any]]:
    """Return the PubMedQA sample: entries by PMID."""
    entries: dict[str, dict[str, Any]] = json.loads(PUBMEDQA.read_text(encoding="utf-8"))
    return entries


def medline_record(pmid: str, entry: dict[str, Any]) -> str:
    """Return a PubMed MEDLINE record for one PubMedQA entry (the question as its title)."""
    lines = [f"PMID- {pmid}", f"TI  - {entry['QUESTION']}"]
    if entry["YEAR"]:
        lines.append(f"DP  - {entry['YEAR']}")
    abstract = " ".join(entry["CONTEXTS"])[:300]
    lines.append(f"AB  - {abstract}")
    lines += [f"MH  - {term}" for term in entry["MESHES"]]
    lines.append("PT  - Journal Article")
    return "\n".join(lines) + "\n"


@pytest.mark.shared(PUBMEDQA_PATH)
class TestImportPubMedQA:
    def test_every_pmid_is_kept(
        self, editor: httpx.Client, clean_database: TestDatabase, tmp_path: Path
    ) -> None:
        entries = pubmedqa_entries()
        assert len(entries) == 500
        pmids = list(entries)
        created = 0
        for start in range(0, len(pmids), 125):  # four bodies, each under the 200 KB limit
            chunk = pmids[start : start + 125]
            body = "\n".join(medline_record(pmid, entries[pmid]) for pmid in chunk)
            report = imported(post_import(editor, body, media_type="application/nbib"))
            assert [r["key"] for r in report["records"]] == chunk
            assert report["errors"] == 0
            created += report["created"]
        assert created == 500
        stored = {pmid for (pmid,) in clean_database.execute("SELECT pmid FROM studies")}
        assert stored == set(pmids)

        # The same articles as CSL-JSON match by PMID: nothing new.
        items = [
            {"id": pmid, "type": "article-journal", "title": entry["QUESTION"], "PMID": pmid}
            for pmid, entry in entries.items()
        ]
        report = imported(
            post_import(
                editor, json.dumps(items), media_type="application/vnd.citationstyles.csl+json"
            )
        )
        assert (report["created"], report["existing"], report["errors"]) == (0, 500, 0)
        assert {r["matched_by"] for r in report["records"]} == {"pmid"}
