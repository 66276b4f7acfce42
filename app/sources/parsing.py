"""Find the works a text cites: its reference list, author-year citations and identifier links.

Plain text and HTML are read alike (HTML is reduced to its text, keeping link targets, since
"PubMed" link text carries its PMID only in the address). Reference entries are parsed into
fields by the shapes citations take in practice: APA-like "Authors (Year). Title. Journal,
Vol(Issue), pages." and Vancouver-like "Authors. Title. Journal. Year;Vol(Issue):pages." with
looser variants (a year alone, link text left over after the year).
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

from app.bibliography.identifiers import normalize_doi, normalize_title

FoundIn = Literal["reference_list", "text"]

_HTML = re.compile(r"<(?:html|body|p|div|a|li|ol|ul|br|h[1-6]|span|section|article)\b", re.I)
_BLOCKS = {
    "p", "div", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
    "ol", "ul", "header", "footer", "blockquote", "table", "dd", "dt",
}  # fmt: skip
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"'<>]+", re.I)
_PMID = re.compile(
    r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/|\bPMID:?\s*)(\d{1,9})\b", re.I
)
_PMCID = re.compile(r"\b(PMC\d{1,9})\b", re.I)
_URL = re.compile(r"https?://\S+|\bdoi:\s*\S+|\bPMID:?\s*\d+|\bPMCID:?\s*PMC\d+", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_HEADING = re.compile(
    r"^(?:\d+\.?\s*)?(?:references?(?:\s+and\s+further\s+reading)?|bibliography|works\s+cited|"
    r"literature\s+cited|reference\s+list|sources|further\s+reading|citations)\s*:?$",
    re.I,
)
_NUMBERED = re.compile(r"^\s*(?:\[\d{1,4}\]|\d{1,4}[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z0-9\"\u201c\u2018'(\[])")
_LINK_TEXT = re.compile(
    r"^(?:pubmed|pmc|pubmed\s+central|google\s+scholar|crossref|blog|full\s+text|link|"
    r"abstract|pdf|free\s+article|publisher)",
    re.I,
)
_ETAL = re.compile(r"[,\s]*\bet\s+al\b\.?", re.I)
_INITIALS = re.compile(r"^[A-Z]{1,3}$")
_APA = re.compile(
    r"^(?P<authors>.+?)\s*\((?P<year>(?:19|20)\d{2})[a-z]?(?:,[^)]*)?\)\.?\s*(?P<rest>.*)$"
)
_APA_NAME = re.compile(r"([^,&]+?),\s*((?:[A-Z]\.\s*-?\s*)+)")
_VANCOUVER_NUMBERS = re.compile(
    r";\s*(?P<volume>\w+)\s*(?:\((?P<issue>[\w-]+)\))?\s*(?::\s*(?P<pages>\w*\d+(?:\s*[-\u2013]\s*\w*\d+)?))?"
)
_APA_NUMBERS = re.compile(
    r",\s*(?P<volume>\d+)\s*(?:\((?P<issue>[\w-]+)\))?\s*(?:,\s*(?P<pages>\w*\d+(?:\s*[-\u2013]\s*\w*\d+)?))?"
)
# Words that start a sentence and precede a year without naming anyone ("In 2019").
_NOT_NAMES = {
    "in", "the", "a", "an", "by", "since", "from", "until", "of", "on", "at", "for", "as", "and",
    "updated", "published", "posted", "between", "during", "after", "before", "year", "jan",
    "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul",
    "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november",
    "dec", "december", "spring", "summer", "autumn", "fall", "winter", "circa", "about",
}  # fmt: skip
_NAME = "[A-Z][A-Za-z'\u2019\\-]+"
_IN_TEXT = re.compile(
    rf"(?P<names>{_NAME}(?:\s*(?:,|&|\band\b)\s*{_NAME})*)(?P<etal>\s+et\s+al\.?)?"
    r"(?P<sep>,?\s*)(?P<open>\()?(?P<year>(?:19|20)\d{2})[a-z]?(?P<close>\))?"
)


@dataclass
class CitedAuthor:
    """An author as cited: the family name and the initials given, if any."""

    family: str
    initials: str = ""

    def __str__(self) -> str:
        return f"{self.family} {self.initials}".strip()


@dataclass
class ParsedReference:
    """A cited work, as written and as parsed into fields."""

    text: str
    found_in: FoundIn
    authors: list[CitedAuthor] = field(default_factory=list)
    et_al: bool = False
    year: int | None = None
    title: str | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None

    @property
    def first_family(self) -> str | None:
        """Return the first author's family name, folded, if any."""
        return fold(self.authors[0].family) if self.authors else None


