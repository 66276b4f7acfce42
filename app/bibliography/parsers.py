"""Turn an uploaded BibTeX, RIS, CSL-JSON or PubMed MEDLINE body into one result per record.

``parse`` returns, in input order, a ``ParsedRecord`` for every record that can become a study
and a ``RecordError`` for every record that cannot. A bad record never stops the good ones; the
only exception is ``UnparseableBody`` (``TooManyRecords`` is one) when the body as a whole is not
in the declared format, is empty, or holds no record at all.

Decisions that apply to every format:

* A record without a title is an error.
* An identifier that is present but invalid (a DOI that is not ``10.NNNN/suffix`` - shortDOIs
  such as ``10/fqd6hj`` included -, a PMID that is not 1-9 digits, a PMCID that is not PMC +
  digits) makes the record an error naming the value: storing a study without it would hide
  the problem and defeat duplicate matching by identifier. When the record's own URL is a
  doi.org link to a valid DOI (Zotero writes shortDOIs next to such URLs), that DOI is used.
  With no DOI field at all, a doi.org URL gives the DOI.
* A year that is present but unreadable (``PY  - 10 15``) or outside 1000-2100 (``-333``) is an
  error, for the same reason. Free-text dates (CSL ``literal``/``raw``, RIS ``DA``) give a year
  only when they start with one, and are otherwise ignored.
* Text is trimmed, runs of whitespace become one space, empty values become None. Page ranges
  use a plain hyphen. ``journal`` is filled only for journal-like records (a chapter's book or
  a web page's site is not a journal), or from a tag that can only hold a journal.
* ``design`` comes only from a record that states it, which only MEDLINE does (``PT``); every
  other format leaves it None.
* A journal-like record whose container is a preprint server (arXiv, bioRxiv, medRxiv, ...) is a
  ``preprint``.

Publication types:

* BibTeX/biblatex: article, periodical -> journal_article; book, mvbook, inbook, bookinbook,
  booklet, collection, incollection, reference -> book; techreport, report -> report; online,
  electronic, www, webpage, and misc with a url -> web_page; unpublished, preprint -> preprint;
  anything else (inproceedings, thesis, manual, patent, set, misc without url) -> other.
* RIS ``TY``: JOUR, JFULL, EJOUR, INPR -> journal_article (review_article when ``M3`` is
  "Review"); BOOK, EBOOK, EDBOOK, CHAP, ECHAP -> book; RPRT, GOVDOC -> report; ELEC, WEB ->
  web_page; BLOG -> blog_post; UNPB, UNPD, MANSCPT -> preprint; anything else -> other.
* CSL ``type``: article-journal -> journal_article; review, review-book -> review_article;
  article (CSL 1.0.2's preprint), posted-content (Crossref) -> preprint; book, chapter, classic
  -> book; report -> report; post-weblog -> blog_post; webpage, post -> web_page; else other.
* MEDLINE ``PT``: Preprint -> preprint; Review, Systematic Review, Meta-Analysis, Scoping
  Review -> review_article; Book, Book Chapter -> book; Technical Report -> report; Journal
  Article, or any record with a journal -> journal_article; else other.

Designs (MEDLINE ``PT`` only; the strongest stated design wins): Meta-Analysis ->
meta_analysis; Systematic Review -> systematic_review; Randomized Controlled Trial (also
Veterinary) -> randomized_trial; Controlled Clinical Trial, Clinical Trial (any phase, also
Veterinary) -> non_randomized_trial; Case Reports -> case_report; Review -> narrative_review;
Practice Guideline, Guideline, Consensus Development Conference (also NIH), Editorial, Comment ->
expert_opinion. Observational Study, Comparative Study, Letter and the rest leave the design None:
"Observational Study" does not say cohort, case-control or cross-sectional.
"""

import html
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import rispy
from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares import (
    LatexDecodingMiddleware,
    NameParts,
    NormalizeFieldKeys,
    SeparateCoAuthors,
    SplitNameParts,
)
from bibtexparser.middlewares.middleware import LibraryMiddleware
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ExplicitComment,
    ImplicitComment,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
    Preamble,
    String,
)
from Bio import Medline
from rispy.config import LIST_TYPE_TAGS as RIS_LIST_TYPE_TAGS

