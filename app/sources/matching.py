"""Match a cited work to a stored study and compare them field by field.

Tolerant of the ways a correct citation differs from its record: abbreviated journal titles
("Ann Fam Med"), shortened titles, initials for given names, "et al.", abbreviated page
ranges ("527-34"), the case of a DOI, a field the record lacks, an author beyond those the
record lists. What remains is a discrepancy, reported with the cited and recorded values.
"""

from dataclasses import dataclass

from app.models import Study
from app.sources.parsing import CitedAuthor, ParsedReference, fold

_STOP_WORDS = {
    "a", "an", "the", "of", "and", "in", "on", "for", "to", "with", "without", "by", "at",
    "from", "or", "as", "vs", "versus", "its", "their", "is", "are", "be",
}  # fmt: skip

# A title match needs this share of the cited title's words in the record's title...
TITLE_CONTAINMENT = 0.85
# ...and either the first author or the year to agree; an author-year match (a citation in
# the running text, which has no title) needs the first author and the year, and one study.
AUTHOR_YEAR_SCORE = 0.6


@dataclass(frozen=True)
class Match:
    """A study a reference was matched to."""

    study: Study
    matched_by: str
    score: float


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def title_words(title: str) -> set[str]:
    """Return a title's content words, folded and crudely singular."""
    return {_stem(word) for word in fold(title).split() if word not in _STOP_WORDS}


def title_containment(cited: str, recorded: str) -> tuple[float, float]:
    """Return the share of cited title words in the record's, and of the record's cited."""
    cited_words, recorded_words = title_words(cited), title_words(recorded)
    if not cited_words or not recorded_words:
        return 0.0, 0.0
    shared = len(cited_words & recorded_words)
    return shared / len(cited_words), shared / len(recorded_words)


def _families(study: Study) -> list[str]:
    return [fold(author.family) for author in study.authors]


def _author_agrees(reference: ParsedReference, study: Study) -> bool:
    families = _families(study)
    return bool(families) and reference.first_family == families[0]


def title_score(reference: ParsedReference, study: Study) -> float | None:
    """Return how well a reference with a title matches a study, or None if it does not."""
    if not reference.title:
        return None
    containment, coverage = title_containment(reference.title, study.title)
    author = _author_agrees(reference, study)
    year = reference.year is not None and reference.year == study.year
    if containment < TITLE_CONTAINMENT or not (author or year):
        return None
    return round(0.55 * containment + 0.15 * coverage + 0.15 * author + 0.15 * year, 3)


def best_title_match(reference: ParsedReference, candidates: list[Study]) -> Match | None:
    """Return the one clearly best title match among ``candidates``, or None."""
    scored = sorted(
        (
            (score, study)
            for study in candidates
            if (score := title_score(reference, study)) is not None
        ),
        key=lambda pair: (-pair[0], pair[1].id),
    )
    if not scored:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < 0.02:
        return None  # two studies fit as well: no guess
    return Match(study=scored[0][1], matched_by="title", score=min(scored[0][0], 1.0))


def author_year_match(reference: ParsedReference, candidates: list[Study]) -> Match | None:
    """Return the single study whose first author and year are the citation's, or None."""
    if reference.first_family is None or reference.year is None:
        return None
    fitting = [
        study
        for study in candidates
        if study.year == reference.year and _author_agrees(reference, study)
    ]
    if len(fitting) != 1:
        return None
    return Match(study=fitting[0], matched_by="author_year", score=AUTHOR_YEAR_SCORE)


def identifier_contradicted(reference: ParsedReference, study: Study) -> bool:
    """Tell whether a study found by an identifier is plainly another work than the one cited."""
    if not reference.title:
        return False
    containment, _ = title_containment(reference.title, study.title)
    return containment < 0.5 and not _author_agrees(reference, study)


# --- Field by field ----------------------------------------------------------------------------


