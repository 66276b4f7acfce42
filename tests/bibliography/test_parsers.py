"""The bibliographic importer against the shared corpus and its README, plus the normalisers."""

from dataclasses import dataclass

import pytest

from app.bibliography import (
    ImportFormat,
    ParsedAuthor,
    ParsedRecord,
    RecordError,
    Result,
    TooManyRecords,
    UnparseableBody,
    detect_format,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
    normalize_title,
    parse,
)
from app.vocabularies import Design, PublicationType
from tests.conftest import SHARED

CORPUS_PATH = "corpora/bibliographic"
CORPUS = SHARED / CORPUS_PATH
# Marks the tests that read the third-party corpus: skipped in a bare clone, required in CI.
needs_corpus = pytest.mark.shared(CORPUS_PATH)
FORMATS = {
    "bibtex": ImportFormat.bibtex,
    "ris": ImportFormat.ris,
    "medline": ImportFormat.medline,
    "csl-json": ImportFormat.csl_json,
}


@dataclass(frozen=True)
class Expected:
    """One corpus file: the README's counts, and what the importer makes of the file.

    ``readme_*`` are the README table's columns. ``parsed``/``errors`` split the records into
    studies and per-record errors, ``dois``/``pmids`` count the parsed studies that carry one.
    ``*_in_errors`` are the README's DOIs/PMIDs that sit in records the importer rejects, so
    that README = parsed + in errors, column by column.
    """

    path: str
    readme_records: int
    readme_dois: int
    readme_pmids: int
    parsed: int
    errors: int
    dois: int
    pmids: int
    label: str = ""  # the README's MALFORMED / EDGE marks
    dois_in_errors: int = 0
    pmids_in_errors: int = 0
    unparseable: bool = False


