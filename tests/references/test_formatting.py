"""Citation rendering: exact APA and Vancouver text, and BibTeX, RIS and CSL-JSON read back."""

import datetime
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import jsonschema
import pytest
import rispy
from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares import (
    LatexDecodingMiddleware,
    SeparateCoAuthors,
    SplitNameParts,
)
from bibtexparser.middlewares.names import NameParts
from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
from citeproc.source.json import CiteProcJSON

from app.references import formatting
from app.references.formatting import (
    MEDIA_TYPES,
    CitableAuthor,
    CitableStudy,
    CitationFormat,
    entry_key,
    join_entries,
    render,
    render_entries,
    render_one,
    to_csl_json,
)
from app.vocabularies import PublicationType
from tests.conftest import require_shared
from tests.references.readers import format_with_unsrt

CSL_SCHEMA = "corpora/csl-schema/csl-data.json"

DARLOW = CitableStudy(
    id=12,
    bibtex_key="darlow2013",
    title="The enduring impact of what clinicians say to people with low back pain",
    authors=(
        CitableAuthor("Darlow", "Bronwyn"),
        CitableAuthor("Dowell", "Anthony"),
        CitableAuthor("Baxter", "G. David"),
        CitableAuthor("Mathieson", "Fiona"),
        CitableAuthor("Perry", "Meredith"),
        CitableAuthor("Dean", "Sarah"),
    ),
    year=2013,
    journal="Ann Fam Med",
    volume="11",
    issue="6",
    pages="527-534",
    doi="10.1370/afm.1518",
    pmid="24218376",
    pmcid="PMC3823723",
    url=None,
    publication_type=PublicationType.journal_article,
    accessed=None,
    abstract="PURPOSE: We explored the attitudes and beliefs of people with low back pain.",
)
QUESTION = CitableStudy(
    id=3,
    bibtex_key="lehman2020",
    title="Is gluteal amnesia real?",
    authors=(CitableAuthor("Lehman", "Greg"),),
    year=2020,
    journal="J Orthop Sports Phys Ther",
    volume="50",
    issue="2",
    pages="60-2",
    doi="10.2519/jospt.2020.0602",
    pmid=None,
    pmcid=None,
    url=None,
    publication_type=PublicationType.journal_article,
    accessed=None,
    abstract=None,
)
BLOG = CitableStudy(
    id=4,
    bibtex_key="ingraham2021",
    title="Dead butt syndrome: is it real?",
    authors=(CitableAuthor("Ingraham", "Paul"),),
    year=2021,
    journal=None,
    volume=None,
    issue=None,
    pages=None,
    doi=None,
    pmid=None,
    pmcid=None,
    url="https://www.painscience.com/articles/glute-amnesia.php",
    publication_type=PublicationType.blog_post,
    accessed=datetime.date(2026, 11, 25),
    abstract=None,
    publisher="PainScience.com",
)
FACT_SHEET = CitableStudy(
    id=6,
    bibtex_key="low2023",
    title="Low back pain",
    authors=(),
    year=2023,
    journal=None,
    volume=None,
    issue=None,
    pages=None,
    doi=None,
    pmid=None,
    pmcid=None,
    url="https://www.who.int/news-room/fact-sheets/detail/low-back-pain",
    publication_type=PublicationType.report,
    accessed=datetime.date(2026, 11, 25),
    abstract=None,
    publisher="World Health Organization",
)
TRICKY = CitableStudy(
    id=9,
    bibtex_key="muller2019",
    title=(
        'An EMG study of Müller & Søren\'s "{braces}": 50% of #1 a_b cost $5'
        " ~ \u03b1 \u2265 10 \u00b5g"  # alpha, greater-or-equal, micro
    ),
    authors=(
        CitableAuthor("Müller", "Hans-Jürgen"),
        CitableAuthor("O'Brien", "Seán"),
        CitableAuthor("van der Berg", "Jan"),
    ),
    year=2019,
    journal="Zeitschrift für Physiotherapie",
    volume="71",
    issue="3",
    pages="e102",
    doi="10.1000/zfp_2019.71(3)e102",
    pmid="31000001",
    pmcid=None,
    url="https://example.org/paper?id=9&lang=de",
    publication_type=PublicationType.review_article,
    accessed=None,
    abstract="Line one.\nLine two with {braces} & 5%.",
)