from app.bibliography.identifiers import (
    doi_from_url,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from app.bibliography.records import (
    FORMAT_NAMES,
    MEDIA_TYPES,
    ImportFormat,
    ParsedAuthor,
    ParsedRecord,
    ParsedStudy,
    RecordError,
    TooManyRecords,
    UnparseableBody,
)
from app.vocabularies import DESIGN_RANK, Design, PublicationType

Result = ParsedRecord | RecordError

__all__ = ["Result", "detect_format", "parse"]


def detect_format(media_type: str | None, format_param: str | None) -> ImportFormat:
    """Return the format named by the ``format`` parameter, or else by the media type."""
    if format_param is not None and format_param.strip():
        name = format_param.strip().lower()
        if name in FORMAT_NAMES:
            return FORMAT_NAMES[name]
        raise ValueError(
            f"unknown format {format_param.strip()!r}: use bibtex, ris, csl-json or medline"
        )
    if media_type is not None and media_type.strip():
        essence = media_type.split(";", 1)[0].strip().lower()
        if essence in MEDIA_TYPES:
            return MEDIA_TYPES[essence]
        raise ValueError(
            f"media type {essence!r} does not say which bibliographic format the body is in: "
            "give the format parameter (bibtex, ris, csl-json or medline) or send "
            + ", ".join(sorted(MEDIA_TYPES))
        )
    raise ValueError(
        "no format given: give the format parameter (bibtex, ris, csl-json or medline) "
        "or a bibliographic media type"
    )


def parse(body: str, fmt: ImportFormat, *, max_records: int) -> list[Result]:
    """Parse a body in the given format into one result per record, in input order."""
    text = body.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnparseableBody("the body is empty")
    return _PARSERS[fmt](text, max_records)


# --- shared record building ------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")
_DASHES = re.compile(r"\s*(?:--|\u2013|\u2014)\s*")
_YEAR_AT_START = re.compile(r"^(\d{4})(?!\d)")
_MIN_YEAR, _MAX_YEAR = 1000, 2100
# Year values that say there is no year yet, rather than giving a wrong one.
_NO_YEAR = frozenset({"in press", "forthcoming", "submitted", "accepted", "n.d", "nd", "undated"})
_PREPRINT_SERVERS = re.compile(
    r"\b(?:arxiv|biorxiv|medrxiv|psyarxiv|sportrxiv|chemrxiv|osf preprints|ssrn|"
    r"research square|preprints\.org)\b",
    re.IGNORECASE,
)
# Markup that CSL (Crossref JATS) and PubMed put into titles and abstracts.
_MARKUP = re.compile(
    r"</?(?:jats:[\w-]+|ext-link|i|b|u|em|strong|sup|sub|sc|p|italic|bold|title|sec|"
    r"list|list-item|break|mml:[\w-]+)(?:\s[^<>]*)?/?>"
)
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")


@dataclass
class _Draft:
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
            self.year = _year(value)
        except ValueError as exc:
            self.problems.append(str(exc))


def _clean(value: object) -> str | None:
    """Return the value as one trimmed NFC line of text, or None when empty or not text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    # NFC: exports mix composed and decomposed accents ("Lu\u0308scher" in JabRef's file).
    text = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()
    return text or None


def _without_markup(value: str | None, replacement: str) -> str | None:
    """Return the text without JATS/HTML tags."""
    return None if value is None else _clean(_MARKUP.sub(replacement, value))


def _year(value: object) -> int | None:
    """Return the year in a date value, None when empty; raise ValueError when unusable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, str):
        text = value.strip()
        if text.lower().rstrip(".") in _NO_YEAR:
            return None
        match = _YEAR_AT_START.match(text)
        if match is not None:
            year = int(match.group(1))
        elif re.fullmatch(r"[+-]?\d+", text):
            year = int(text)
        else:
            raise ValueError(f"invalid year {text!r}: expected a year such as 2019")
    else:
        raise ValueError(f"invalid year {value!r}: expected a year such as 2019")
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise ValueError(f"year {year} is outside {_MIN_YEAR}-{_MAX_YEAR}")
    return year


def _lenient_year(value: object) -> int | None:
    """Return the year a free-text date starts with, or None."""
    try:
        return _year(value)
    except ValueError:
        return None


def _pages(first: str | None, last: str | None = None) -> str | None:
    """Return a page range from a first and a last page, or from one range."""
    first, last = _clean(first), _clean(last)
    if first is not None and last is not None and last != first and "-" not in first:
        return f"{first}-{last}"
    return first or last


def _plain_dashes(value: str | None) -> str | None:
    """Return a range (pages, issues such as 2\u20133) with a plain hyphen."""
    return None if value is None else _DASHES.sub("-", value)


def _split_name(name: str) -> ParsedAuthor | None:
    """Split "Family, Given", "Family GI" (MEDLINE, Embase) or a single name into parts."""
    text = _clean(name)
    if text is None:
        return None
    if "," in text:
        family, given = (part.strip() for part in text.split(",", 1))
        if family:
            return ParsedAuthor(family=family, given=given or None)
        text = given
    words = text.split(" ")
    if len(words) > 1 and _INITIALS.match(words[-1]):
        return ParsedAuthor(family=" ".join(words[:-1]), given=words[-1])
    return ParsedAuthor(family=text, given=None)