CORPUS_TABLE = [
    # bibtex/
    Expected("bibtex/jabref__Chocolate.bib", 15, 15, 0, 15, 0, 15, 0),
    Expected("bibtex/synthesisr__Scopus_bib_example.bib", 3, 3, 0, 3, 0, 3, 0),
    Expected("bibtex/manubot__bibliography.bib", 2, 1, 0, 2, 0, 1, 0),
    Expected("bibtex/bibtexparser-v1__features2.bib", 1, 0, 0, 1, 0, 0, 0),
    # 21 errors: tmn4 defined twice, and 20 entries (@set, alias, pages1-9, ...) with no title.
    Expected("bibtex/bibtexparser-v1__biber-examples.bib", 118, 2, 0, 97, 21, 2, 0, "EDGE"),
    Expected("bibtex/zotero-better-bibtex__round-braces-871.bib", 1, 0, 0, 1, 0, 0, 0),
    Expected("bibtex/zotero-better-bibtex__percent-sign-95-preamble-96.bib", 1, 1, 0, 1, 0, 1, 0),
    Expected("bibtex/zotero-better-bibtex__jabref-groups-lost-1730-5.bib", 4, 4, 0, 4, 0, 4, 0),
    Expected(
        "bibtex/renanbr-bibtex-parser__invalid__brace-missing.bib", 1, 0, 0, 0, 1, 0, 0, "MALFORMED"
    ),
    Expected(
        "bibtex/renanbr-bibtex-parser__invalid__multiple-braced-tag-contents.bib",
        *(1, 0, 0, 0, 1, 0, 0, "MALFORMED"),
    ),
    # ris/
    Expected("ris/citesource__pubmed_46.ris", 46, 45, 0, 46, 0, 45, 0),
    Expected("ris/asreview__embase.ris", 6, 6, 3, 6, 0, 6, 3),
    Expected("ris/asreview__ovid_psycinfo.ris", 6, 6, 0, 6, 0, 6, 0),
    Expected("ris/asreview__ris_issue_992.txt", 19, 3, 2, 19, 0, 3, 2),
    # One record per RIS type and none has a title: 61 errors.
    Expected("ris/asreview__baseline_reference_types.ris", 61, 0, 0, 0, 61, 0, 0, "EDGE"),
    Expected("ris/iqwig-searchbuildr__testset_ris.txt", 32, 25, 32, 32, 0, 25, 32),
    Expected("ris/rispy__example_empty_tag.ris", 1, 1, 0, 1, 0, 1, 0),
    # The same title-less record three times: three identical errors.
    Expected("ris/rispy__example_multiline.ris", 3, 0, 0, 0, 3, 0, 0, "EDGE"),
    Expected(
        "ris/jabref__RisImporterCorrupted.ris", 0, 0, 0, 0, 0, 0, 0, "MALFORMED", unparseable=True
    ),
    Expected("ris/asreview__faulty_year.ris", 1, 0, 0, 0, 1, 0, 0, "MALFORMED"),
    # medline/
    Expected("medline/biopython__pubmed_result1.txt", 1, 0, 1, 1, 0, 0, 1),
    Expected("medline/biopython__pubmed_result2.txt", 4, 3, 4, 4, 0, 3, 4),
    Expected("medline/biopython__pubmed_result3.txt", 1, 1, 1, 1, 0, 1, 1),
    Expected("medline/iqwig-searchbuildr__testset_pubmed.txt", 10, 10, 10, 10, 0, 10, 10),
    Expected("medline/synthesisr__res_synth_methods.txt", 2, 2, 2, 2, 0, 2, 2),
    Expected("medline/manubot__bibliography.nbib", 2, 2, 2, 2, 0, 2, 2),
    Expected("medline/jabref__NbibImporterTest.nbib", 1, 1, 1, 1, 0, 1, 1, "EDGE"),
    # The PubMed record and the PMCR record parse; the no-PMID record and 4 stubs have no title.
    Expected(
        "medline/jabref__MedlinePlainImporterTestMultipleEntries.txt",
        *(7, 0, 1, 2, 5, 0, 1, "MALFORMED"),
    ),
    Expected(
        "medline/jabref__MedlinePlainImporterStringOutOfBounds.txt",
        *(2, 0, 2, 2, 0, 0, 2, "MALFORMED"),
    ),
    # csl-json/
    Expected("csl-json/manubot__input-bibliography.json", 3, 3, 2, 3, 0, 3, 2),
    Expected("csl-json/manubot__bibliography.json", 2, 1, 1, 2, 0, 1, 1),
    Expected("csl-json/manubot__crossref-deep-review-csl.raw.json", 1, 1, 1, 1, 0, 1, 1),
    Expected("csl-json/manubot__crossref-winter-scabs-csl.raw.json", 1, 1, 0, 1, 0, 1, 0),
    Expected("csl-json/manubot__empty-date-parts-csl.raw.json", 1, 1, 0, 1, 0, 1, 0, "EDGE"),
    # Type "entry" with no title: rejected, with its DOI.
    Expected(
        "csl-json/manubot__null-date-parts-csl.raw.json",
        *(1, 1, 0, 0, 1, 0, 0, "EDGE"),
        dois_in_errors=1,
    ),
    Expected("csl-json/manubot__excess-date-parts-csl.raw.json", 1, 0, 0, 0, 1, 0, 0, "MALFORMED"),
    # 15 shortDOIs: 12 records also have a doi.org URL with the full DOI, 3 do not and are
    # rejected (one of them is the BMJ item with the only PMID).
    Expected(
        "csl-json/zotero-better-bibtex__fields-to-omit-1179.csl.json",
        *(26, 15, 1, 23, 3, 12, 0),
        dois_in_errors=3,
        pmids_in_errors=1,
    ),
    # BC years (-334, -100) are outside 1000-2100.
    Expected(
        "csl-json/zotero-better-bibtex__date-export-360-811.csl.json", 15, 0, 0, 13, 2, 0, 0, "EDGE"
    ),
    # Years -1, -12, 11, -2012 are outside 1000-2100; the two 2017 items parse.
    Expected(
        "csl-json/zotero-better-bibtex__season-ranges-860.csl.json", 6, 0, 0, 2, 4, 0, 0, "EDGE"
    ),
]

