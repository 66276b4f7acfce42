"""BibTeX and biblatex, read with bibtexparser 2."""

import html
import logging
import re
import unicodedata
from collections.abc import Callable
from typing import Any

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

from app.bibliography.drafts import (
    NAME_SUFFIXES,
    Draft,
    Result,
    check_count,
    clean,
    finish,
    page_range,
    record_error,
)
from app.bibliography.limits import (
    EXPANSION_ALLOWANCE,
    EXPANSION_FACTOR,
    MAX_FIELD_CHARS,
    MAX_LATEX_CHARS,
    MAX_RECORD_CHARS,
    Budget,
    TooMuchWork,
)
from app.bibliography.records import (
    ParsedAuthor,
    UnparseableBody,
)
from app.vocabularies import PublicationType

# The splitter logs a warning per malformed block: a body of fragments would flood the log.
logging.getLogger("bibtexparser").setLevel(logging.ERROR)

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
_ENTRY_START = re.compile(r"@\s*(\w+)\s*[{(]")
_NOT_ENTRIES = frozenset({"string", "preamble", "comment"})
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


def _evaluate(raw: str, lookup: Callable[[str], str | None], budget: Budget) -> str:
    """Return the value of a BibTeX field expression: literals and macros joined by ``#``.

    A value that uses a macro is charged to ``budget``; one that grows past the longest field
    refuses the body (TooMuchWork), so chained macros cannot expand without end.
    """
    pieces: list[str] = []
    length, expanded = 0, False
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
            piece = raw[index + 1 : end]
            index = end + 1
        else:
            match = _BARE_TOKEN.match(raw, index)
            if match is None:
                return raw
            token = match.group()
            value = None if token.isdigit() else lookup(token.lower())
            expanded = expanded or value is not None
            piece = token if value is None else value
            index = match.end()
        pieces.append(piece)
        length += len(piece)
        if expanded and length > MAX_FIELD_CHARS:
            raise TooMuchWork(
                f"a @string macro expands past {MAX_FIELD_CHARS} characters, the longest field"
            )
        expect_piece = False
    if expect_piece:
        return raw
    if expanded:
        budget.spend(length)
    return "".join(pieces)


def _too_long(entry: Entry) -> str | None:
    """Say which field (or the whole entry) of an evaluated entry is too long, or None."""
    total = 0
    for entry_field in entry.fields:
        size = len(entry_field.value) if isinstance(entry_field.value, str) else 0
        if size > MAX_FIELD_CHARS:
            return f"field {entry_field.key} holds {size} characters; at most {MAX_FIELD_CHARS}"
        total += size
    if total > MAX_RECORD_CHARS:
        return f"the entry holds {total} characters; at most {MAX_RECORD_CHARS}"
    return None


class _ResolveStrings(LibraryMiddleware):
    """Resolve ``@string`` macros and ``#`` concatenation, and drop the value delimiters.

    bibtexparser 2.1's own ResolveStringReferencesMiddleware only replaces a value that is one
    whole macro name; ``"John " # myname`` or a macro defined by another macro stays raw
    (python-bibtexparser issue #396). Scopus writes an entry with a field given twice; the
    splitter then returns the entry as a DuplicateFieldKeyBlock, which this middleware turns
    back into the entry (first value wins) unless a field this importer reads is ambiguous.
    """

    def __init__(self, budget: Budget) -> None:
        super().__init__(allow_inplace_modification=True)
        self.budget = budget

    def transform(self, library: Library) -> Library:
        """Return the library with every entry's values evaluated; too long ones as errors."""
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
            resolved[name] = _evaluate(raw, lookup, self.budget)
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
                        entry_field.value = _evaluate(entry_field.value, lookup, self.budget)
                problem = _too_long(entry)
                if problem is not None:
                    entry = MiddlewareErrorBlock(entry, ValueError(problem))
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
_LATEX_COMMANDS = re.compile(r"[\\$~%&^_#]")


class _LatexDecoding(LatexDecodingMiddleware):
    """Decode LaTeX in text fields, leaving URLs and identifiers verbatim.

    Braced groups are kept so that the name splitter that runs next still sees
    ``{World Health Organization}`` as one name; the braces are stripped afterwards. A bare
    ``%`` or ``&`` (``50%``, ``&amp;`` from JabRef) is text in BibTeX but a comment or an
    alignment tab in LaTeX, so it is escaped before decoding.
    """

    def __init__(self, budget: Budget) -> None:
        super().__init__(keep_braced_groups=True)
        self.budget = budget

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
        text = _decode_accents(html.unescape(python_string))
        if not _LATEX_COMMANDS.search(text):
            # Braced groups are kept as they are: the decoder would keep them too.
            return text, ""
        # What is left needs the LaTeX decoder, about a millisecond a group: bounded per body.
        self.budget.spend(len(text))
        escaped = _LATEX_SPECIALS.sub(r"\\\g<0>", text)
        return super()._transform_python_value_string(escaped)


# Accents as BibTeX writes them, {\"o}, \"{o}, \"o, \v{c}: decoded at once to the composed
# letter, which is what the LaTeX decoder gives, at a thousandth of its cost.
_ACCENT_MARKS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "c": "\u0327",
    "v": "\u030c",
    "u": "\u0306",
    "H": "\u030b",
    "k": "\u0328",
    "r": "\u030a",
}
_ACCENT = r"\\(?:([\"'`^~=.])\s*|([cvuHkr])(?=[\s{]))\s*(?:\{([A-Za-z])\}|([A-Za-z]))"
_ACCENTS = re.compile(rf"\{{{_ACCENT}\}}|{_ACCENT}")
_DASH_RUNS = re.compile(r"-{2,3}")


