"""Fold text to ASCII words: the one transliteration behind slugs, title keys and citation keys.

anyascii transliterates every letter rather than dropping what Unicode decomposition cannot
reduce ("Ørsted" -> "Orsted", "Łódź" -> "Lodz", "Straße" -> "Strasse", "北京" -> "BeiJing").
"""

import re

from anyascii import anyascii

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def fold(text: str, *, separator: str = " ") -> str:
    """Return the text as lower-case ASCII letters and digits, words joined by ``separator``."""
    return _NOT_ALPHANUMERIC.sub(separator, anyascii(text).lower()).strip(separator)