# Every error the corpus gives, apart from biber-examples' 20 title-less entries.
EXPECTED_ERRORS: dict[str, list[str]] = {
    "bibtex/renanbr-bibtex-parser__invalid__brace-missing.bib": [
        "record 1: not a complete BibTeX entry (line 1), starting '@braceMissing {': "
        "Expected comma after entry key, but found ="
    ],
    "bibtex/renanbr-bibtex-parser__invalid__multiple-braced-tag-contents.bib": [
        "record 1: not a complete BibTeX entry (line 1), starting "
        "'@multipleBracedTagContents {': Expected comma after entry key, but found ="
    ],
    "ris/asreview__faulty_year.ris": [
        "record 1: invalid year '10 15': expected a year such as 2019",
    ],
    "ris/asreview__baseline_reference_types.ris": [f"record {n}: no title" for n in range(1, 62)],
    "ris/rispy__example_multiline.ris": [f"record {n}: no title" for n in (1, 2, 3)],
    "medline/jabref__MedlinePlainImporterTestMultipleEntries.txt": [
        "record 2: no title; invalid PMCID '22664230': expected PMC followed by 1 to 9 digits",
        "record 4 (key '22664220'): no title",
        "record 5 (key '22664238'): no title",
        "record 6 (key '96578310'): no title",
        "record 7 (key '45984220'): no title",
    ],
    "csl-json/manubot__null-date-parts-csl.raw.json": [
        "record 1 (key 'WDvu1SAV'): no title",
    ],
    "csl-json/manubot__excess-date-parts-csl.raw.json": [
        "record 1 (key 'excess-date-parts-csl'): no title",
    ],
    "csl-json/zotero-better-bibtex__fields-to-omit-1179.csl.json": [
        f"record {n} (key {key!r}): invalid DOI {doi!r}: a shortDOI; "
        "give the full DOI (10.NNNN/suffix)"
        for n, key, doi in (
            (6, "fink2015", "10/gfzrww"),
            (16, "messner1988", "10/gfzrwv"),
            (24, "tannenbaum2019", "10/gfzxgh"),
        )
    ],
    "csl-json/zotero-better-bibtex__date-export-360-811.csl.json": [
        "record 14 (key 't5'): year -334 is outside 1000-2100",
        "record 15 (key 't6'): year -100 is outside 1000-2100",
    ],
    "csl-json/zotero-better-bibtex__season-ranges-860.csl.json": [
        "record 1 (key '00002100002400'): year -1 is outside 1000-2100",
        "record 2 (key '001121001222-11'): year -12 is outside 1000-2100",
        "record 3 (key '00112100122211'): year 11 is outside 1000-2100",
        "record 4 (key '201121201222-2011'): year -2012 is outside 1000-2100",
    ],
}
BIBER_UNTITLED = [2, 3, 4, 100, 101, 102, 103, 104, *range(106, 116), 117, 118]


def corpus_body(path: str) -> str:
    """Return a corpus file's text."""
    return (CORPUS / path).read_text(encoding="utf-8")


def parse_corpus(path: str) -> list[Result]:
    """Parse a corpus file in the format of its folder."""
    return parse(corpus_body(path), FORMATS[path.split("/")[0]], max_records=1000)


def studies(results: list[Result]) -> list[ParsedRecord]:
    """Return the parsed records."""
    return [r for r in results if isinstance(r, ParsedRecord)]


def errors(results: list[Result]) -> list[RecordError]:
    """Return the record errors."""
    return [r for r in results if isinstance(r, RecordError)]


class TestCorpusTable:
    @needs_corpus
    def test_covers_every_corpus_file(self) -> None:
        on_disk = {
            f"{p.parent.name}/{p.name}" for p in CORPUS.glob("*/*") if p.parent.name in FORMATS
        }
        assert on_disk == {row.path for row in CORPUS_TABLE}
        assert len(CORPUS_TABLE) == 39

    def test_readme_summary_totals(self) -> None:
        totals = {
            fmt: tuple(
                sum(getattr(r, column) for r in CORPUS_TABLE if r.path.startswith(f"{fmt}/"))
                for column in ("readme_records", "readme_dois", "readme_pmids")
            )
            for fmt in FORMATS
        }
        assert totals == {
            "bibtex": (147, 26, 0),
            "ris": (175, 86, 37),
            "medline": (30, 19, 24),
            "csl-json": (57, 23, 5),
        }

    def test_readme_labels(self) -> None:
        labelled = {row.path.split("/")[1]: row.label for row in CORPUS_TABLE if row.label}
        assert labelled == {
            "bibtexparser-v1__biber-examples.bib": "EDGE",
            "renanbr-bibtex-parser__invalid__brace-missing.bib": "MALFORMED",
            "renanbr-bibtex-parser__invalid__multiple-braced-tag-contents.bib": "MALFORMED",
            "asreview__baseline_reference_types.ris": "EDGE",
            "rispy__example_multiline.ris": "EDGE",
            "jabref__RisImporterCorrupted.ris": "MALFORMED",
            "asreview__faulty_year.ris": "MALFORMED",
            "jabref__NbibImporterTest.nbib": "EDGE",
            "jabref__MedlinePlainImporterTestMultipleEntries.txt": "MALFORMED",
            "jabref__MedlinePlainImporterStringOutOfBounds.txt": "MALFORMED",
            "manubot__empty-date-parts-csl.raw.json": "EDGE",
            "manubot__null-date-parts-csl.raw.json": "EDGE",
            "manubot__excess-date-parts-csl.raw.json": "MALFORMED",
            "zotero-better-bibtex__date-export-360-811.csl.json": "EDGE",
            "zotero-better-bibtex__season-ranges-860.csl.json": "EDGE",
        }

    @pytest.mark.parametrize("row", CORPUS_TABLE, ids=lambda row: row.path)
    def test_reconciles_with_readme(self, row: Expected) -> None:
        assert row.parsed + row.errors == row.readme_records
        assert row.dois + row.dois_in_errors == row.readme_dois
        assert row.pmids + row.pmids_in_errors == row.readme_pmids


