"""CSL-JSON: an array of items, or one item."""

import json
from collections.abc import Mapping
from typing import Any

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
    without_markup,
)
from app.bibliography.records import (
    ParsedAuthor,
    UnparseableBody,
)
from app.vocabularies import PublicationType

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
        return next((t for t in map(clean, value) if t), None)
    return clean(value)


def _csl_author(name: object) -> ParsedAuthor | None:
    """Return an author from a CSL name object, its particles, suffix and literal kept."""
    if not isinstance(name, Mapping):
        return None
    family, given = clean(name.get("family")), clean(name.get("given"))
    literal = clean(name.get("literal"))
    if family is None:
        # An organisation ({"literal": ...}), or a single name given as `given` alone.
        whole = literal or given
        return (
            ParsedAuthor(family=whole, given=None, literal=literal is not None) if whole else None
        )
    return ParsedAuthor(
        family=family,
        given=given,
        non_dropping_particle=clean(name.get("non-dropping-particle")),
        dropping_particle=clean(name.get("dropping-particle")),
        suffix=clean(name.get("suffix")),
    )


def _csl_year(issued: object, draft: Draft) -> None:
    """Set the year from a CSL date: the first part of ``date-parts``, or a free-text date."""
    if isinstance(issued, str):
        draft.year = lenient_year(issued)
        return
    if not isinstance(issued, Mapping):
        return
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        draft.set_year(parts[0][0])
        if draft.year is not None or draft.problems:
            return
    draft.year = lenient_year(issued.get("raw")) or lenient_year(issued.get("literal"))


def _csl_draft(item: Mapping[str, Any]) -> Draft:
    """Read the study fields of one CSL-JSON item."""
    publication_type = _CSL_TYPES.get(str(item.get("type", "")), PublicationType.other)
    draft = Draft(
        title=without_markup(_csl_text(item.get("title")), ""),
        publication_type=publication_type,
        abstract=without_markup(_csl_text(item.get("abstract")), " "),
    )
    authors = item.get("author")
    if isinstance(authors, list):
        draft.authors = [a for a in map(_csl_author, authors) if a]
    _csl_year(item.get("issued"), draft)
    if publication_type in JOURNAL_TYPES:
        draft.journal = _csl_text(item.get("container-title"))
    draft.volume = _csl_text(item.get("volume"))
    draft.issue = _csl_text(item.get("issue"))
    draft.pages = page_range(_csl_text(item.get("page")))
    draft.doi = _csl_text(item.get("DOI"))
    draft.pmid = _csl_text(item.get("PMID"))
    draft.pmcid = _csl_text(item.get("PMCID"))
    url = _csl_text(item.get("URL"))
    draft.urls = [url] if url else []
    return draft


def parse_csl_json(text: str, max_records: int) -> list[Result]:
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
    check_count(len(items), max_records)
    results: list[Result] = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            reason = f"not a CSL-JSON item object but {type(item).__name__}"
            results.append(record_error(position, None, reason))
            continue
        key = clean(item.get("id"))
        results.append(finish(position, key, _csl_draft(item)))
    return results
