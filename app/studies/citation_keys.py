"""BibTeX keys: one per study, "darlow2013", kept from its creation on.

A key is the first author's family name (else the first title word that is not an article)
and the year, folded to ASCII; a key already held by another study gets the first free letter
(darlow2013a, darlow2013b, ...). Keys are stored (``studies.bibtex_key``, unique), so a study
is cited by the same key in its own citation, in every claim's list and in the export, and a
later edit of its authors or year does not move a ``\\cite`` that a paper already uses.
"""

from collections.abc import Iterable

from app.folding import fold

MAX_STEM_LENGTH = 40
_SKIPPED_WORDS = frozenset({"a", "an", "the"})


def key_stem(*, family: str | None, title: str, year: int | None) -> str:
    """Return the key a study would have alone: family name or title word, then the year."""
    name = fold(family or "", separator="")
    if not name:
        words = (fold(word, separator="") for word in title.split())
        name = next((word for word in words if word and word not in _SKIPPED_WORDS), "study")
    return name[:MAX_STEM_LENGTH] + (str(year) if year is not None else "")


def first_free(stem: str, taken: Iterable[str]) -> str:
    """Return ``stem`` if no key in ``taken`` is it, else ``stem`` and the first free letters."""
    held = set(taken)
    index = 0
    key = stem
    while key in held:
        key = stem + letters(index)
        index += 1
    return key


def letters(index: int) -> str:
    """Return the suffix for a 0-based index: a..z, then aa, ab, ..."""
    suffix = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        suffix = chr(ord("a") + remainder) + suffix
    return suffix