def _is_web_url(url: str) -> bool:
    """Tell whether a value is an http(s) URL (not ``<Go to ISI>://...`` and the like)."""
    return url.lower().startswith(("http://", "https://"))


def _reason(position: int, key: str | None, problems: Sequence[str]) -> str:
    """Return an error reason that names the record."""
    where = f"record {position}" + (f" (key {key!r})" if key else "")
    return f"{where}: {'; '.join(problems)}"


def _finish(position: int, key: str | None, draft: _Draft) -> Result:
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
        return RecordError(position=position, key=key, reason=_reason(position, key, problems))
    publication_type = draft.publication_type
    if (
        publication_type in (PublicationType.journal_article, PublicationType.other)
        and draft.journal is not None
        and _PREPRINT_SERVERS.search(draft.journal)
    ):
        publication_type = PublicationType.preprint
    study = ParsedStudy(
        title=draft.title,
        authors=tuple(draft.authors),
        year=draft.year,
        journal=draft.journal,
        volume=draft.volume,
        issue=_plain_dashes(draft.issue),
        pages=_plain_dashes(draft.pages),
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
        url=next((url for url in draft.urls if _is_web_url(url)), None),
        abstract=draft.abstract,
        publication_type=publication_type,
        design=draft.design,
    )
    return ParsedRecord(position=position, key=key, study=study)


def _check_count(count: int, max_records: int) -> None:
    """Raise TooManyRecords when a body holds more records than allowed."""
    if count > max_records:
        raise TooManyRecords(count, max_records)


# --- BibTeX (bibtexparser 2) -----------------------------------------------------------------

# Values that are not LaTeX: decoding would eat `%2f` and `&` in URLs.
_BIBTEX_VERBATIM = frozenset({"url", "doi", "eprint", "pmid", "pmcid", "file", "urldate"})
# Fields that, given twice with different values, leave the record ambiguous.
_BIBTEX_USED = frozenset(
    {"title", "author", "year", "date", "journal", "journaltitle", "volume", "number", "issue"}
    | {"pages", "doi", "pmid", "pmcid", "eprint", "eprinttype", "url", "abstract"}
)
_BIBTEX_TYPES: dict[str, PublicationType] = {
    "article": PublicationType.journal_article,
    "periodical": PublicationType.journal_article,
    "suppperiodical": PublicationType.journal_article,
    "book": PublicationType.book,
    "mvbook": PublicationType.book,
    "inbook": PublicationType.book,
    "bookinbook": PublicationType.book,
    "suppbook": PublicationType.book,
    "booklet": PublicationType.book,
    "collection": PublicationType.book,
    "mvcollection": PublicationType.book,
    "incollection": PublicationType.book,
    "suppcollection": PublicationType.book,
    "reference": PublicationType.book,
    "mvreference": PublicationType.book,
    "inreference": PublicationType.book,
    "techreport": PublicationType.report,
    "report": PublicationType.report,
    "online": PublicationType.web_page,
    "electronic": PublicationType.web_page,
    "www": PublicationType.web_page,
    "webpage": PublicationType.web_page,
    "unpublished": PublicationType.preprint,
    "preprint": PublicationType.preprint,
}
_BIBTEX_ARTICLE_TYPES = frozenset({"article", "periodical", "suppperiodical"})
_LATEX_SPECIALS = re.compile(r"(?<!\\)[%&]")
_BRACES_OUTSIDE_MATH = re.compile(r"(\$[^$]*\$)|[{}]")
_BARE_TOKEN = re.compile(r"[^\s#{}\"]+")
_FAILED_BLOCK_KEY = re.compile(r"^@\s*\w+\s*[{(]\s*([^\s,={}()\"#]+)\s*,")
_NOT_RECORDS = re.compile(r"^@\s*(?:string|preamble|comment)\b", re.IGNORECASE)


def _closing(raw: str, start: int) -> int:
    """Return the index that closes the brace or quote group opened at ``start``, or -1."""
    depth = 0
    for index in range(start, len(raw)):
        char = raw[index]
        if index > 0 and raw[index - 1] == "\\":
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and raw[start] == "{":
                return index
            if depth < 0:
                return -1
        elif char == '"' and raw[start] == '"' and depth == 0 and index > start:
            return index
    return -1


def _evaluate(raw: str, lookup: Callable[[str], str | None]) -> str:
    """Return the value of a BibTeX field expression: literals and macros joined by ``#``."""
    pieces: list[str] = []
    index, expect_piece = 0, True
    while index < len(raw):
        char = raw[index]
        if char.isspace():
            index += 1
            continue
        if not expect_piece:
            if char != "#":
                return raw
            expect_piece, index = True, index + 1
            continue
        if char in '{"':
            end = _closing(raw, index)
            if end < 0:
                return raw
            pieces.append(raw[index + 1 : end])
            index = end + 1
        else:
            match = _BARE_TOKEN.match(raw, index)
            if match is None:
                return raw
            token = match.group()
            pieces.append(token if token.isdigit() else (lookup(token.lower()) or token))
            index = match.end()
        expect_piece = False
    return raw if expect_piece else "".join(pieces)