DARLOW_APA = (
    "Darlow, B., Dowell, A., Baxter, G. D., Mathieson, F., Perry, M., & Dean, S. (2013)."
    " The enduring impact of what clinicians say to people with low back pain."
    " Ann Fam Med, 11(6), 527\u2013534. https://doi.org/10.1370/afm.1518"
)
DARLOW_VANCOUVER = (
    "Darlow B, Dowell A, Baxter GD, Mathieson F, Perry M, Dean S."
    " The enduring impact of what clinicians say to people with low back pain."
    " Ann Fam Med. 2013;11(6):527\u201334. doi:10.1370/afm.1518"
    " PubMed PMID: 24218376; PubMed Central PMCID: PMC3823723."
)


def study(**changes: Any) -> CitableStudy:
    """Return the Darlow study with some fields changed."""
    return replace(DARLOW, **changes)


def parse_bibtex(text: str) -> Library:
    """Parse BibTeX as an importer would: LaTeX decoded, co-authors split into name parts."""
    library = parse_string(
        text, append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors(), SplitNameParts()]
    )
    assert library.failed_blocks == []
    return library


def names(value: list[NameParts]) -> list[tuple[str, str]]:
    """Return parsed BibTeX names as (family, given) pairs."""
    return [(" ".join([*name.von, *name.last]), " ".join(name.first)) for name in value]


class TestRenderApa:
    def test_journal_article_with_doi_is_exact(self) -> None:
        assert render_one(DARLOW, CitationFormat.apa) == DARLOW_APA

    def test_title_ending_in_question_mark_is_not_followed_by_a_period(self) -> None:
        assert render_one(QUESTION, CitationFormat.apa) == (
            "Lehman, G. (2020). Is gluteal amnesia real? J Orthop Sports Phys Ther, 50(2),"
            " 60\u201362. https://doi.org/10.2519/jospt.2020.0602"
        )

    def test_blog_post_names_the_blog_and_url(self) -> None:
        assert render_one(BLOG, CitationFormat.apa) == (
            "Ingraham, P. (2021). Dead butt syndrome: is it real? PainScience.com."
            " https://www.painscience.com/articles/glute-amnesia.php"
        )

    def test_study_without_authors_moves_the_title_first_and_prints_it_once(self) -> None:
        assert render_one(FACT_SHEET, CitationFormat.apa) == (
            "Low back pain. (2023). World Health Organization."
            " https://www.who.int/news-room/fact-sheets/detail/low-back-pain"
        )

    def test_web_page_without_date_gives_the_retrieval_date(self) -> None:
        page = replace(BLOG, publication_type=PublicationType.web_page, year=None)
        assert render_one(page, CitationFormat.apa) == (
            "Ingraham, P. (n.d.). Dead butt syndrome: is it real? PainScience.com."
            " Retrieved November 25, 2026, from"
            " https://www.painscience.com/articles/glute-amnesia.php"
        )

    def test_list_is_alphabetical_and_unnumbered(self) -> None:
        text = render([QUESTION, FACT_SHEET, DARLOW, BLOG], CitationFormat.apa)
        assert text.splitlines() == [
            DARLOW_APA,
            render_one(BLOG, CitationFormat.apa),
            render_one(QUESTION, CitationFormat.apa),
            render_one(FACT_SHEET, CitationFormat.apa),  # no author: its title, "Low back pain"
        ]

    def test_same_author_is_ordered_by_year(self) -> None:
        later = study(id=30, bibtex_key="darlow2016", year=2016, title="Aardvarks")
        text = render([later, DARLOW], CitationFormat.apa)
        assert [line[:21] for line in text.splitlines()] == [
            "Darlow, B., Dowell, A",
            "Darlow, B., Dowell, A",
        ]
        assert text.index("(2013)") < text.index("(2016)")


