"""What an import yields: one parsed study or one error per record, and the whole-body errors."""

from dataclasses import dataclass
from enum import StrEnum

from app.vocabularies import Design, PublicationType


class ImportFormat(StrEnum):
    """A bibliographic format the study import reads."""

    bibtex = "bibtex"
    ris = "ris"
    csl_json = "csl-json"
    medline = "medline"


# Media types (lower-case, without parameters) that name a format. None of the four formats
# has an IANA registration; these are the types their tools send (PubMed serves .nbib files as
# application/nbib). application/json is read as CSL-JSON, the only JSON format here.
MEDIA_TYPES: dict[str, ImportFormat] = {
    "application/x-bibtex": ImportFormat.bibtex,
    "text/x-bibtex": ImportFormat.bibtex,
    "application/x-research-info-systems": ImportFormat.ris,
    "text/x-research-info-systems": ImportFormat.ris,
    "application/vnd.citationstyles.csl+json": ImportFormat.csl_json,
    "application/json": ImportFormat.csl_json,
    "application/nbib": ImportFormat.medline,
    "application/x-medline": ImportFormat.medline,
    "text/x-medline": ImportFormat.medline,
}

# Names accepted by the ``format`` parameter (lower-case), including common file extensions.
FORMAT_NAMES: dict[str, ImportFormat] = {
    "bibtex": ImportFormat.bibtex,
    "bib": ImportFormat.bibtex,
    "biblatex": ImportFormat.bibtex,
    "ris": ImportFormat.ris,
    "csl-json": ImportFormat.csl_json,
    "csl_json": ImportFormat.csl_json,
    "csljson": ImportFormat.csl_json,
    "medline": ImportFormat.medline,
    "nbib": ImportFormat.medline,
    "pubmed": ImportFormat.medline,
}


@dataclass(frozen=True, slots=True)
class AuthorName:
    """One author's name in its parts, as CSL names them.

    A particle that stays with the family name when the name is inverted is
    ``non_dropping_particle`` ("van" in "van Gogh, V."), one that goes after the given names is
    ``dropping_particle`` ("Beethoven, L. van"); ``suffix`` is "Jr.", "III". A ``literal``
    name (an organisation, a name not to be split) is the whole of ``family``.
    """

    family: str
    given: str | None
    non_dropping_particle: str | None = None
    dropping_particle: str | None = None
    suffix: str | None = None
    literal: bool = False


# An author as an import reads it; corporate authors have only a family name.
ParsedAuthor = AuthorName


@dataclass(frozen=True, slots=True)
class ParsedStudy:
    """Everything needed to create a study, already trimmed and normalised."""

    title: str
    authors: tuple[ParsedAuthor, ...]
    year: int | None
    journal: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    doi: str | None
    pmid: str | None
    pmcid: str | None
    url: str | None
    abstract: str | None
    publication_type: PublicationType
    design: Design | None


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """A record that can become a study; ``position`` is its 1-based place in the body."""

    position: int
    key: str | None
    study: ParsedStudy


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record that cannot become a study, with a reason a curator can act on."""

    position: int
    key: str | None
    reason: str


class UnparseableBody(Exception):
    """The body as a whole is not in the declared format (the API answers 422)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooManyRecords(UnparseableBody):
    """The body holds more records than one import may create."""

    def __init__(self, count: int, max_records: int) -> None:
        super().__init__(
            f"the body holds {count} records; one import takes at most {max_records}: "
            "split the file"
        )
        self.count = count
        self.max_records = max_records