@needs_corpus
class TestParseCorpus:
    @pytest.mark.parametrize("row", CORPUS_TABLE, ids=lambda row: row.path)
    def test_counts(self, row: Expected) -> None:
        if row.unparseable:
            with pytest.raises(UnparseableBody):
                parse_corpus(row.path)
            return
        results = parse_corpus(row.path)
        parsed = studies(results)
        assert [r.position for r in results] == list(range(1, row.readme_records + 1))
        assert (len(parsed), len(errors(results))) == (row.parsed, row.errors)
        assert sum(1 for r in parsed if r.study.doi) == row.dois
        assert sum(1 for r in parsed if r.study.pmid) == row.pmids

    @pytest.mark.parametrize("path", sorted(EXPECTED_ERRORS))
    def test_errors(self, path: str) -> None:
        assert [e.reason for e in errors(parse_corpus(path))] == EXPECTED_ERRORS[path]

    def test_every_file_with_errors_has_them_listed(self) -> None:
        with_errors = {row.path for row in CORPUS_TABLE if row.errors}
        assert with_errors == {*EXPECTED_ERRORS, "bibtex/bibtexparser-v1__biber-examples.bib"}

    def test_biber_duplicate_key_and_untitled_entries(self) -> None:
        found = errors(parse_corpus("bibtex/bibtexparser-v1__biber-examples.bib"))
        assert [e.position for e in found] == sorted([*BIBER_UNTITLED, 98])
        duplicate = next(e for e in found if e.position == 98)
        assert duplicate.key == "tmn4"
        assert duplicate.reason == (
            "record 98 (key 'tmn4'): key 'tmn4' (line 1543) is already used by the entry at "
            "line 1535"
        )
        assert all(e.reason.endswith(": no title") for e in found if e.position != 98)

    def test_ris_corrupted_file_is_not_ris(self) -> None:
        with pytest.raises(UnparseableBody) as caught:
            parse_corpus("ris/jabref__RisImporterCorrupted.ris")
        assert "no RIS records" in caught.value.reason

    @pytest.mark.parametrize("row", CORPUS_TABLE, ids=lambda row: row.path)
    def test_other_formats_reject_the_body(self, row: Expected) -> None:
        body = corpus_body(row.path)
        for fmt in ImportFormat:
            if fmt is not FORMATS[row.path.split("/")[0]]:
                with pytest.raises(UnparseableBody):
                    parse(body, fmt, max_records=1000)