class _ResolveStrings(LibraryMiddleware):
    """Resolve ``@string`` macros and ``#`` concatenation, and drop the value delimiters.

    bibtexparser 2.1's own ResolveStringReferencesMiddleware only replaces a value that is one
    whole macro name; ``"John " # myname`` or a macro defined by another macro stays raw
    (python-bibtexparser issue #396). Scopus writes an entry with a field given twice; the
    splitter then returns the entry as a DuplicateFieldKeyBlock, which this middleware turns
    back into the entry (first value wins) unless a field this importer reads is ambiguous.
    """

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True)

    def transform(self, library: Library) -> Library:
        """Return the library with every entry's values evaluated."""
        definitions = {string.key.lower(): string.value for string in library.strings}
        resolved: dict[str, str] = {}
        in_progress: set[str] = set()

        def lookup(name: str) -> str | None:
            if name in resolved:
                return resolved[name]
            raw = definitions.get(name)
            if raw is None or name in in_progress or not isinstance(raw, str):
                return None
            in_progress.add(name)
            resolved[name] = _evaluate(raw, lookup)
            in_progress.discard(name)
            return resolved[name]

        blocks: list[Block] = []
        for block in library.blocks:
            entry = block
            if isinstance(block, DuplicateFieldKeyBlock) and isinstance(
                block.ignore_error_block, Entry
            ):
                entry = self._first_of_duplicates(block, block.ignore_error_block)
            if isinstance(entry, Entry):
                for entry_field in entry.fields:
                    if isinstance(entry_field.value, str):
                        entry_field.value = _evaluate(entry_field.value, lookup)
            blocks.append(entry)
        return Library(blocks=blocks, fail_on_duplicate_key=False)

    @staticmethod
    def _first_of_duplicates(block: DuplicateFieldKeyBlock, entry: Entry) -> Block:
        """Return the entry with the first of each repeated field, or the block if ambiguous."""
        seen: dict[str, object] = {}
        fields = []
        for entry_field in entry.fields:
            name = entry_field.key.lower()
            if name in seen:
                if name in _BIBTEX_USED and seen[name] != entry_field.value:
                    return block
                continue
            seen[name] = entry_field.value
            fields.append(entry_field)
        entry.fields = fields
        return entry


# Characters that make a BibTeX value more than plain text (LaTeX markup or HTML entities).
_LATEX_MARKUP = re.compile(r"[\\{}$~%&^_#]")


class _LatexDecoding(LatexDecodingMiddleware):
    """Decode LaTeX in text fields, leaving URLs and identifiers verbatim.

    Braced groups are kept so that the name splitter that runs next still sees
    ``{World Health Organization}`` as one name; the braces are stripped afterwards. A bare
    ``%`` or ``&`` (``50%``, ``&amp;`` from JabRef) is text in BibTeX but a comment or an
    alignment tab in LaTeX, so it is escaped before decoding.
    """

    def __init__(self) -> None:
        super().__init__(keep_braced_groups=True)

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        """Decode every field of the entry except the verbatim ones."""
        verbatim = [f for f in entry.fields if f.key in _BIBTEX_VERBATIM]
        entry.fields = [f for f in entry.fields if f.key not in _BIBTEX_VERBATIM]
        transformed = super().transform_entry(entry, library)
        entry.fields = entry.fields + verbatim
        return transformed

    def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
        if not _LATEX_MARKUP.search(python_string) and "--" not in python_string:
            # Plain text decodes to itself; the decoder costs ~3 ms a record otherwise.
            return python_string, ""
        escaped = _LATEX_SPECIALS.sub(r"\\\g<0>", html.unescape(python_string))
        return super()._transform_python_value_string(escaped)


def _bib_text(value: object) -> str | None:
    """Return a decoded BibTeX value as text, without leftover braces outside math."""
    if not isinstance(value, str):
        return None
    return _clean(_BRACES_OUTSIDE_MATH.sub(lambda m: m.group(1) or "", value))


def _bib_author(parts: NameParts) -> ParsedAuthor | None:
    """Return an author from BibTeX name parts (von and last make the family name)."""
    first = [p for p in (_bib_text(x) for x in parts.first) if p]
    family = " ".join(p for p in (_bib_text(x) for x in [*parts.von, *parts.last]) if p)
    jr = [p for p in (_bib_text(x) for x in parts.jr) if p]
    # "Fulton, James E., Jr." is "Last, Jr, First" to BibTeX; a lone suffix as the first
    # name means the writer meant "Last, First, Jr".
    if jr and len(first) == 1 and first[0].lower() in _NAME_SUFFIXES:
        first, jr = jr, first
    given = " ".join(first) + (", " + " ".join(jr) if jr else "")
    if not family:
        family, given = given, ""
    if not family or family.lower() == "others":
        return None
    return ParsedAuthor(family=family, given=given.strip(", ") or None)


