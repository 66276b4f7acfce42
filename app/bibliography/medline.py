"""PubMed MEDLINE (.nbib), read with Biopython one record at a time."""

import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TextIO

from Bio import Medline

from app.bibliography.drafts import (
    Draft,
    Result,
    check_count,
    clean,
    finish,
    page_range,
    record_error,
    split_name,
    without_markup,
)
from app.bibliography.records import (
    ParsedAuthor,
    UnparseableBody,
)
from app.vocabularies import DESIGN_RANK, Design, PublicationType

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
    return [text for text in (clean(v) for v in values) if text]


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


def _medline_draft(record: Mapping[str, Any]) -> Draft:
    """Read the study fields of one Biopython MEDLINE record."""
    draft = Draft(
        title=clean(record.get("TI")) or clean(record.get("BTI")),
        abstract=without_markup(clean(record.get("AB")), " "),
    )
    names = _medline_list(record, "FAU") or _medline_list(record, "AU")
    draft.authors = [a for a in map(split_name, names) if a]
    draft.authors += [
        ParsedAuthor(family=c, given=None, literal=True) for c in _medline_list(record, "CN")
    ]
    draft.set_year(clean(record.get("DP")))
    draft.journal = clean(record.get("JT")) or clean(record.get("TA"))
    draft.volume = clean(record.get("VI"))
    draft.issue = clean(record.get("IP"))
    draft.pages = page_range(clean(record.get("PG")))
    draft.doi = next(iter(_medline_ids(record, "doi")), None)
    draft.pmid = clean(record.get("PMID"))
    draft.pmcid = clean(record.get("PMC")) or next(iter(_medline_ids(record, "pmc")), None)
    publication_type, draft.design = _medline_types(_medline_list(record, "PT"))
    if publication_type is None:
        has_journal = draft.journal is not None
        publication_type = PublicationType.journal_article if has_journal else PublicationType.other
    draft.publication_type = publication_type
    return draft


def parse_medline(text: str, max_records: int) -> list[Result]:
    """Parse PubMed MEDLINE (.nbib) records with Biopython, one record at a time."""
    blocks = _medline_blocks(text)
    # Other tagged formats (RIS: "TY  - JOUR") fit the line grammar too; PubMed writes a PMID
    # into every record, so a body without any is not a PubMed MEDLINE file.
    if not any(line.startswith("PMID-") for block in blocks for line in block):
        raise UnparseableBody("no MEDLINE records found (expected records starting 'PMID- 123')")
    check_count(len(blocks), max_records)
    results: list[Result] = []
    for position, block in enumerate(blocks, start=1):
        try:
            records = list(_read_medline(io.StringIO("\n".join(block) + "\n")))
        except Exception as exc:  # Biopython raises bare KeyError on odd input
            reason = f"cannot read the record: {type(exc).__name__}: {exc}"
            results.append(record_error(position, None, reason))
            continue
        record: Mapping[str, Any] = records[0] if len(records) == 1 else {}
        key = clean(record.get("PMID"))
        results.append(finish(position, key, _medline_draft(record)))
    return results