@needs_corpus
class TestCorpusFields:
    def test_bibtex_macros_and_concatenation(self) -> None:
        (record,) = studies(parse_corpus("bibtex/bibtexparser-v1__features2.bib"))
        assert record.key == "mykey"
        assert record.study.title == "Cool Stuff"
        assert record.study.authors == (ParsedAuthor("Doe", "John"),)
        assert (record.study.pages, record.study.year) == ("1-10", 2014)

    def test_bibtex_round_braces_and_string_in_author(self) -> None:
        (record,) = studies(parse_corpus("bibtex/zotero-better-bibtex__round-braces-871.bib"))
        assert record.study.title == "The CONNIVER Reference Manual"
        assert record.study.authors == (
            ParsedAuthor("McDermott", "Drew V."),
            ParsedAuthor("Sussman", "Gerald J."),
        )
        assert record.study.publication_type is PublicationType.report

    def test_bibtex_biblatex_fields_entities_and_suffix(self) -> None:
        parsed = studies(parse_corpus("bibtex/jabref__Chocolate.bib"))
        ding = next(r.study for r in parsed if r.key == "Ding_2006")
        assert (ding.journal, ding.year) == ("Nutrition & Metabolism", 2006)
        fulton = next(r.study for r in parsed if r.key == "Fulton_1969")
        assert fulton.title == "Effect of Chocolate on Acne Vulgaris"
        assert fulton.authors[0] == ParsedAuthor("Fulton", "James E.", suffix="Jr.")
        parker = next(r.study for r in parsed if r.key == "Parker_2006")
        assert (parker.issue, parker.pages) == ("2-3", "149-159")
        corti = next(r.study for r in parsed if r.key == "Corti_2009")
        assert corti.authors[3] == ParsedAuthor("L\u00fcscher", "Thomas F.")

    def test_bibtex_scopus_duplicate_field_and_url_kept_verbatim(self) -> None:
        parsed = studies(parse_corpus("bibtex/synthesisr__Scopus_bib_example.bib"))
        assert [r.key for r in parsed] == ["Li2020", "Cao2020", "Tang2020"]
        assert parsed[0].study.url is not None
        assert "&doi=10.1080%2f20964129.2020.1722034&partnerID=40" in parsed[0].study.url

    def test_bibtex_percent_sign_is_text(self) -> None:
        (record,) = studies(
            parse_corpus("bibtex/zotero-better-bibtex__percent-sign-95-preamble-96.bib")
        )
        assert record.study.abstract is not None
        assert "reduction of about 50% in a narrow" in record.study.abstract

    def test_ris_identifiers(self) -> None:
        embase = studies(parse_corpus("ris/asreview__embase.ris"))
        assert [r.study.pmid for r in embase] == [
            None,
            "15368318",
            None,
            "30396417",
            "21218094",
            None,
        ]
        ovid = studies(parse_corpus("ris/asreview__ovid_psycinfo.ris"))
        assert ovid[0].study.doi == "10.1002/cpp.2398"
        assert ovid[0].study.pages is None  # "No Pagination Specified"
        rayyan = studies(parse_corpus("ris/asreview__ris_issue_992.txt"))
        assert [r.study.pmid for r in rayyan if r.study.pmid] == ["23162881", "24584310"]

    def test_ris_bookshelf_record_takes_the_export_database(self) -> None:
        parsed = studies(parse_corpus("ris/iqwig-searchbuildr__testset_ris.txt"))
        chapter = next(r.study for r in parsed if r.study.title == "Lisinopril")
        assert (chapter.pmid, chapter.publication_type) == ("29489196", PublicationType.book)
        assert chapter.journal is None

    def test_ris_multiline_records_read_alike(self) -> None:
        body = corpus_body("ris/rispy__example_multiline.ris").replace(
            "N1  - first line", "TI  - A title\nN1  - first line"
        )
        parsed = studies(parse(body, ImportFormat.ris, max_records=10))
        assert len(parsed) == 3
        assert parsed[0].study == parsed[1].study == parsed[2].study
        assert (
            parsed[0].study.abstract
            == "first line, ER then second line and at the end the last line"
        )

    def test_medline_fields_and_design(self) -> None:
        parsed = studies(parse_corpus("medline/iqwig-searchbuildr__testset_pubmed.txt"))
        first = parsed[0].study
        assert (first.pmid, first.doi, first.year) == (
            "32355269",
            "10.1038/s41572-020-0164-2",
            2020,
        )
        assert first.authors[0] == ParsedAuthor("Bergeron", "Sophie")
        assert (first.publication_type, first.design) == (
            PublicationType.review_article,
            Design.narrative_review,
        )
        fourth = parsed[3].study
        assert (fourth.doi, fourth.pmcid) == ("10.3390/ijerph18126639", "PMC8296499")

    def test_medline_mononym_and_repaired_lines(self) -> None:
        (nbib,) = studies(parse_corpus("medline/jabref__NbibImporterTest.nbib"))
        assert ParsedAuthor("Selvamani", None) in nbib.study.authors
        repaired = studies(
            parse_corpus("medline/jabref__MedlinePlainImporterStringOutOfBounds.txt")
        )
        assert [(r.study.pmid, r.study.title) for r in repaired] == [
            ("27433151", "This is a test title"),
            ("27394443", "This is also a test title"),
        ]

    def test_medline_multiple_entries(self) -> None:
        results = parse_corpus("medline/jabref__MedlinePlainImporterTestMultipleEntries.txt")
        first, pmcr = studies(results)
        assert (first.study.pmid, first.study.pmcid) == ("20481061", "PMC4513071")
        assert pmcr.study.title.startswith("This is a Testtitle This title should be appended:")
        assert (pmcr.study.year, pmcr.study.publication_type) == (2010, PublicationType.book)
        # "PMID-22664220" loses no digit to Biopython's fixed columns.
        assert [e.key for e in errors(results)][1:] == [
            "22664220",
            "22664238",
            "96578310",
            "45984220",
        ]

    def test_csl_json_dates_and_names(self) -> None:
        (empty,) = studies(parse_corpus("csl-json/manubot__empty-date-parts-csl.raw.json"))
        assert empty.study.year is None
        (winter,) = studies(parse_corpus("csl-json/manubot__crossref-winter-scabs-csl.raw.json"))
        assert winter.study.authors == (ParsedAuthor("WINTER", "GEORGE D."),)
        assert (winter.study.year, winter.study.pages) == (1962, "293-294")
        parsed = studies(
            parse_corpus("csl-json/zotero-better-bibtex__date-export-360-811.csl.json")
        )
        years = {r.key: r.study.year for r in parsed}
        assert (years["t3"], years["t2"], years["doe7_politics_1985"]) == (2014, None, 1985)

    def test_csl_json_shortdoi_falls_back_to_doi_url(self) -> None:
        parsed = studies(
            parse_corpus("csl-json/zotero-better-bibtex__fields-to-omit-1179.csl.json")
        )
        brittain = next(r.study for r in parsed if r.key == "brittain2004")
        assert brittain.doi == "10.1177/0193723504268729"
        semenya = next(r.study for r in parsed if r.key == "courtofarbitrationforsport2019")
        assert semenya.authors == (
            ParsedAuthor("Court of Arbitration for Sport", None, literal=True),
        )
        assert semenya.publication_type is PublicationType.web_page

    def test_csl_json_markup_removed(self) -> None:
        first = studies(parse_corpus("csl-json/manubot__bibliography.json"))[0].study
        assert first.abstract is not None
        assert "<jats" not in first.abstract
        assert first.abstract.startswith("The website Sci-Hub enables users")