class TestArticleNumbers:
    @pytest.mark.parametrize("number", ["664628", "e102"])
    def test_apa_writes_article_and_nlm_the_number_as_a_page(self, number: str) -> None:
        numbered = study(pages=number, issue=None, pmid=None, pmcid=None)
        assert f"Ann Fam Med, 11, Article {number}. https://doi.org" in render_one(
            numbered, CitationFormat.apa
        )
        assert f"Ann Fam Med. 2013;11:{number}. doi:" in render_one(
            numbered, CitationFormat.vancouver
        )

    @pytest.mark.parametrize("pages", ["527", "1234", "527-534", "S12"])
    def test_pages_stay_pages(self, pages: str) -> None:
        assert "Article" not in render_one(study(pages=pages), CitationFormat.apa)

    def test_csl_json_keeps_page_and_gives_the_number(self) -> None:
        (item,) = to_csl_json([study(pages="664628")])
        assert (item["page"], item["number"]) == ("664628", "664628")
        assert "number" not in to_csl_json([DARLOW])[0]


class TestRenderVancouver:
    def test_journal_article_with_doi_is_exact(self) -> None:
        assert render_one(DARLOW, CitationFormat.vancouver) == DARLOW_VANCOUVER

    def test_title_ending_in_question_mark_is_not_followed_by_a_period(self) -> None:
        assert render_one(QUESTION, CitationFormat.vancouver) == (
            "Lehman G. Is gluteal amnesia real? J Orthop Sports Phys Ther. 2020;50(2):60\u20132."
            " doi:10.2519/jospt.2020.0602"
        )

    def test_blog_post_gives_the_cited_date_with_spaces(self) -> None:
        assert render_one(BLOG, CitationFormat.vancouver) == (
            "Ingraham P. Dead butt syndrome: is it real? PainScience.com [Internet]."
            " 2021 [cited 2026 Nov 25]."
            " Available from: https://www.painscience.com/articles/glute-amnesia.php"
        )

    def test_study_without_authors_starts_with_the_title(self) -> None:
        assert render_one(FACT_SHEET, CitationFormat.vancouver) == (
            "Low back pain [Internet]. World Health Organization; 2023 [cited 2026 Nov 25]."
            " Available from: https://www.who.int/news-room/fact-sheets/detail/low-back-pain"
        )

    def test_list_is_numbered_once_with_a_space_after_the_number(self) -> None:
        text = render([DARLOW, QUESTION, BLOG], CitationFormat.vancouver)
        lines = text.splitlines()
        assert lines[0] == f"1. {DARLOW_VANCOUVER}"
        assert [line[:10] for line in lines] == ["1. Darlow ", "2. Lehman ", "3. Ingraha"]
        assert text.endswith("\n")


class TestRenderList:
    @pytest.mark.parametrize("fmt", [CitationFormat.apa, CitationFormat.vancouver])
    def test_entry_with_line_breaks_stays_on_one_line(self, fmt: CitationFormat) -> None:
        text = render([study(title="The enduring impact\nof what clinicians say")], fmt)
        assert text.count("\n") == 1
        assert "The enduring impact of what clinicians say." in text

    def test_study_given_twice_is_cited_once(self) -> None:
        assert render([DARLOW, QUESTION, DARLOW], CitationFormat.apa).count("Darlow") == 1
        assert len(to_csl_json([DARLOW, DARLOW])) == 1

    @pytest.mark.parametrize(
        ("fmt", "expected"),
        [
            (CitationFormat.apa, ""),
            (CitationFormat.vancouver, ""),
            (CitationFormat.bibtex, ""),
            (CitationFormat.ris, ""),
            (CitationFormat.csl_json, "[]"),
        ],
    )
    def test_empty_list(self, fmt: CitationFormat, expected: str) -> None:
        assert render([], fmt) == expected

    @pytest.mark.parametrize("fmt", [CitationFormat.bibtex, CitationFormat.ris])
    def test_one_citation_in_a_file_format_is_a_list_of_one(self, fmt: CitationFormat) -> None:
        assert render_one(DARLOW, fmt) == render([DARLOW], fmt)

    def test_concurrent_renders_share_the_style_safely(self) -> None:
        lists = [[DARLOW, QUESTION], [FACT_SHEET, BLOG], [QUESTION], [BLOG, DARLOW, FACT_SHEET]]
        expected = [render(studies, CitationFormat.apa) for studies in lists]
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda s: render(s, CitationFormat.apa), lists * 10))
        assert results == expected * 10