def _bibtex_draft(entry: Entry) -> _Draft:
    """Read the study fields of a decoded BibTeX entry."""
    values: dict[str, Any] = {f.key: f.value for f in entry.fields}

    def text(*names: str) -> str | None:
        return next((t for t in (_bib_text(values.get(n)) for n in names) if t), None)

    entry_type = entry.entry_type.lower()
    draft = _Draft(title=text("title"), abstract=text("abstract"))
    draft.publication_type = _BIBTEX_TYPES.get(entry_type, PublicationType.other)
    url = _clean(values.get("url"))
    if entry_type == "misc" and url is not None:
        draft.publication_type = PublicationType.web_page
    authors = values.get("author")
    if isinstance(authors, list):
        draft.authors = [
            a for a in (_bib_author(p) for p in authors if isinstance(p, NameParts)) if a
        ]
    if text("year") is not None:
        draft.set_year(text("year"))
    else:
        draft.set_year(text("date"))
    draft.journal = text("journal", "journaltitle")
    draft.volume = text("volume")
    if entry_type in _BIBTEX_ARTICLE_TYPES:
        draft.issue = text("number", "issue")
    draft.pages = _pages(text("pages"))
    draft.doi = _clean(values.get("doi"))
    eprint_type = (text("eprinttype", "archiveprefix") or "").lower()
    draft.pmid = _clean(values.get("pmid")) or (
        _clean(values.get("eprint")) if eprint_type in ("pubmed", "pmid") else None
    )
    draft.pmcid = _clean(values.get("pmcid")) or (
        _clean(values.get("eprint")) if eprint_type in ("pmc", "pmcid") else None
    )
    if url is not None:
        draft.urls.append(url)
    return draft


def _line(block: Block) -> str:
    """Return " (line N)" for a block, counting from 1."""
    return "" if block.start_line is None else f" (line {block.start_line + 1})"


def _bibtex_failure(block: ParsingFailedBlock) -> tuple[str | None, str]:
    """Return the key and the reason of a block bibtexparser could not read."""
    if isinstance(block, DuplicateBlockKeyBlock):
        earlier = block.previous_block.start_line
        where = "an earlier entry" if earlier is None else f"the entry at line {earlier + 1}"
        return block.key, f"key {block.key!r}{_line(block)} is already used by {where}"
    entry = block.ignore_error_block
    key = entry.key if isinstance(entry, Entry) else None
    if isinstance(block, DuplicateFieldKeyBlock):
        names = ", ".join(sorted(block.duplicate_keys))
        return key, f"field {names} is given twice with different values{_line(block)}"
    error = block.error
    detail = _clean(str(getattr(error, "abort_reason", "") or error)) or type(error).__name__
    if isinstance(block, MiddlewareErrorBlock):
        return key, f"cannot read the entry{_line(block)}: {detail}"
    raw = (block.raw or "").strip()
    match = _FAILED_BLOCK_KEY.match(raw)
    opening = _clean(raw.split("\n", 1)[0][:60])
    return (
        match.group(1) if match else None,
        f"not a complete BibTeX entry{_line(block)}, starting {opening!r}: {detail}",
    )


def _is_record_block(block: Block) -> bool:
    """Tell whether a block is an entry or a failed entry (not a string, preamble, comment)."""
    if isinstance(block, Entry):
        return True
    if not isinstance(block, ParsingFailedBlock):
        return False
    inner = block.ignore_error_block
    if isinstance(inner, String | Preamble | ExplicitComment | ImplicitComment):
        return False
    return not _NOT_RECORDS.match((block.raw or "").lstrip())


def _parse_bibtex(text: str, max_records: int) -> list[Result]:
    """Parse BibTeX/biblatex entries with bibtexparser 2."""
    try:
        library = parse_string(
            text,
            parse_stack=[
                _ResolveStrings(),
                NormalizeFieldKeys(),
                _LatexDecoding(),
                SeparateCoAuthors(),
                SplitNameParts(),
            ],
        )
    except Exception as exc:  # the splitter raises only on its own internal errors
        raise UnparseableBody(f"not readable as BibTeX: {exc}") from exc
    blocks = [block for block in library.blocks if _is_record_block(block)]
    if not blocks:
        raise UnparseableBody("no BibTeX entries found (expected @type{key, field = {...}})")
    _check_count(len(blocks), max_records)
    results: list[Result] = []
    for position, block in enumerate(blocks, start=1):
        if isinstance(block, Entry):
            results.append(_finish(position, block.key or None, _bibtex_draft(block)))
        elif isinstance(block, ParsingFailedBlock):
            key, reason = _bibtex_failure(block)
            results.append(RecordError(position, key, _reason(position, key, [reason])))
    return results