class TestParseBodies:
    def test_empty_body_is_unparseable(self) -> None:
        for fmt in ImportFormat:
            with pytest.raises(UnparseableBody, match="empty"):
                parse("\ufeff \n\t", fmt, max_records=10)

    @pytest.mark.parametrize("body", ["{not json", "42", '"text"', "[]"])
    def test_csl_json_that_is_not_items_is_unparseable(self, body: str) -> None:
        with pytest.raises(UnparseableBody):
            parse(body, ImportFormat.csl_json, max_records=10)

    def test_csl_json_single_object_and_non_object_items(self) -> None:
        (single,) = parse(
            '{"id": "x", "title": "T", "type": "book"}', ImportFormat.csl_json, max_records=1
        )
        assert isinstance(single, ParsedRecord)
        assert single.study.publication_type is PublicationType.book
        results = parse('[{"title": "T"}, 3]', ImportFormat.csl_json, max_records=10)
        assert isinstance(results[0], ParsedRecord)
        assert results[1] == RecordError(2, None, "record 2: not a CSL-JSON item object but int")

    def test_too_many_records(self) -> None:
        body = "\n".join(f"@misc{{k{n}, title={{T{n}}}}}" for n in range(3))
        with pytest.raises(TooManyRecords) as caught:
            parse(body, ImportFormat.bibtex, max_records=2)
        assert (caught.value.count, caught.value.max_records) == (3, 2)
        assert isinstance(caught.value, UnparseableBody)
        assert len(parse(body, ImportFormat.bibtex, max_records=3)) == 3

    def test_bibtex_bad_entries_do_not_stop_good_ones(self) -> None:
        body = r"""
@article{a, title={One}, doi={10.1000/x}, doi={10.1234/y}}
@article{b, title={Two}, author={Doe, John, Jr, Extra}}
@article{c, title={Three}, note={x}, note={y}, year={2001}}
@string{foo = {Bar}}
@article{d, title={Four \& {DNA} {\"u}ber 50% done}, author={{World Health Organization}
  and M{\"u}ller, Hans and others}, journal={arXiv}, year={2020}, pages={1--5}}
@article{e, title={Five}, pmid={abc}}
@misc{f, title={Six}, url={https://doi.org/10.1234/ZZ%2F1}}
"""
        results = parse(body, ImportFormat.bibtex, max_records=10)
        assert [type(r).__name__ for r in results] == [
            "RecordError",
            "RecordError",
            "ParsedRecord",
            "ParsedRecord",
            "RecordError",
            "ParsedRecord",
        ]
        reasons = [r.reason for r in errors(results)]
        assert reasons[0] == (
            "record 1 (key 'a'): field doi is given twice with different values (line 2)"
        )
        assert reasons[1].startswith("record 2 (key 'b'): cannot read the entry (line 3): ")
        assert reasons[2] == "record 5 (key 'e'): invalid PMID 'abc': expected 1 to 9 digits"
        four = studies(results)[1].study
        assert four.title == "Four & DNA \u00fcber 50% done"
        assert four.authors == (
            ParsedAuthor("World Health Organization", None, literal=True),
            ParsedAuthor("M\u00fcller", "Hans"),
        )
        assert (four.publication_type, four.pages) == (PublicationType.preprint, "1-5")
        assert studies(results)[2].study.doi == "10.1234/zz/1"

    def test_ris_record_rispy_cannot_read_alone_does_not_stop_the_file(self) -> None:
        # rispy.loads on the whole body raises KeyError('title') for the second record.
        body = (
            "TY  - JOUR\nTI  - First\nER  - \n\nTY  - JOUR\ncontinued text\nTI  - Second\n"
            "ER  - \n\nAU  - Orphan\nER  - \n\nTY  - JOUR\nTI  - Third\nER  - \n"
        )
        results = parse(body, ImportFormat.ris, max_records=10)
        assert [r.study.title for r in studies(results)] == ["First", "Second", "Third"]
        assert errors(results) == [
            RecordError(3, None, "record 3: no 'TY  -' line: the record's first line is missing")
        ]

    def test_medline_stray_continuation_does_not_stop_the_file(self) -> None:
        # Bio.Medline.parse on the whole body raises KeyError('TI').
        body = "PMID- 1\nTI  - First\n\n      stray continuation\nPMID- 2\nTI  - Second\n"
        results = parse(body, ImportFormat.medline, max_records=10)
        assert [(r.study.pmid, r.study.title) for r in studies(results)] == [
            ("1", "First"),
            ("2", "Second"),
        ]

    def test_year_rules(self) -> None:
        records = [
            "PY  - 2019//",
            "PY  - In press",
            "PY  - 10 15",
            "PY  - 0999",
            "DA  - 2018/09//x",
        ]
        body = "".join(
            f"TY  - JOUR\nTI  - T{n}\n{line}\nER  - \n" for n, line in enumerate(records)
        )
        results = parse(body, ImportFormat.ris, max_records=10)
        assert [r.study.year if isinstance(r, ParsedRecord) else r.reason for r in results] == [
            2019,
            None,
            "record 3: invalid year '10 15': expected a year such as 2019",
            "record 4: year 999 is outside 1000-2100",
            2018,
        ]

    def test_invalid_identifiers_are_errors(self) -> None:
        body = (
            "TY  - JOUR\nTI  - Bad DOI\nDO  - 10.12/x\nER  - \n"
            "TY  - JOUR\nTI  - Good\nDO  - https://doi.org/10.1000/ABC\nER  - \n"
        )
        bad, good = parse(body, ImportFormat.ris, max_records=10)
        assert bad == RecordError(
            1, None, "record 1: invalid DOI '10.12/x': expected 10.NNNN/suffix"
        )
        assert isinstance(good, ParsedRecord)
        assert good.study.doi == "10.1000/abc"

    def test_medline_design_from_publication_types(self) -> None:
        body = (
            "PMID- 10\nTI  - A trial\nPT  - Journal Article\nPT  - Randomized Controlled Trial\n"
            "\nPMID- 11\nTI  - A review\nPT  - Review\nPT  - Systematic Review\n"
            "PT  - Meta-Analysis\n\nPMID- 12\nTI  - A case\nPT  - Case Reports\n"
            "\nPMID- 13\nTI  - Cohort\nPT  - Observational Study\nTA  - BMJ\n"
            "\nPMID- 14\nTI  - Preprint\nPT  - Preprint\n"
        )
        found = [
            (r.study.publication_type, r.study.design)
            for r in studies(parse(body, ImportFormat.medline, max_records=10))
        ]
        assert found == [
            (PublicationType.journal_article, Design.randomized_trial),
            (PublicationType.review_article, Design.meta_analysis),
            (PublicationType.other, Design.case_report),
            (PublicationType.journal_article, None),
            (PublicationType.preprint, None),
        ]