def whole_list(studies: list[CitableStudy], fmt: CitationFormat) -> list[str]:
    """Render the studies as one citeproc-py bibliography, sorted by the style, as a list was
    rendered before entries were kept: the reference that kept entries must equal."""
    items = [formatting._csl_item(study) for study in studies]
    style = formatting._csl_style(fmt)
    with style.lock:
        bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
        for item in items:
            bibliography.register(Citation([CitationItem(item["id"])]))
        if fmt is CitationFormat.apa:
            bibliography.sort()
        return [
            formatting._PERIOD_AFTER_MARK.sub("", str(entry))
            for entry in bibliography.bibliography()
        ]


# Same authors and years, authorless works, particles, organisations, missing years and pages.
VARIED = [
    study(id=40, bibtex_key="a", year=2011, title="Zebras run"),
    study(id=41, bibtex_key="b", year=2011, title="aardvarks dig"),
    study(id=42, bibtex_key="c", year=None, title="Undated"),
    replace(FACT_SHEET, id=43, bibtex_key="d"),
    replace(FACT_SHEET, id=44, bibtex_key="e", title="Back pain", year=2011),
    replace(TRICKY, id=45, bibtex_key="f"),
    replace(TRICKY, id=46, bibtex_key="g", authors=(CitableAuthor("Berg", "Jan", "van der"),)),
    replace(QUESTION, id=47, bibtex_key="h", authors=(CitableAuthor("WHO", None, literal=True),)),
    replace(BLOG, id=48, bibtex_key="i"),
    replace(QUESTION, id=49, bibtex_key="j", pages="664628", year=2011),
    study(id=50, bibtex_key="k", authors=(CitableAuthor("Darlow", "Bronwyn"),), year=2011),
    study(id=51, bibtex_key="l", year=2013, volume="2"),
    study(id=52, bibtex_key="m", year=2013, volume="10"),
]


class TestKeptEntries:
    @pytest.mark.parametrize("fmt", [CitationFormat.apa, CitationFormat.vancouver])
    def test_entries_rendered_one_by_one_join_as_the_whole_list(self, fmt: CitationFormat) -> None:
        for order in (VARIED, VARIED[::-1], VARIED[5:] + VARIED[:5]):
            alone = [render_entries([one], fmt)[0] for one in order]
            lines = join_entries(alone, fmt).splitlines()
            if fmt is CitationFormat.vancouver:
                lines = [line.split(". ", 1)[1] for line in lines]
            assert lines == whole_list(order, fmt)
            assert render(order, fmt) == join_entries(alone, fmt)

    def test_key_changes_with_the_study_its_authors_and_the_format(self) -> None:
        key = entry_key(DARLOW, CitationFormat.apa)
        assert entry_key(replace(DARLOW), CitationFormat.apa) == key
        assert entry_key(DARLOW, CitationFormat.vancouver) != key
        assert entry_key(study(title="Another title"), CitationFormat.apa) != key
        renamed = (CitableAuthor("Darlow", "Ben"), *DARLOW.authors[1:])
        assert entry_key(study(authors=renamed), CitationFormat.apa) != key
        particle = (replace(DARLOW.authors[0], non_dropping_particle="de"), *DARLOW.authors[1:])
        assert entry_key(study(authors=particle), CitationFormat.apa) != key


