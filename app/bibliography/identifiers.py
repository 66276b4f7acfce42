"""Normalise study identifiers (DOI, PMID, PMCID) and titles, the keys that find duplicates.

Each normaliser returns the canonical form stored in the database or raises ``ValueError``
with a reason a curator can act on. The importer and the study create/update validation share
them, so a DOI is stored the same way whichever door it came in by.
"""

import re
from urllib.parse import unquote

from app.folding import fold

DOI_PATTERN = re.compile(r"^10\.[0-9]{4,9}/\S+$")
# What the normalisers accept, as JSON Schema (ECMA-262) patterns for the OpenAPI document:
# a bare DOI, `doi:` + DOI, or a resolver URL (whose suffix may percent-encode the slash).
DOI_INPUT_PATTERN = (
    r"^\s*(?:(?:[Hh][Tt][Tt][Pp][Ss]?://)?(?:[Dd][Xx]\.)?[Dd][Oo][Ii]\.[Oo][Rr][Gg]/\s*"
    r"10\.[0-9]{4,9}(?:/|%2[Ff])|(?:[Dd][Oo][Ii]:)?\s*10\.[0-9]{4,9}/)\S+\s*$"
)
PMID_INPUT_PATTERN = r"^\s*(?:[Pp][Mm][Ii][Dd]\s*:?\s*)?[0-9]{1,9}\s*$"
PMCID_INPUT_PATTERN = r"^\s*[Pp][Mm][Cc]\s*[0-9]{1,9}\s*$"
_SHORT_DOI = re.compile(r"^10/[a-z0-9]+$")
# Longest first, so that "https://dx.doi.org/" is not cut as "https://d" + ...
_DOI_URL_PREFIXES = (
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "https://doi.org/",
    "http://doi.org/",
    "dx.doi.org/",
    "doi.org/",
)
_PMID_PREFIX = re.compile(r"^pmid\s*:?\s*", re.IGNORECASE)
_PMID = re.compile(r"^[0-9]{1,9}$")
_PMCID = re.compile(r"^pmc\s*([0-9]{1,9})$", re.IGNORECASE)


def normalize_doi(value: str) -> str:
    """Return the DOI in canonical form: lower-case, without a resolver URL or ``doi:``."""
    doi = value.strip()
    lowered = doi.lower()
    for prefix in _DOI_URL_PREFIXES:
        if lowered.startswith(prefix):
            # Resolver URLs may percent-encode the suffix (``10.1002%2Fxyz``).
            doi = unquote(doi[len(prefix) :]).strip()
            break
    else:
        if lowered.startswith("doi:"):
            doi = doi[4:].strip()
    doi = doi.lower()
    if DOI_PATTERN.match(doi):
        return doi
    if _SHORT_DOI.match(doi):
        raise ValueError(
            f"invalid DOI {value.strip()!r}: a shortDOI; give the full DOI (10.NNNN/suffix)"
        )
    raise ValueError(f"invalid DOI {value.strip()!r}: expected 10.NNNN/suffix")


def doi_from_url(url: str) -> str | None:
    """Return the DOI of a doi.org resolver URL, or None for any other or a malformed one."""
    lowered = url.strip().lower()
    if not lowered.startswith(_DOI_URL_PREFIXES[:4]):
        return None
    try:
        return normalize_doi(url)
    except ValueError:
        return None


def normalize_pmid(value: str | int) -> str:
    """Return the PubMed id as digits without leading zeros; accept ``PMID: 123``."""
    if isinstance(value, bool):
        raise ValueError(f"invalid PMID {value!r}: expected 1 to 9 digits")
    text = str(value).strip()
    digits = _PMID_PREFIX.sub("", text)
    if not _PMID.match(digits) or int(digits) == 0:
        raise ValueError(f"invalid PMID {text!r}: expected 1 to 9 digits")
    return str(int(digits))


def normalize_pmcid(value: str) -> str:
    """Return the PubMed Central id as ``PMC`` + digits; accept any case of the prefix."""
    text = value.strip()
    match = _PMCID.match(text)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"invalid PMCID {text!r}: expected PMC followed by 1 to 9 digits")
    return f"PMC{int(match.group(1))}"


def normalize_title(title: str) -> str:
    """Return the duplicate-matching key of a title: ASCII, lower-case, words only."""
    return fold(title)
