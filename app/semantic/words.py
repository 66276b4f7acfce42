"""Words of claims and questions for ranking: meaningful words, stemmed ("glutes" is "glute")."""

import re
from functools import lru_cache

import snowballstemmer

from app.claims.search import STOP_WORDS

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the English stem of a lower-case word."""
    stemmed: str = _stemmer.stemWord(word)
    return stemmed


def stems(text: str) -> list[str]:
    """Return the stems of the meaningful words of ``text``, first occurrence first."""
    words = (word.lower() for word in _WORD.findall(text))
    return list(
        dict.fromkeys(stem(word) for word in words if word not in STOP_WORDS and len(word) > 1)
    )
