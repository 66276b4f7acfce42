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

from collections.abc import Callable

from app.bibliography.bibtex import parse_bibtex
from app.bibliography.csl_json import parse_csl_json
from app.bibliography.drafts import (
    Result,
)
from app.bibliography.medline import parse_medline
from app.bibliography.records import (
    FORMAT_NAMES,
    MEDIA_TYPES,
    ImportFormat,
    UnparseableBody,
)
from app.bibliography.ris import parse_ris

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


_PARSERS: dict[ImportFormat, Callable[[str, int], list[Result]]] = {
    ImportFormat.bibtex: parse_bibtex,
    ImportFormat.ris: parse_ris,
    ImportFormat.csl_json: parse_csl_json,
    ImportFormat.medline: parse_medline,
}
