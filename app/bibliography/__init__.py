"""Read bibliographic files (BibTeX, RIS, CSL-JSON, PubMed MEDLINE) into studies to import."""

from app.bibliography.identifiers import (
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
    normalize_title,
)
from app.bibliography.parsers import Result, detect_format, parse
from app.bibliography.records import (
    MEDIA_TYPES,
    ImportFormat,
    ParsedAuthor,
    ParsedRecord,
    ParsedStudy,
    RecordError,
    TooManyRecords,
    UnparseableBody,
)

__all__ = [
    "MEDIA_TYPES",
    "ImportFormat",
    "ParsedAuthor",
    "ParsedRecord",
    "ParsedStudy",
    "RecordError",
    "Result",
    "TooManyRecords",
    "UnparseableBody",
    "detect_format",
    "normalize_doi",
    "normalize_pmcid",
    "normalize_pmid",
    "normalize_title",
    "parse",
]