class TestNormalizeDoi:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("10.1000/XYZ.123", "10.1000/xyz.123"),
            ("  https://doi.org/10.1038/NBT.3780 ", "10.1038/nbt.3780"),
            ("http://dx.doi.org/10.1177/2325967120950040", "10.1177/2325967120950040"),
            ("https://dx.doi.org/10.1002%2Fcpp.2398", "10.1002/cpp.2398"),
            ("doi:10.1016/j.cpr.2005.02.002", "10.1016/j.cpr.2005.02.002"),
            ("DOI: 10.1016/J.CPR.2005.02.002", "10.1016/j.cpr.2005.02.002"),
            (
                "10.1002/(SICI)1096-987X(199803)19:4<377::AID-JCC1>3.0.CO;2-P",
                "10.1002/(sici)1096-987x(199803)19:4<377::aid-jcc1>3.0.co;2-p",
            ),
        ],
    )
    def test_valid(self, value: str, expected: str) -> None:
        assert normalize_doi(value) == expected

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            (
                "10/fqd6hj",
                "invalid DOI '10/fqd6hj': a shortDOI; give the full DOI (10.NNNN/suffix)",
            ),
            ("https://doi.org/ckcj", "invalid DOI 'https://doi.org/ckcj': expected 10.NNNN/suffix"),
            ("xyz", "invalid DOI 'xyz': expected 10.NNNN/suffix"),
            ("10.12/abc", "invalid DOI '10.12/abc': expected 10.NNNN/suffix"),
            ("10.1000/a b", "invalid DOI '10.1000/a b': expected 10.NNNN/suffix"),
            ("", "invalid DOI '': expected 10.NNNN/suffix"),
        ],
    )
    def test_invalid(self, value: str, reason: str) -> None:
        with pytest.raises(ValueError, match="invalid DOI") as caught:
            normalize_doi(value)
        assert str(caught.value) == reason