def _journal_words(journal: str) -> list[str]:
    words = fold(journal.replace("&", " and ")).split()
    return [word for word in words if word not in _STOP_WORDS]


def _abbreviates(short: list[str], full: list[str]) -> bool:
    """Tell whether every word of ``full`` is abbreviated, in order, by a word of ``short``."""
    if len(short) != len(full):
        return False
    return all(
        f.startswith(s) or _consonant_abbreviation(s, f) for s, f in zip(short, full, strict=True)
    )


def _consonant_abbreviation(short: str, full: str) -> bool:
    """Tell whether ``short`` is ``full`` with letters left out ("Rehabil", "Physiother")."""
    if not short or short[0] != full[0]:
        return False
    position = 0
    for char in short:
        position = full.find(char, position)
        if position < 0:
            return False
        position += 1
    return True


def journals_agree(cited: str, recorded: str) -> bool:
    """Tell whether a cited journal title names the recorded journal, abbreviated or not."""
    cited_words, recorded_words = _journal_words(cited), _journal_words(recorded)
    if cited_words == recorded_words:
        return True
    return _abbreviates(cited_words, recorded_words) or _abbreviates(recorded_words, cited_words)


def _page_range(pages: str) -> tuple[str, str]:
    parts = [part.strip() for part in pages.replace("\u2013", "-").split("-", 1)]
    start = parts[0]
    end = parts[1] if len(parts) > 1 and parts[1] else start
    if end.isdigit() and start.isdigit() and len(end) < len(start):
        end = start[: len(start) - len(end)] + end  # "527-34" is 527-534
    return start.lower(), end.lower()


def _recorded_author(family: str, given: str | None) -> str:
    initials = "".join(
        part[0] for part in (given or "").replace(".", " ").replace("-", " ").split()
    )
    return f"{family} {initials}".strip()


def _author_differs(cited: CitedAuthor, family: str, given: str | None) -> bool:
    if fold(cited.family) != fold(family):
        return True
    if cited.initials and given:
        return cited.initials[0].upper() != given.strip()[0].upper()
    return False


def discrepancies(reference: ParsedReference, study: Study) -> list[tuple[str, str, str]]:
    """Return each field where the citation contradicts the record: (field, cited, recorded)."""
    found: list[tuple[str, str, str]] = []
    if reference.title and study.title:
        containment, _ = title_containment(reference.title, study.title)
        if containment < 1.0:
            found.append(("title", reference.title, study.title))
    recorded_authors = [(author.family, author.given) for author in study.authors]
    compared = reference.authors[:1] if reference.found_in == "text" else reference.authors
    if compared and recorded_authors:
        pairs = zip(compared, recorded_authors, strict=False)
        if any(_author_differs(cited, family, given) for cited, (family, given) in pairs):
            cited_text = ", ".join(str(author) for author in reference.authors)
            if reference.et_al:
                cited_text += " et al."
            recorded_text = ", ".join(_recorded_author(f, g) for f, g in recorded_authors)
            found.append(("authors", cited_text, recorded_text))
    if reference.year is not None and study.year is not None and reference.year != study.year:
        found.append(("year", str(reference.year), str(study.year)))
    if reference.journal and study.journal and not journals_agree(reference.journal, study.journal):
        found.append(("journal", reference.journal, study.journal))
    for name in ("volume", "issue"):
        cited_value, recorded_value = getattr(reference, name), getattr(study, name)
        if (
            cited_value
            and recorded_value
            and cited_value.strip().lower() != recorded_value.strip().lower()
        ):
            found.append((name, cited_value, recorded_value))
    if reference.pages and study.pages and _page_range(reference.pages) != _page_range(study.pages):
        found.append(("pages", reference.pages, study.pages))
    if reference.doi and study.doi and reference.doi != study.doi:
        found.append(("doi", reference.doi, study.doi))
    if reference.pmid and study.pmid and reference.pmid != study.pmid:
        found.append(("pmid", reference.pmid, study.pmid))
    return found