def fold(text: str) -> str:
    """Return ``text`` folded for comparison: ASCII, lower case, words only."""
    return normalize_title(text)


class _TextExtractor(HTMLParser):
    """Collect an HTML document's text, a line a block, with link targets after link text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "a":
            self._hrefs.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag == "a" and self._hrefs:
            href = self._hrefs.pop()
            if href and (_DOI.search(href) or _PMID.search(href) or _PMCID.search(href)):
                self.parts.append(f" {href} ")
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            # Lines in HTML come from blocks, not from how the source was wrapped.
            self.parts.append(" ".join(data.split()) if data.strip() else " ")


def plain_text(text: str) -> str:
    """Return the text of ``text``: HTML is reduced to lines of text with link targets."""
    if not _HTML.search(text):
        return text
    extractor = _TextExtractor()
    extractor.feed(text)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    return "\n".join(line for line in lines)


def identifiers(text: str) -> tuple[str | None, str | None, str | None]:
    """Return the first DOI, PMID and PMCID written in ``text``."""
    doi = None
    if match := _DOI.search(text):
        candidate = match.group(0).rstrip(".,;:)]}>")
        try:
            doi = normalize_doi(candidate)
        except ValueError:
            doi = None
    pmid = match.group(1) if (match := _PMID.search(text)) else None
    pmcid = match.group(1).upper() if (match := _PMCID.search(text)) else None
    return doi, (str(int(pmid)) if pmid else None), pmcid


def _has_identifier(text: str) -> bool:
    return any(identifiers(text))


def parse_authors(text: str) -> tuple[list[CitedAuthor], bool]:
    """Return the authors named in a byline and whether it ends in "et al."."""
    et_al = bool(_ETAL.search(text))
    text = _ETAL.sub("", text).strip().rstrip(",;")
    if _APA_NAME.search(text) and re.search(r",\s*[A-Z]\.", text):
        return [
            CitedAuthor(
                family=family.strip(" &").removeprefix("and ").strip(), initials=_letters(given)
            )
            for family, given in _APA_NAME.findall(text)
        ], et_al
    authors = []
    text = text.rstrip(".")
    for name in re.split(r"\s*(?:,|;|&|\band\b)\s*", text):
        tokens = name.split()
        if not tokens:
            continue
        if len(tokens) > 1 and _INITIALS.match(tokens[-1]):
            authors.append(CitedAuthor(family=" ".join(tokens[:-1]), initials=tokens[-1]))
        elif len(tokens) > 1 and all(token[:1].isupper() for token in tokens):
            # "Greg Lehman": given names first.
            initials = "".join(token[0] for token in tokens[:-1])
            authors.append(CitedAuthor(family=tokens[-1], initials=initials))
        else:
            authors.append(CitedAuthor(family=" ".join(tokens)))
    return authors, et_al


def _letters(given: str) -> str:
    return "".join(char for char in given if char.isalpha() and char.isupper())


def _journal_and_numbers(segment: str) -> tuple[str | None, dict[str, str | None]]:
    """Split "Ann Fam Med. 2013;11(6):527-34" or "Annals, 11(6), 527-534" into parts."""
    numbers: dict[str, str | None] = {"volume": None, "issue": None, "pages": None}
    if match := _VANCOUVER_NUMBERS.search(segment):
        numbers = {key: match.group(key) for key in numbers}
    elif match := _APA_NUMBERS.search(segment):
        numbers = {key: match.group(key) for key in numbers}
        segment = segment[: match.start()]
    journal = _YEAR.split(segment)[0].strip(" .,;:")
    if not journal or _LINK_TEXT.match(journal) or _YEAR.fullmatch(journal):
        return None, numbers
    return journal, numbers


def parse_reference(text: str, *, found_in: FoundIn = "reference_list") -> ParsedReference:
    """Parse one reference entry into its fields; fields not found stay None."""
    doi, pmid, pmcid = identifiers(text)
    reference = ParsedReference(text=text, found_in=found_in, doi=doi, pmid=pmid, pmcid=pmcid)
    body = _URL.sub(" ", _NUMBERED.sub("", text)).strip()
    body = " ".join(body.split())
    if apa := _APA.match(body):
        reference.authors, reference.et_al = parse_authors(apa.group("authors"))
        reference.year = int(apa.group("year"))
        parts = _SENTENCE_END.split(apa.group("rest"), maxsplit=1)
        reference.title = parts[0].strip().rstrip(".") or None
        if len(parts) > 1:
            journal, numbers = _journal_and_numbers(parts[1])
            reference.journal = journal
            reference.volume, reference.issue = numbers["volume"], numbers["issue"]
            reference.pages = numbers["pages"]
        return reference
    segments = [segment.strip() for segment in _SENTENCE_END.split(body) if segment.strip()]
    if not segments:
        return reference
    reference.authors, reference.et_al = parse_authors(segments[0])
    rest = segments[1:]
    if rest and not _YEAR.match(rest[0]):
        reference.title = rest.pop(0).rstrip(".").strip() or None
    for position, segment in enumerate(rest):
        if reference.year is None and (year := _YEAR.search(segment)):
            reference.year = int(year.group(1))
        if position == 0 and not _YEAR.match(segment):
            journal, numbers = _journal_and_numbers(segment)
            reference.journal = journal
            if numbers["volume"] is None and len(rest) > 1:
                _, numbers = _journal_and_numbers(rest[1])
            reference.volume, reference.issue = numbers["volume"], numbers["issue"]
            reference.pages = numbers["pages"]
        elif position == 0:
            _, numbers = _journal_and_numbers(segment)
            reference.volume, reference.issue = numbers["volume"], numbers["issue"]
            reference.pages = numbers["pages"]
    if reference.year is None and reference.title and (year := _YEAR.search(reference.title)):
        reference.year = int(year.group(1))
    return reference


def _reference_list(lines: list[str]) -> tuple[list[str], set[int]]:
    """Return the entries of the text's reference list and the line numbers it spans."""
    start = next(
        (number for number, line in enumerate(lines) if _HEADING.match(line.strip())), None
    )
    if start is None:
        return [], set()
    entries: list[str] = []
    used: set[int] = {start}
    numbered: bool | None = None
    blank = False
    for number in range(start + 1, len(lines)):
        line = lines[number].strip()
        if not line:
            blank = True
            continue
        is_numbered = bool(_NUMBERED.match(line))
        if numbered is None:
            numbered = is_numbered
        looks_like_reference = bool(_YEAR.search(line)) or _has_identifier(line)
        if numbered:
            if is_numbered:
                entries.append(line)
            elif entries and not blank:
                entries[-1] = f"{entries[-1]} {line}"
            else:
                break
        elif looks_like_reference:
            entries.append(line)
        else:
            break
        used.add(number)
        blank = False
    return entries, used