class TestNormalizePmid:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [("29424689", "29424689"), (" PMID: 123 ", "123"), ("pmid:7", "7"), (415033, "415033")],
    )
    def test_valid(self, value: str | int, expected: str) -> None:
        assert normalize_pmid(value) == expected

    @pytest.mark.parametrize("value", ["", "abc", "1234567890", "0", "12a", "-5", "PMC123"])
    def test_invalid(self, value: str) -> None:
        with pytest.raises(ValueError, match="invalid PMID"):
            normalize_pmid(value)


class TestNormalizePmcid:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [("PMC5832410", "PMC5832410"), ("pmc5832410", "PMC5832410"), (" PmC 12 ", "PMC12")],
    )
    def test_valid(self, value: str, expected: str) -> None:
        assert normalize_pmcid(value) == expected

    @pytest.mark.parametrize("value", ["", "5832410", "PMC", "PMCabc", "PMID123", "PMC0"])
    def test_invalid(self, value: str) -> None:
        with pytest.raises(ValueError, match="invalid PMCID"):
            normalize_pmcid(value)


class TestNormalizeTitle:
    @pytest.mark.parametrize(
        ("title", "expected"),
        [
            ("Cocoa and Cardiovascular Health.", "cocoa and cardiovascular health"),
            ("  Sci-Hub   provides\taccess ", "sci hub provides access"),
            ("Intentionalit\u00e4t \u2013 \u201cQuoted\u201d", "intentionalitat quoted"),
            ("\uff21\uff22\uff23 (fullwidth)", "abc fullwidth"),
            ("...", ""),
        ],
    )
    def test_key(self, title: str, expected: str) -> None:
        assert normalize_title(title) == expected

    def test_same_work_gives_same_key(self) -> None:
        assert normalize_title("Sci-Hub provides access to nearly all scholarly literature.") == (
            normalize_title("SCI-HUB provides access to nearly all scholarly literature")
        )


class TestDetectFormat:
    @pytest.mark.parametrize(
        ("media_type", "expected"),
        [
            ("application/x-bibtex", ImportFormat.bibtex),
            ("text/x-bibtex; charset=utf-8", ImportFormat.bibtex),
            ("application/x-research-info-systems", ImportFormat.ris),
            ("Application/Vnd.Citationstyles.Csl+Json", ImportFormat.csl_json),
            ("application/json", ImportFormat.csl_json),
            ("application/nbib", ImportFormat.medline),
            ("text/x-medline", ImportFormat.medline),
        ],
    )
    def test_media_type(self, media_type: str, expected: ImportFormat) -> None:
        assert detect_format(media_type, None) is expected

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("bibtex", ImportFormat.bibtex),
            ("RIS", ImportFormat.ris),
            ("csl-json", ImportFormat.csl_json),
            ("csl_json", ImportFormat.csl_json),
            ("medline", ImportFormat.medline),
            ("nbib", ImportFormat.medline),
        ],
    )
    def test_format_parameter(self, name: str, expected: ImportFormat) -> None:
        assert detect_format(None, name) is expected

    def test_format_parameter_wins_over_media_type(self) -> None:
        assert detect_format("application/json", "bibtex") is ImportFormat.bibtex

    @pytest.mark.parametrize(
        ("media_type", "name", "message"),
        [
            (None, None, "no format given"),
            ("", " ", "no format given"),
            ("text/plain", None, "media type 'text/plain' does not say"),
            (None, "endnote", "unknown format 'endnote'"),
            ("application/x-bibtex", "endnote", "unknown format 'endnote'"),
        ],
    )
    def test_unknown_is_value_error(
        self, media_type: str | None, name: str | None, message: str
    ) -> None:
        with pytest.raises(ValueError, match=message):
            detect_format(media_type, name)
