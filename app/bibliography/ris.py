"""RIS, read with rispy."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rispy
from rispy.config import LIST_TYPE_TAGS as RIS_LIST_TYPE_TAGS

from app.bibliography.drafts import (
    JOURNAL_TYPES,
    Draft,
    Result,
    check_count,
    clean,
    finish,
    lenient_year,
    page_range,
    record_error,
    split_name,
)
from app.bibliography.records import (
    UnparseableBody,
)
from app.vocabularies import PublicationType

_RIS_LIST_TAGS = [*RIS_LIST_TYPE_TAGS, "DB", "DO", "AN", "C5", "M3"]
_RIS_TYPES: dict[str, PublicationType] = {
    "JOUR": PublicationType.journal_article,
    "JFULL": PublicationType.journal_article,
    "EJOUR": PublicationType.journal_article,
    "INPR": PublicationType.journal_article,
    "BOOK": PublicationType.book,
    "EBOOK": PublicationType.book,
    "EDBOOK": PublicationType.book,
    "CHAP": PublicationType.book,
    "ECHAP": PublicationType.book,
    "RPRT": PublicationType.report,
    "GOVDOC": PublicationType.report,
    "ELEC": PublicationType.web_page,
    "WEB": PublicationType.web_page,
    "BLOG": PublicationType.blog_post,
    "UNPB": PublicationType.preprint,
    "UNPD": PublicationType.preprint,
    "MANSCPT": PublicationType.preprint,
}
_PUBMED_URL = re.compile(
    r"^https?://(?:www\.)?(?:ncbi\.nlm\.nih\.gov/pubmed|pubmed\.ncbi\.nlm\.nih\.gov)/(\d+)"
)


@dataclass
class _RisChunk:
    """The lines of one RIS record, or of a fragment closed by ``ER`` without a ``TY``."""

    lines: list[str]
    has_type: bool


def _ris_chunks(text: str) -> list[_RisChunk]:
    """Split a RIS body into records on ``TY``/``ER`` lines, as rispy reads them.

    rispy reads the whole file in one pass and gives up on it as a whole: one bad record (a
    continuation line right after ``TY``, say) raises and loses every record, and a record
    without ``TY`` is silently skipped. Cutting on the same tag lines rispy recognises, then
    letting rispy read each record, isolates such failures to their own record.
    """
    parser = rispy.RisParser()
    chunks: list[_RisChunk] = []
    current: list[str] | None = None
    orphan: list[str] = []
    for line in text.split("\n"):
        tag, _ = parser.parse_line(line)
        if tag == "TY":
            if current is not None:  # no ER before the next TY: close the record anyway
                chunks.append(_RisChunk(current, has_type=True))
            current, orphan = [line], []
        elif current is not None:
            current.append(line)
            if tag == "ER":
                chunks.append(_RisChunk(current, has_type=True))
                current = None
        elif tag == "ER":
            if orphan:
                chunks.append(_RisChunk([*orphan, line], has_type=False))
            orphan = []
        elif tag is not None:
            orphan.append(line)
    if current is not None:
        chunks.append(_RisChunk(current, has_type=True))
    return chunks


def _ris_values(record: Mapping[str, Any], name: str) -> list[str]:
    """Return the non-empty values of a rispy field, whether it holds one value or a list."""
    value = record.get(name)
    values = value if isinstance(value, list) else [value]
    return [text for text in (clean(v) for v in values) if text]


def _ris_first(record: Mapping[str, Any], *names: str) -> str | None:
    """Return the first non-empty value among the named rispy fields."""
    return next((v for n in names for v in _ris_values(record, n)), None)


def _ris_unknown(record: Mapping[str, Any], tag: str) -> str | None:
    """Return the first value of a tag rispy does not map."""
    unknown = record.get("unknown_tag")
    if isinstance(unknown, Mapping):
        values = unknown.get(tag)
        if isinstance(values, list):
            return next((t for t in (clean(v) for v in values) if t), None)
    return None


def _ris_database(record: Mapping[str, Any]) -> str | None:
    """Return "embase", "pubmed" or "other" for the database a record declares, or None."""
    databases = " ".join(_ris_values(record, "name_of_database")).lower()
    provider = (_ris_first(record, "database_provider") or "").lower()
    if "embase" in databases:
        return "embase"
    if "medline" in databases or "pubmed" in databases or provider in ("nlm", "pubmed"):
        return "pubmed"
    return "other" if databases or provider else None


def _ris_pmid(record: Mapping[str, Any], body_database: str | None) -> str | None:
    """Return the PMID: Embase ``C5``, ``AN`` of a MEDLINE/PubMed record, or a PubMed URL."""
    database = _ris_database(record) or body_database
    candidates: list[str] = []
    if database == "embase":
        candidates += _ris_values(record, "custom5")
    elif database == "pubmed":
        candidates += _ris_values(record, "accession_number")
    candidates += [
        match.group(1)
        for match in (_PUBMED_URL.match(url) for url in _ris_values(record, "urls"))
        if match
    ]
    # A non-numeric accession number is some other database's id, not a malformed PMID.
    return next((c for c in candidates if c.isdigit()), None)


def _ris_draft(record: Mapping[str, Any], body_database: str | None) -> Draft:
    """Read the study fields of one rispy record (``body_database``: see ``parse_ris``)."""
    ris_type = (_ris_first(record, "type_of_reference") or "").upper()
    draft = Draft(
        title=_ris_first(record, "title", "primary_title") or _ris_unknown(record, "BT"),
        publication_type=_RIS_TYPES.get(ris_type, PublicationType.other),
    )
    if draft.publication_type is PublicationType.journal_article and any(
        work.lower() == "review" for work in _ris_values(record, "type_of_work")
    ):
        draft.publication_type = PublicationType.review_article
    names = _ris_values(record, "authors") + _ris_values(record, "first_authors")
    draft.authors = [a for a in map(split_name, names) if a]
    year = _ris_first(record, "year", "publication_year")
    if year is not None:
        draft.set_year(year)
    else:
        draft.year = lenient_year(_ris_first(record, "date"))
    draft.journal = _ris_first(record, "alternate_title3", "journal_name", "alternate_title2")
    if draft.journal is None and draft.publication_type in JOURNAL_TYPES:
        draft.journal = _ris_first(record, "secondary_title", "alternate_title1")
    draft.volume = _ris_first(record, "volume")
    draft.issue = _ris_first(record, "number")
    start, end = _ris_first(record, "start_page"), _ris_first(record, "end_page")
    # Ovid splits "No Pagination Specified" into SP "No" and EP "Specified".
    if (start or "").lower() != "no" or (end or "").lower() != "specified":
        draft.pages = page_range(start, end)
    draft.doi = _ris_first(record, "doi")
    draft.pmid = _ris_pmid(record, body_database)
    draft.urls = _ris_values(record, "urls")
    draft.abstract = _ris_first(record, "abstract", "notes_abstract")
    return draft


def parse_ris(text: str, max_records: int) -> list[Result]:
    """Parse RIS records with rispy, one record at a time."""
    chunks = _ris_chunks(text)
    if not any(chunk.has_type for chunk in chunks):
        raise UnparseableBody("no RIS records found (expected records from 'TY  -' to 'ER  -')")
    check_count(len(chunks), max_records)
    read: list[Mapping[str, Any] | str] = []
    for chunk in chunks:
        if not chunk.has_type:
            read.append("no 'TY  -' line: the record's first line is missing")
            continue
        try:
            records = rispy.loads("\n".join(chunk.lines), list_tags=_RIS_LIST_TAGS)
        except Exception as exc:  # rispy raises bare KeyError/AttributeError on odd input
            read.append(f"cannot read the record: {type(exc).__name__}: {exc}")
            continue
        ok = len(records) == 1 and isinstance(records[0], Mapping)
        read.append(records[0] if ok else "cannot read the record")
    # An export comes from one database: a record that does not name it (EndNote drops DB from
    # NCBI Bookshelf records of an Ovid MEDLINE export) takes the one all the others name.
    declared = {_ris_database(r) for r in read if not isinstance(r, str)} - {None}
    body_database = declared.pop() if len(declared) == 1 else None
    results: list[Result] = []
    for position, record in enumerate(read, start=1):
        if isinstance(record, str):
            results.append(record_error(position, None, record))
        else:
            key = _ris_first(record, "id")
            results.append(finish(position, key, _ris_draft(record, body_database)))
    return results