# --- RIS (rispy) -----------------------------------------------------------------------------

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
_JOURNAL_TYPES = frozenset(
    {PublicationType.journal_article, PublicationType.review_article, PublicationType.preprint}
)
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
    return [text for text in (_clean(v) for v in values) if text]


def _ris_first(record: Mapping[str, Any], *names: str) -> str | None:
    """Return the first non-empty value among the named rispy fields."""
    return next((v for n in names for v in _ris_values(record, n)), None)


def _ris_unknown(record: Mapping[str, Any], tag: str) -> str | None:
    """Return the first value of a tag rispy does not map."""
    unknown = record.get("unknown_tag")
    if isinstance(unknown, Mapping):
        values = unknown.get(tag)
        if isinstance(values, list):
            return next((t for t in (_clean(v) for v in values) if t), None)
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


def _ris_draft(record: Mapping[str, Any], body_database: str | None) -> _Draft:
    """Read the study fields of one rispy record (``body_database``: see ``_parse_ris``)."""
    ris_type = (_ris_first(record, "type_of_reference") or "").upper()
    draft = _Draft(
        title=_ris_first(record, "title", "primary_title") or _ris_unknown(record, "BT"),
        publication_type=_RIS_TYPES.get(ris_type, PublicationType.other),
    )
    if draft.publication_type is PublicationType.journal_article and any(
        work.lower() == "review" for work in _ris_values(record, "type_of_work")
    ):
        draft.publication_type = PublicationType.review_article
    names = _ris_values(record, "authors") + _ris_values(record, "first_authors")
    draft.authors = [a for a in map(_split_name, names) if a]
    year = _ris_first(record, "year", "publication_year")
    if year is not None:
        draft.set_year(year)
    else:
        draft.year = _lenient_year(_ris_first(record, "date"))
    draft.journal = _ris_first(record, "alternate_title3", "journal_name", "alternate_title2")
    if draft.journal is None and draft.publication_type in _JOURNAL_TYPES:
        draft.journal = _ris_first(record, "secondary_title", "alternate_title1")
    draft.volume = _ris_first(record, "volume")
    draft.issue = _ris_first(record, "number")
    start, end = _ris_first(record, "start_page"), _ris_first(record, "end_page")
    # Ovid splits "No Pagination Specified" into SP "No" and EP "Specified".
    if (start or "").lower() != "no" or (end or "").lower() != "specified":
        draft.pages = _pages(start, end)
    draft.doi = _ris_first(record, "doi")
    draft.pmid = _ris_pmid(record, body_database)
    draft.urls = _ris_values(record, "urls")
    draft.abstract = _ris_first(record, "abstract", "notes_abstract")
    return draft


def _parse_ris(text: str, max_records: int) -> list[Result]:
    """Parse RIS records with rispy, one record at a time."""
    chunks = _ris_chunks(text)
    if not any(chunk.has_type for chunk in chunks):
        raise UnparseableBody("no RIS records found (expected records from 'TY  -' to 'ER  -')")
    _check_count(len(chunks), max_records)
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
            results.append(RecordError(position, None, _reason(position, None, [record])))
        else:
            key = _ris_first(record, "id")
            results.append(_finish(position, key, _ris_draft(record, body_database)))
    return results


# --- CSL-JSON --------------------------------------------------------------------------------

_CSL_TYPES: dict[str, PublicationType] = {
    "article-journal": PublicationType.journal_article,
    "review": PublicationType.review_article,
    "review-book": PublicationType.review_article,
    "article": PublicationType.preprint,  # CSL 1.0.2: preprints and working papers
    "posted-content": PublicationType.preprint,  # Crossref's type for preprints
    "book": PublicationType.book,
    "chapter": PublicationType.book,
    "classic": PublicationType.book,
    "report": PublicationType.report,
    "post-weblog": PublicationType.blog_post,
    "webpage": PublicationType.web_page,
    "post": PublicationType.web_page,
}


def _csl_text(value: object) -> str | None:
    """Return a CSL string value (Crossref sometimes sends a list of strings)."""
    if isinstance(value, list):
        return next((t for t in map(_clean, value) if t), None)
    return _clean(value)


def _csl_author(name: object) -> ParsedAuthor | None:
    """Return an author from a CSL name object."""
    if not isinstance(name, Mapping):
        return None
    literal = _clean(name.get("literal"))
    family = " ".join(
        part for part in (_clean(name.get(k)) for k in ("non-dropping-particle", "family")) if part
    )
    given = " ".join(
        part for part in (_clean(name.get(k)) for k in ("given", "dropping-particle")) if part
    )
    suffix = _clean(name.get("suffix"))
    if suffix and given:
        given = f"{given}, {suffix}"
    if not family:
        family, given = literal or given, ""
    return ParsedAuthor(family=family, given=given or None) if family else None