class TestRenderBibtex:
    def test_round_trip_keeps_titles_authors_and_identifiers(self) -> None:
        library = parse_bibtex(render([DARLOW, TRICKY, BLOG], CitationFormat.bibtex))
        darlow, tricky, blog = library.entries
        assert [entry["title"] for entry in library.entries] == [
            DARLOW.title,
            TRICKY.title,
            BLOG.title,
        ]
        assert names(darlow["author"]) == [(a.family, a.given) for a in DARLOW.authors]
        assert names(tricky["author"]) == [(a.family, a.given) for a in TRICKY.authors]
        assert (darlow["doi"], tricky["doi"]) == (DARLOW.doi, TRICKY.doi)
        assert (tricky["journal"], tricky["pmid"]) == (TRICKY.journal, TRICKY.pmid)
        assert tricky["abstract"] == TRICKY.abstract
        assert (blog["url"], blog["urldate"]) == (BLOG.url, "2026-11-25")

    def test_darlow_entry_is_exact(self) -> None:
        assert render_one(DARLOW, CitationFormat.bibtex) == (
            "@article{darlow2013,\n"
            "\tauthor = {Darlow, Bronwyn and Dowell, Anthony and Baxter, G. David"
            " and Mathieson, Fiona and Perry, Meredith and Dean, Sarah},\n"
            "\ttitle = {The enduring impact of what clinicians say to people with low back pain},\n"
            "\tyear = {2013},\n"
            "\tjournal = {Ann Fam Med},\n"
            "\tvolume = {11},\n"
            "\tnumber = {6},\n"
            "\tpages = {527--534},\n"
            f"\tabstract = {{{DARLOW.abstract}}},\n"
            "\tdoi = {10.1370/afm.1518},\n"
            "\tpmid = {24218376},\n"
            "\tpmcid = {PMC3823723}\n"
            "}\n"
        )

    def test_text_is_latex_encoded_and_capitals_protected(self) -> None:
        text = render_one(TRICKY, CitationFormat.bibtex)
        assert 'author = {M\\"uller, Hans-J\\"urgen and' in text
        assert (
            'title = {An {EMG} study of {M\\"uller} \\& {S{\\o}ren\'s} {"}\\{braces\\}{"}:' in text
        )
        assert "url = {https://example.org/paper?id=9&lang=de}" in text

    def test_keys_are_the_studies_own(self) -> None:
        studies = [DARLOW, study(id=13, bibtex_key="darlow2013a"), TRICKY, FACT_SHEET]
        library = parse_bibtex(render(studies, CitationFormat.bibtex))
        assert [entry.key for entry in library.entries] == [
            "darlow2013",
            "darlow2013a",
            "muller2019",
            "low2023",
        ]

    def test_entry_types_follow_the_publication_type(self) -> None:
        studies = [
            DARLOW,
            BLOG,
            study(
                id=20,
                bibtex_key="darlow2013a",
                publication_type=PublicationType.book,
                publisher="Elsevier",
            ),
            study(
                id=22,
                bibtex_key="darlow2013b",
                publication_type=PublicationType.report,
                publisher="World Health Organization",
            ),
            study(id=21, bibtex_key="darlow2013c", publication_type=PublicationType.preprint),
        ]
        text = render(studies, CitationFormat.bibtex)
        library = parse_bibtex(text)
        assert [entry.entry_type for entry in library.entries] == [
            "article",
            "misc",
            "book",
            "techreport",
            "misc",
        ]
        _, blog, book, report, preprint = library.entries
        assert blog["howpublished"] == "PainScience.com"
        assert book["publisher"] == "Elsevier"
        assert "journal" not in book
        assert report["institution"] == "World Health Organization"
        assert (preprint["howpublished"], preprint["note"]) == ("Ann Fam Med", "Preprint")
        assert len(format_with_unsrt(text)) == len(studies)

    @pytest.mark.parametrize(
        "incomplete",
        [
            study(journal=None),  # an article without its journal
            study(authors=()),
            study(year=None),
            study(publication_type=PublicationType.book, publisher=None),
            FACT_SHEET,  # a report without an author
        ],
    )
    def test_entry_missing_a_required_field_is_misc_that_pybtex_formats(
        self, incomplete: CitableStudy
    ) -> None:
        text = render_one(incomplete, CitationFormat.bibtex)
        assert text.startswith("@misc{")
        (formatted,) = format_with_unsrt(text)
        assert incomplete.title in formatted

    def test_organisation_author_is_braced_as_one_name(self) -> None:
        text = render_one(
            study(authors=(CitableAuthor("World Health Organization", None),)),
            CitationFormat.bibtex,
        )
        assert "author = {{World Health Organization}}" in text
        # Without LaTeX decoding, which would drop the braces before the names are split.
        library = parse_string(text, append_middleware=[SeparateCoAuthors(), SplitNameParts()])
        (name,) = library.entries[0]["author"]
        assert (name.last, name.first) == (["{World Health Organization}"], [])


