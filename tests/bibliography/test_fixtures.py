"""The importer on the project's own fixture files, one per quirk: they need nothing beside
the clone, unlike the third-party corpus of test_parsers."""

from pathlib import Path

from app.bibliography import (
    ImportFormat,
    ParsedAuthor,
    ParsedRecord,
    RecordError,
    Result,
    parse,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bibliographic"


def parse_fixture(name: str, fmt: ImportFormat) -> list[Result]:
    """Parse one fixture file."""
    return parse((FIXTURES / name).read_text(encoding="utf-8"), fmt, max_records=100)


def outcome(results: list[Result]) -> list[tuple[str | None, str]]:
    """Return each record's key and its title, or its error."""
    return [
        (r.key, r.study.title if isinstance(r, ParsedRecord) else f"error: {r.reason}")
        for r in results
    ]


def test_latex_accents_are_decoded() -> None:
    (record,) = parse_fixture("latex-accents.bib", ImportFormat.bibtex)
    assert isinstance(record, ParsedRecord)
    assert record.study.title == "Étude of gluteal activation: naïve sitters & Caffè breaks"
    assert record.study.authors == (
        ParsedAuthor("Müller", "Jörg"),
        ParsedAuthor("Ørsted", "Hans Christian"),
        ParsedAuthor("García Márquez", "Gabriel"),
    )
    assert (record.study.pages, record.study.doi) == ("10-19", "10.1234/jhr.2019.012")


def test_string_macros_and_concatenation_are_expanded() -> None:
    (record,) = parse_fixture("string-macros.bib", ImportFormat.bibtex)
    assert isinstance(record, ParsedRecord)
    assert record.study.title == "Gluteal amnesia revisited"
    assert record.study.journal == "Journal of Hip Research"
    assert (record.study.year, record.study.pages) == (2020, "1-10")


def test_malformed_entries_are_errors_and_the_good_ones_parse() -> None:
    results = parse_fixture("malformed.bib", ImportFormat.bibtex)
    assert [r.position for r in results] == [1, 2, 3, 4, 5]
    assert outcome(results) == [
        ("good1", "The first good entry"),
        (
            "broken",
            "error: record 2 (key 'broken'): not a complete BibTeX entry (line 9), starting "
            "'@article{broken,': Unexpected block start: `@article`. Was still looking for "
            "field-value closing `}`",
        ),
        ("untitled", "error: record 3 (key 'untitled'): no title"),
        (
            "good1",
            "error: record 4 (key 'good1'): key 'good1' (line 19) is already used by the entry "
            "at line 3",
        ),
        ("good2", "The second good entry"),
    ]


def test_ris_years_out_of_shape_are_errors_of_their_record() -> None:
    results = parse_fixture("bad-years.ris", ImportFormat.ris)
    assert outcome(results) == [
        (None, "A record with a good year"),
        (None, "error: record 2: invalid year '10 15': expected a year such as 2019"),
        (None, "A record with a RIS date and no year"),
        (None, "error: record 4: year 2999 is outside 1000-2100"),
    ]
    years = [r.study.year for r in results if isinstance(r, ParsedRecord)]
    assert years == [2019, 2021]


def test_medline_continuation_lines_are_joined() -> None:
    (record,) = parse_fixture("continuation-lines.nbib", ImportFormat.medline)
    assert isinstance(record, ParsedRecord)
    assert record.study.title == (
        "The enduring impact of what clinicians say to people with low back pain: a "
        "qualitative study whose title runs over two continuation lines of the MEDLINE format."
    )
    assert record.study.abstract == (
        "Background: words matter. Methods: interviews. Results: continuation lines are joined "
        "with one space."
    )
    assert record.study.authors == (
        ParsedAuthor("Darlow", "Ben"),
        ParsedAuthor("Dowell", "Anthony"),
    )
    assert (record.study.pmid, record.study.doi, record.study.year) == (
        "23148127",
        "10.1370/afm.1518",
        2013,
    )


def test_csl_json_date_forms() -> None:
    results = parse_fixture("date-forms.json", ImportFormat.csl_json)
    years = {
        r.key: r.study.year if isinstance(r, ParsedRecord) else r.reason
        for r in results
        if r.key is not None
    }
    assert years == {
        "parts": 2019,
        "string-parts": 2018,
        "raw": 2017,
        "literal": None,
        "season": 2015,
        "range": 2014,
        "empty": None,
        "bc": "record 8 (key 'bc'): year -334 is outside 1000-2100",
    }
    assert not any(isinstance(r, RecordError) for r in results[:7])


def test_name_parts_from_every_format() -> None:
    """Particles, suffixes and literal names are kept in their parts where a format has them."""
    smith = ParsedAuthor("Smith", "John", suffix="Jr.")
    who = ParsedAuthor("World Health Organization", None, literal=True)
    found = {}
    for name, fmt in (
        ("name-parts.json", ImportFormat.csl_json),
        ("name-parts.bib", ImportFormat.bibtex),
        ("name-parts.ris", ImportFormat.ris),
        ("name-parts.nbib", ImportFormat.medline),
    ):
        (record,) = parse_fixture(name, fmt)
        assert isinstance(record, ParsedRecord), record
        found[fmt] = record.study.authors
    assert found[ImportFormat.csl_json] == (
        smith,
        ParsedAuthor("Beethoven", "Ludwig", dropping_particle="van"),
        ParsedAuthor("Gogh", "Vincent", non_dropping_particle="van"),
        who,
    )
    # BibTeX has one particle part, before the family name: it cannot say the particle drops.
    assert found[ImportFormat.bibtex] == (
        smith,
        ParsedAuthor("Beethoven", "Ludwig", non_dropping_particle="van"),
        ParsedAuthor("Fontaine", "Jean", non_dropping_particle="de la"),
        who,
    )
    # RIS writes "Family, Given, Suffix"; a particle stays in the family name.
    assert found[ImportFormat.ris] == (
        smith,
        ParsedAuthor("King", None, suffix="Jr."),
        ParsedAuthor("van Gogh", "Vincent"),
    )
    assert found[ImportFormat.medline] == (ParsedAuthor("Smith", "John", suffix="Jr"), who)
