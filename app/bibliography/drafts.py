"""What every format shares: a record's fields as read (a draft), and their validation.

The decisions that apply to every format are listed in ``app.bibliography.parsers``.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.bibliography.identifiers import (
    doi_from_url,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from app.bibliography.records import (
    ParsedAuthor,
    ParsedRecord,
    ParsedStudy,
    RecordError,
    TooManyRecords,
)
from app.vocabularies import Design, PublicationType

Result = ParsedRecord | RecordError


WHITESPACE = re.compile(r"\s+")
DASHES = re.compile(r"\s*(?:--|\u2013|\u2014)\s*")
YEAR_AT_START = re.compile(r"^(\d{4})(?!\d)")
MIN_YEAR, MAX_YEAR = 1000, 2100
# Year values that say there is no year yet, rather than giving a wrong one.
NO_YEAR = frozenset({"in press", "forthcoming", "submitted", "accepted", "n.d", "nd", "undated"})
PREPRINT_SERVERS = re.compile(
    r"\b(?:arxiv|biorxiv|medrxiv|psyarxiv|sportrxiv|chemrxiv|osf preprints|ssrn|"
    r"research square|preprints\.org)\b",
    re.IGNORECASE,
)
# Markup that CSL (Crossref JATS) and PubMed put into titles and abstracts.
MARKUP = re.compile(
    r"</?(?:jats:[\w-]+|ext-link|i|b|u|em|strong|sup|sub|sc|p|italic|bold|title|sec|"
    r"list|list-item|break|mml:[\w-]+)(?:\s[^<>]*)?/?>"
)
NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")

JOURNAL_TYPES = frozenset(
    {PublicationType.journal_article, PublicationType.review_article, PublicationType.preprint}
)


@dataclass
class Draft:
    """A record's fields as read, before validation."""

    title: str | None = None
    authors: list[ParsedAuthor] = field(default_factory=list)
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    urls: list[str] = field(default_factory=list)
    abstract: str | None = None
    publication_type: PublicationType = PublicationType.other
    design: Design | None = None
    problems: list[str] = field(default_factory=list)

    def set_year(self, value: object) -> None:
        """Set the year from a date field, or record why it cannot be used."""
        try:
            self.year = year_of(value)
        except ValueError as exc:
            self.problems.append(str(exc))


def clean(value: object) -> str | None:
    """Return the value as one trimmed NFC line of text, or None when empty or not text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    # NFC: exports mix composed and decomposed accents ("Lu\u0308scher" in JabRef's file).
    text = WHITESPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()
    return text or None


def without_markup(value: str | None, replacement: str) -> str | None:
    """Return the text without JATS/HTML tags."""
    return None if value is None else clean(MARKUP.sub(replacement, value))


def year_of(value: object) -> int | None:
    """Return the year in a date value, None when empty; raise ValueError when unusable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, str):
        text = value.strip()
        if text.lower().rstrip(".") in NO_YEAR:
            return None
        match = YEAR_AT_START.match(text)
        if match is not None:
            year = int(match.group(1))
        elif re.fullmatch(r"[+-]?\d+", text):
            year = int(text)
        else:
            raise ValueError(f"invalid year {text!r}: expected a year such as 2019")
    else:
        raise ValueError(f"invalid year {value!r}: expected a year such as 2019")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return year


def lenient_year(value: object) -> int | None:
    """Return the year a free-text date starts with, or None."""
    try:
        return year_of(value)
    except ValueError:
        return None


def page_range(first: str | None, last: str | None = None) -> str | None:
    """Return a page range from a first and a last page, or from one range."""
    first, last = clean(first), clean(last)
    if first is not None and last is not None and last != first and "-" not in first:
        return f"{first}-{last}"
    return first or last


def plain_dashes(value: str | None) -> str | None:
    """Return a range (pages, issues such as 2\u20133) with a plain hyphen."""
    return None if value is None else DASHES.sub("-", value)


def split_name(name: str) -> ParsedAuthor | None:
    """Split "Family, Given[, Suffix]", "Family GI [Jr]" (MEDLINE, Embase) or a single name."""
    text = clean(name)
    if text is None:
        return None
    if "," in text:
        family, given, *rest = (part.strip() for part in text.split(","))
        suffix = ", ".join(part for part in rest if part) or None
        if suffix is None and given.lower() in NAME_SUFFIXES:
            given, suffix = "", given  # "King, Jr." leaves no given name
        if family:
            return ParsedAuthor(family=family, given=given or None, suffix=suffix)
        text = given
    words = text.split(" ")
    suffix = None
    if len(words) > 2 and words[-1].lower() in NAME_SUFFIXES and INITIALS.match(words[-2]):
        suffix, words = words[-1], words[:-1]
    if len(words) > 1 and INITIALS.match(words[-1]):
        return ParsedAuthor(family=" ".join(words[:-1]), given=words[-1], suffix=suffix)
    return ParsedAuthor(family=text, given=None)


def is_web_url(url: str) -> bool:
    """Tell whether a value is an http(s) URL (not ``<Go to ISI>://...`` and the like)."""
    return url.lower().startswith(("http://", "https://"))


def record_reason(position: int, key: str | None, problems: Sequence[str]) -> str:
    """Return an error reason that names the record."""
    where = f"record {position}" + (f" (key {key!r})" if key else "")
    return f"{where}: {'; '.join(problems)}"


def record_error(position: int, key: str | None, *problems: str) -> RecordError:
    """Return the error of a record, with a reason that names it and lists its problems."""
    return RecordError(position=position, key=key, reason=record_reason(position, key, problems))


def finish(position: int, key: str | None, draft: Draft) -> Result:
    """Validate a draft into a parsed record, or into an error listing every problem."""
    problems: list[str] = []
    if draft.title is None:
        problems.append("no title")
    problems.extend(draft.problems)
    doi_in_url = next((d for d in map(doi_from_url, draft.urls) if d is not None), None)
    doi = doi_in_url
    if draft.doi is not None:
        try:
            doi = normalize_doi(draft.doi)
        except ValueError as exc:
            if doi_in_url is None:
                problems.append(str(exc))
    pmid = pmcid = None
    try:
        pmid = None if draft.pmid is None else normalize_pmid(draft.pmid)
    except ValueError as exc:
        problems.append(str(exc))
    try:
        pmcid = None if draft.pmcid is None else normalize_pmcid(draft.pmcid)
    except ValueError as exc:
        problems.append(str(exc))
    if problems or draft.title is None:
        return record_error(position, key, *problems)
    publication_type = draft.publication_type
    if (
        publication_type in (PublicationType.journal_article, PublicationType.other)
        and draft.journal is not None
        and PREPRINT_SERVERS.search(draft.journal)
    ):
        publication_type = PublicationType.preprint
    study = ParsedStudy(
        title=draft.title,
        authors=tuple(draft.authors),
        year=draft.year,
        journal=draft.journal,
        volume=draft.volume,
        issue=plain_dashes(draft.issue),
        pages=plain_dashes(draft.pages),
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
        url=next((url for url in draft.urls if is_web_url(url)), None),
        abstract=draft.abstract,
        publication_type=publication_type,
        design=draft.design,
    )
    return ParsedRecord(position=position, key=key, study=study)


def check_count(count: int, max_records: int) -> None:
    """Raise TooManyRecords when a body holds more records than allowed."""
    if count > max_records:
        raise TooManyRecords(count, max_records)