def _csl_year(issued: object, draft: _Draft) -> None:
    """Set the year from a CSL date: the first part of ``date-parts``, or a free-text date."""
    if isinstance(issued, str):
        draft.year = _lenient_year(issued)
        return
    if not isinstance(issued, Mapping):
        return
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        draft.set_year(parts[0][0])
        if draft.year is not None or draft.problems:
            return
    draft.year = _lenient_year(issued.get("raw")) or _lenient_year(issued.get("literal"))


def _csl_draft(item: Mapping[str, Any]) -> _Draft:
    """Read the study fields of one CSL-JSON item."""
    publication_type = _CSL_TYPES.get(str(item.get("type", "")), PublicationType.other)
    draft = _Draft(
        title=_without_markup(_csl_text(item.get("title")), ""),
        publication_type=publication_type,
        abstract=_without_markup(_csl_text(item.get("abstract")), " "),
    )
    authors = item.get("author")
    if isinstance(authors, list):
        draft.authors = [a for a in map(_csl_author, authors) if a]
    _csl_year(item.get("issued"), draft)
    if publication_type in _JOURNAL_TYPES:
        draft.journal = _csl_text(item.get("container-title"))
    draft.volume = _csl_text(item.get("volume"))
    draft.issue = _csl_text(item.get("issue"))
    draft.pages = _pages(_csl_text(item.get("page")))
    draft.doi = _csl_text(item.get("DOI"))
    draft.pmid = _csl_text(item.get("PMID"))
    draft.pmcid = _csl_text(item.get("PMCID"))
    url = _csl_text(item.get("URL"))
    draft.urls = [url] if url else []
    return draft