class TestRenderRis:
    def test_round_trip_through_rispy(self) -> None:
        darlow, blog = rispy.loads(render([DARLOW, BLOG], CitationFormat.ris))
        assert darlow == {
            "type_of_reference": "JOUR",
            "authors": [
                "Darlow, Bronwyn",
                "Dowell, Anthony",
                "Baxter, G. David",
                "Mathieson, Fiona",
                "Perry, Meredith",
                "Dean, Sarah",
            ],
            "title": DARLOW.title,
            "secondary_title": "Ann Fam Med",
            "year": "2013",
            "volume": "11",
            "number": "6",
            "start_page": "527",
            "end_page": "534",
            "doi": "10.1370/afm.1518",
            "accession_number": "24218376",
            "name_of_database": "PubMed",
            "custom2": "PMC3823723",
            "abstract": DARLOW.abstract,
        }
        assert blog == {
            "type_of_reference": "BLOG",
            "authors": ["Ingraham, Paul"],
            "title": BLOG.title,
            "secondary_title": "PainScience.com",
            "year": "2021",
            "urls": [BLOG.url],
            "access_date": "2026/11/25",
        }

    def test_records_start_with_ty_and_values_stay_on_one_line(self) -> None:
        text = render([TRICKY, FACT_SHEET], CitationFormat.ris)
        assert text.startswith("TY  - JOUR\n")
        assert "1." not in text.splitlines()
        assert "AB  - Line one. Line two with {braces} & 5%.\n" in text
        (tricky, fact_sheet) = rispy.loads(text)
        assert (tricky["start_page"], "end_page" in tricky) == ("e102", False)
        assert fact_sheet["type_of_reference"] == "RPRT"
        assert "authors" not in fact_sheet

    def test_abbreviated_last_page_is_written_in_full(self) -> None:
        (record,) = rispy.loads(render_one(QUESTION, CitationFormat.ris))
        assert (record["start_page"], record["end_page"]) == ("60", "62")


class TestCslJson:
    def test_every_publication_type_validates_against_the_csl_schema(self) -> None:
        schema = json.loads(require_shared(CSL_SCHEMA).read_text(encoding="utf-8"))
        studies = [
            study(id=100 + i, publication_type=kind, accessed=datetime.date(2026, 1, 2))
            for i, kind in enumerate(PublicationType)
        ]
        items = json.loads(render([*studies, TRICKY, BLOG, FACT_SHEET], CitationFormat.csl_json))
        errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(items)]
        assert errors == []
        assert [item["type"] for item in items[: len(studies)]] == [
            "article-journal",
            "article-journal",
            "article",
            "book",
            "report",
            "post-weblog",
            "webpage",
            "document",
        ]

    def test_darlow_item_is_exact(self) -> None:
        assert to_csl_json([DARLOW]) == [
            {
                "id": "study-12",
                "type": "article-journal",
                "title": DARLOW.title,
                "author": [{"family": a.family, "given": a.given} for a in DARLOW.authors],
                "issued": {"date-parts": [[2013]]},
                "container-title": "Ann Fam Med",
                "volume": "11",
                "issue": "6",
                "page": "527-534",
                "DOI": "10.1370/afm.1518",
                "PMID": "24218376",
                "PMCID": "PMC3823723",
                "abstract": DARLOW.abstract,
            }
        ]

    def test_blog_names_its_blog_as_container_and_keeps_the_accessed_date(self) -> None:
        (item,) = to_csl_json([BLOG])
        assert item["container-title"] == "PainScience.com"
        assert "publisher" not in item
        assert item["accessed"] == {"date-parts": [[2026, 11, 25]]}

    def test_organisation_author_has_a_family_name_only(self) -> None:
        (item,) = to_csl_json([study(authors=(CitableAuthor("World Health Organization", None),))])
        assert item["author"] == [{"family": "World Health Organization"}]

    def test_render_is_the_items_as_indented_utf8_json(self) -> None:
        text = render([TRICKY], CitationFormat.csl_json)
        assert text == json.dumps(to_csl_json([TRICKY]), ensure_ascii=False, indent=2)
        assert "Müller" in text


class TestMediaTypes:
    def test_every_format_has_the_contract_media_type(self) -> None:
        assert dict(MEDIA_TYPES) == {
            CitationFormat.apa: "text/plain; charset=utf-8",
            CitationFormat.vancouver: "text/plain; charset=utf-8",
            CitationFormat.bibtex: "application/x-bibtex",
            CitationFormat.ris: "application/x-research-info-systems",
            CitationFormat.csl_json: "application/vnd.citationstyles.csl+json",
        }

    def test_csl_json_format_is_spelled_with_a_hyphen(self) -> None:
        assert CitationFormat("csl-json") is CitationFormat.csl_json