def _in_text(line: str) -> list[tuple[ParsedReference, tuple[str, int]]]:
    """Return the author-year citations in one line of running text."""
    found = []
    for match in _IN_TEXT.finditer(line):
        names = [name.strip() for name in re.split(r"\s*(?:,|&|\band\b)\s*", match["names"])]
        names = [name for name in names if name]
        while names and names[0].lower() in _NOT_NAMES:
            names.pop(0)
        if not names:
            continue
        parenthesised = bool(match["open"] and match["close"]) or line[: match.start()].endswith(
            "("
        )
        several = len(names) > 1
        if not (match["etal"] or parenthesised or several):
            continue
        year = int(match["year"])
        text = match.group(0).strip()
        if match["close"] and not match["open"]:
            text = text.removesuffix(")")
        reference = ParsedReference(
            text=text,
            found_in="text",
            authors=[CitedAuthor(family=name) for name in names],
            et_al=bool(match["etal"]),
            year=year,
        )
        found.append((reference, (fold(names[0]), year)))
    return found


def find_references(text: str) -> list[ParsedReference]:
    """Return the works ``text`` cites: its reference list first, then works cited only in
    the running text (author-year citations and PubMed, PMC or DOI links)."""
    lines = plain_text(text).splitlines()
    entries, used = _reference_list(lines)
    references = [parse_reference(entry) for entry in entries]
    keys = {(ref.first_family, ref.year) for ref in references if ref.first_family and ref.year}
    ids = {value for ref in references for value in (ref.doi, ref.pmid, ref.pmcid) if value}
    for number, line in enumerate(lines):
        if number in used:
            continue
        cited = _in_text(line)
        line_ids = identifiers(line)
        for reference, key in cited:
            if key in keys:
                continue
            keys.add(key)
            if len(cited) == 1 and any(line_ids):
                reference.doi, reference.pmid, reference.pmcid = line_ids
                ids.update(value for value in line_ids if value)
            references.append(reference)
        if not cited and any(line_ids) and not ids.intersection(v for v in line_ids if v):
            doi, pmid, pmcid = line_ids
            shown = next((m.group(0) for m in _URL.finditer(line)), doi or pmid or pmcid or line)
            references.append(
                ParsedReference(text=shown, found_in="text", doi=doi, pmid=pmid, pmcid=pmcid)
            )
            ids.update(value for value in line_ids if value)
    return references