def _parse_csl_json(text: str, max_records: int) -> list[Result]:
    """Parse a CSL-JSON array of items (or a single item)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnparseableBody(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise UnparseableBody("not CSL-JSON: arrays or objects nested too deep") from exc
    except ValueError as exc:  # an integer of more digits than Python converts
        raise UnparseableBody(f"not valid JSON: {exc}") from exc
    items: list[object] = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise UnparseableBody("CSL-JSON must be an array of items or a single item object")
    if not items:
        raise UnparseableBody("the CSL-JSON array is empty")
    _check_count(len(items), max_records)
    results: list[Result] = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            reason = f"not a CSL-JSON item object but {type(item).__name__}"
            results.append(RecordError(position, None, _reason(position, None, [reason])))
            continue
        key = _clean(item.get("id"))
        results.append(_finish(position, key, _csl_draft(item)))
    return results


# --- PubMed MEDLINE (Biopython) --------------------------------------------------------------

# Biopython's parser has no annotations; this is its signature.
_read_medline: Callable[[TextIO], Iterator[dict[str, Any]]] = Medline.parse
_MEDLINE_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- ?(.*)$")
_MEDLINE_ID = re.compile(r"(\S+)\s*\[(\w+)\]")
# PT value -> design, for the publication types that state a design; the strongest wins.
_MEDLINE_DESIGNS: dict[str, Design] = {
    "meta-analysis": Design.meta_analysis,
    "systematic review": Design.systematic_review,
    "randomized controlled trial": Design.randomized_trial,
    "randomized controlled trial, veterinary": Design.randomized_trial,
    "controlled clinical trial": Design.non_randomized_trial,
    "clinical trial": Design.non_randomized_trial,
    "clinical trial, phase i": Design.non_randomized_trial,
    "clinical trial, phase ii": Design.non_randomized_trial,
    "clinical trial, phase iii": Design.non_randomized_trial,
    "clinical trial, phase iv": Design.non_randomized_trial,
    "clinical trial, veterinary": Design.non_randomized_trial,
    "case reports": Design.case_report,
    "review": Design.narrative_review,
    "practice guideline": Design.expert_opinion,
    "guideline": Design.expert_opinion,
    "consensus development conference": Design.expert_opinion,
    "consensus development conference, nih": Design.expert_opinion,
    "editorial": Design.expert_opinion,
    "comment": Design.expert_opinion,
}
_MEDLINE_REVIEWS = frozenset({"review", "systematic review", "meta-analysis", "scoping review"})


def _medline_blocks(text: str) -> list[list[str]]:
    """Split a MEDLINE body into records and rewrite each line in Biopython's fixed columns.

    Bio.Medline reads the tag from columns 1-4 and the value from column 7 on, and a record
    that ends badly stops the whole generator. Real files shift those columns (``PMID-2266``
    loses a digit, ``TI  -This`` a letter), so each tag line is rewritten as ``TAG - value``,
    continuation lines get their six spaces, lines that are neither (free text between or
    inside records) are dropped, and each record goes to Biopython on its own.
    """
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current = []
        elif line[0].isspace():
            if current:
                current.append("      " + line.strip())
        elif (match := _MEDLINE_TAG_LINE.match(line.rstrip())) is not None:
            current.append(f"{match.group(1):<4}- {match.group(2).strip()}")
    if current:
        blocks.append(current)
    return blocks


def _medline_list(record: Mapping[str, Any], tag: str) -> list[str]:
    """Return the non-empty values of a MEDLINE tag."""
    value = record.get(tag)
    values = value if isinstance(value, list) else [value]
    return [text for text in (_clean(v) for v in values) if text]


def _medline_ids(record: Mapping[str, Any], kind: str) -> list[str]:
    """Return the ``AID``/``LID`` identifiers of one kind (``doi``, ``pmc``, ``pii``)."""
    values = _medline_list(record, "AID") + _medline_list(record, "LID")
    return [
        match.group(1)
        for value in values
        for match in _MEDLINE_ID.finditer(value)
        if match.group(2).lower() == kind
    ]


def _medline_types(types: Iterable[str]) -> tuple[PublicationType | None, Design | None]:
    """Return the publication type and design that the ``PT`` values state."""
    lowered = {t.lower() for t in types}
    designs = [_MEDLINE_DESIGNS[t] for t in lowered if t in _MEDLINE_DESIGNS]
    design = min(designs, key=DESIGN_RANK.__getitem__) if designs else None
    if "preprint" in lowered:
        return PublicationType.preprint, design
    if lowered & _MEDLINE_REVIEWS:
        return PublicationType.review_article, design
    if lowered & {"book", "book chapter"}:
        return PublicationType.book, design
    if "technical report" in lowered:
        return PublicationType.report, design
    if "journal article" in lowered:
        return PublicationType.journal_article, design
    return None, design


def _medline_draft(record: Mapping[str, Any]) -> _Draft:
    """Read the study fields of one Biopython MEDLINE record."""
    draft = _Draft(
        title=_clean(record.get("TI")) or _clean(record.get("BTI")),
        abstract=_without_markup(_clean(record.get("AB")), " "),
    )
    names = _medline_list(record, "FAU") or _medline_list(record, "AU")
    draft.authors = [a for a in map(_split_name, names) if a]
    draft.authors += [ParsedAuthor(family=c, given=None) for c in _medline_list(record, "CN")]
    draft.set_year(_clean(record.get("DP")))
    draft.journal = _clean(record.get("JT")) or _clean(record.get("TA"))
    draft.volume = _clean(record.get("VI"))
    draft.issue = _clean(record.get("IP"))
    draft.pages = _pages(_clean(record.get("PG")))
    draft.doi = next(iter(_medline_ids(record, "doi")), None)
    draft.pmid = _clean(record.get("PMID"))
    draft.pmcid = _clean(record.get("PMC")) or next(iter(_medline_ids(record, "pmc")), None)
    publication_type, draft.design = _medline_types(_medline_list(record, "PT"))
    if publication_type is None:
        has_journal = draft.journal is not None
        publication_type = PublicationType.journal_article if has_journal else PublicationType.other
    draft.publication_type = publication_type
    return draft


def _parse_medline(text: str, max_records: int) -> list[Result]:
    """Parse PubMed MEDLINE (.nbib) records with Biopython, one record at a time."""
    blocks = _medline_blocks(text)
    # Other tagged formats (RIS: "TY  - JOUR") fit the line grammar too; PubMed writes a PMID
    # into every record, so a body without any is not a PubMed MEDLINE file.
    if not any(line.startswith("PMID-") for block in blocks for line in block):
        raise UnparseableBody("no MEDLINE records found (expected records starting 'PMID- 123')")
    _check_count(len(blocks), max_records)
    results: list[Result] = []
    for position, block in enumerate(blocks, start=1):
        try:
            records = list(_read_medline(io.StringIO("\n".join(block) + "\n")))
        except Exception as exc:  # Biopython raises bare KeyError on odd input
            reason = f"cannot read the record: {type(exc).__name__}: {exc}"
            results.append(RecordError(position, None, _reason(position, None, [reason])))
            continue
        record: Mapping[str, Any] = records[0] if len(records) == 1 else {}
        key = _clean(record.get("PMID"))
        results.append(_finish(position, key, _medline_draft(record)))
    return results


_PARSERS: dict[ImportFormat, Callable[[str, int], list[Result]]] = {
    ImportFormat.bibtex: _parse_bibtex,
    ImportFormat.ris: _parse_ris,
    ImportFormat.csl_json: _parse_csl_json,
    ImportFormat.medline: _parse_medline,
}
