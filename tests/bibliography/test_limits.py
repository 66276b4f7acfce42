"""Bounded parser work: hostile bodies are refused or become record errors, never run away.

Time and memory are figures of ``bench/`` (no timing assertions here); these tests pin what is
refused and why.
"""

import pytest

from app.bibliography import (
    ImportFormat,
    ParsedRecord,
    RecordError,
    TooManyRecords,
    UnparseableBody,
    parse,
)
from app.bibliography.limits import MAX_FIELD_CHARS, MAX_LATEX_CHARS, TooMuchWork


def chained_macros(levels: int = 10, fanout: int = 4) -> str:
    """A few hundred bytes whose last macro expands to ``fanout ** levels`` copies of a phrase."""
    lines = ['@string{l0 = "glute amnesia "}']
    for n in range(1, levels + 1):
        lines.append(f"@string{{l{n} = " + " # ".join([f"l{n - 1}"] * fanout) + "}")
    lines.append(f"@article{{k, title = l{levels}, year = 2020}}")
    return "\n".join(lines) + "\n"


def test_chained_string_macros_are_refused_as_a_whole() -> None:
    body = chained_macros()
    assert len(body.encode()) < 600
    with pytest.raises(TooMuchWork, match="macro expands past"):
        parse(body, ImportFormat.bibtex, max_records=10)


def test_macros_within_bounds_still_expand() -> None:
    body = chained_macros(levels=3, fanout=2)
    [record] = parse(body, ImportFormat.bibtex, max_records=10)
    assert isinstance(record, ParsedRecord)
    assert record.study.title == " ".join(["glute amnesia"] * 8)


def test_a_macro_used_by_every_record_is_charged_to_the_body() -> None:
    big = "x" * 90_000
    records = "".join(f'@article{{k{n}, title = big # "{n}"}}\n' for n in range(200))
    with pytest.raises(TooMuchWork, match="@string expansion exceeds"):
        parse(f'@string{{big = "{big}"}}\n{records}', ImportFormat.bibtex, max_records=1000)


def test_a_field_too_long_is_that_records_error() -> None:
    body = (
        "@article{long, title = {" + "a" * (MAX_FIELD_CHARS + 1) + "}}\n"
        "@article{short, title = {Glute amnesia}}\n"
    )
    long, short = parse(body, ImportFormat.bibtex, max_records=10)
    assert isinstance(long, RecordError)
    assert f"at most {MAX_FIELD_CHARS}" in long.reason
    assert isinstance(short, ParsedRecord)


def test_a_record_too_long_is_that_records_error() -> None:
    fields = ", ".join(f"note{n} = {{{'b' * 60_000}}}" for n in range(4))
    [record] = parse(f"@article{{k, title = {{T}}, {fields}}}", ImportFormat.bibtex, max_records=1)
    assert isinstance(record, RecordError)
    assert "the entry holds" in record.reason


def test_fragments_beyond_the_record_limit_are_refused_before_splitting() -> None:
    with pytest.raises(TooManyRecords):
        parse("@article{" * 300_000, ImportFormat.bibtex, max_records=10_000)


def test_accents_decode_without_the_latex_decoder_and_other_latex_is_bounded() -> None:
    [record] = parse(
        "@article{k, title = {" + '{\\"o}' * 15_000 + "}}", ImportFormat.bibtex, max_records=1
    )
    assert isinstance(record, ParsedRecord)
    assert record.study.title == "\u00f6" * 15_000
    markup = "\\textbf{x}" * 9_000
    body = "".join(f"@article{{k{n}, title = {{{markup}}}}}\n" for n in range(3))
    assert 3 * len(markup) > MAX_LATEX_CHARS
    with pytest.raises(TooMuchWork, match="LaTeX"):
        parse(body, ImportFormat.bibtex, max_records=10)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[" * 10_000 + "]" * 10_000, "nested too deep"),
        ('[{"title": "Glute amnesia", "volume": ' + "9" * 4_500 + "}]", "digits"),
    ],
)
def test_csl_json_too_deep_or_with_a_huge_number_is_refused(body: str, reason: str) -> None:
    with pytest.raises(UnparseableBody, match=reason):
        parse(body, ImportFormat.csl_json, max_records=10)