def _accented(match: re.Match[str]) -> str:
    groups = [g for g in match.groups() if g is not None]
    mark, letter = groups[0], groups[1]
    return unicodedata.normalize("NFC", letter + _ACCENT_MARKS[mark])


def _decode_accents(text: str) -> str:
    """Decode accented letters and dashes (``--``, ``---``), leaving any other LaTeX."""
    text = _ACCENTS.sub(_accented, text)
    return _DASH_RUNS.sub(lambda m: "\u2013" if len(m.group()) == 2 else "\u2014", text)


def _bib_text(value: object) -> str | None:
    """Return a decoded BibTeX value as text, without leftover braces outside math."""
    if not isinstance(value, str):
        return None
    return clean(_BRACES_OUTSIDE_MATH.sub(lambda m: m.group(1) or "", value))


def _bib_author(parts: NameParts) -> ParsedAuthor | None:
    """Return an author from BibTeX name parts: "von Last, Jr, First".

    The von part is kept as the particle that stays with the family name (BibTeX cannot say
    whether it drops); a name that is one braced group ({World Health Organization}) is
    literal, never split.
    """
    first = [p for p in (_bib_text(x) for x in parts.first) if p]
    von = " ".join(p for p in (_bib_text(x) for x in parts.von) if p)
    family = " ".join(p for p in (_bib_text(x) for x in parts.last) if p)
    jr = [p for p in (_bib_text(x) for x in parts.jr) if p]
    # "Fulton, James E., Jr." is "Last, Jr, First" to BibTeX; a lone suffix as the first
    # name means the writer meant "Last, First, Jr".
    if jr and len(first) == 1 and first[0].lower() in NAME_SUFFIXES:
        first, jr = jr, first
    given = " ".join(first)
    if not family:
        family, given, von = " ".join(part for part in (given, von) if part), "", ""
    if not family or family.lower() == "others":
        return None
    braced = len(parts.last) == 1 and parts.last[0].startswith("{") and parts.last[0].endswith("}")
    return ParsedAuthor(
        family=family,
        given=given or None,
        non_dropping_particle=von or None,
        suffix=" ".join(jr) or None,
        literal=braced and not (first or von or jr),
    )


def _bibtex_draft(entry: Entry) -> Draft:
    """Read the study fields of a decoded BibTeX entry."""
    values: dict[str, Any] = {f.key: f.value for f in entry.fields}

    def text(*names: str) -> str | None:
        return next((t for t in (_bib_text(values.get(n)) for n in names) if t), None)

    entry_type = entry.entry_type.lower()
    draft = Draft(title=text("title"), abstract=text("abstract"))
    draft.publication_type = _BIBTEX_TYPES.get(entry_type, PublicationType.other)
    url = clean(values.get("url"))
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
    draft.pages = page_range(text("pages"))
    draft.doi = clean(values.get("doi"))
    eprint_type = (text("eprinttype", "archiveprefix") or "").lower()
    draft.pmid = clean(values.get("pmid")) or (
        clean(values.get("eprint")) if eprint_type in ("pubmed", "pmid") else None
    )
    draft.pmcid = clean(values.get("pmcid")) or (
        clean(values.get("eprint")) if eprint_type in ("pmc", "pmcid") else None
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
    detail = clean(str(getattr(error, "abort_reason", "") or error)) or type(error).__name__
    if isinstance(block, MiddlewareErrorBlock):
        return key, f"cannot read the entry{_line(block)}: {detail}"
    raw = (block.raw or "").strip()
    match = _FAILED_BLOCK_KEY.match(raw)
    opening = clean(raw.split("\n", 1)[0][:60])
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


def parse_bibtex(text: str, max_records: int) -> list[Result]:
    """Parse BibTeX/biblatex entries with bibtexparser 2, within the bounds of ``limits``."""
    # Count the entries first: a body of many fragments costs the splitter seconds each 1,000.
    starts = sum(1 for m in _ENTRY_START.finditer(text) if m.group(1).lower() not in _NOT_ENTRIES)
    check_count(starts, max_records)
    expansion = Budget(EXPANSION_FACTOR * len(text) + EXPANSION_ALLOWANCE, "@string expansion")
    latex = Budget(MAX_LATEX_CHARS, "LaTeX markup to decode")
    try:
        library = parse_string(
            text,
            parse_stack=[
                _ResolveStrings(expansion),
                NormalizeFieldKeys(),
                _LatexDecoding(latex),
                SeparateCoAuthors(),
                SplitNameParts(),
            ],
        )
    except UnparseableBody:
        raise
    except RecursionError as exc:
        raise TooMuchWork("@string macros defined by macros too many levels deep") from exc
    except Exception as exc:  # the splitter raises only on its own internal errors
        raise UnparseableBody(f"not readable as BibTeX: {exc}") from exc
    blocks = [block for block in library.blocks if _is_record_block(block)]
    if not blocks:
        raise UnparseableBody("no BibTeX entries found (expected @type{key, field = {...}})")
    check_count(len(blocks), max_records)
    results: list[Result] = []
    for position, block in enumerate(blocks, start=1):
        if isinstance(block, Entry):
            results.append(finish(position, block.key or None, _bibtex_draft(block)))
        elif isinstance(block, ParsingFailedBlock):
            key, reason = _bibtex_failure(block)
            results.append(record_error(position, key, reason))
    return results
