"""When a new claim means the same as an existing one: the near-duplicate rule.

No cosine threshold alone separates paraphrases from distinct claims: Check-COVID holds pairs
that differ in one number, one direction ("more"/"less") or a negation with a cosine of 0.999,
while real paraphrases start near 0.8. So two texts are near-duplicates when their vectors are
close *and* nothing that often flips or changes a claim differs between them: the numbers,
the negations, the words of direction, and a content word put in place of another in
otherwise like sentences. bench/relevance/duplicates.py measures the rule; it is a first cut
(see bench/README.md for what it still gets wrong).
"""

import difflib
import re

from app.semantic.words import stem, stems

SIMILAR_COSINE = 0.9
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nor",
        "neither",
        "without",
        "cannot",
        "cant",
        "dont",
        "doesnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "wont",
        "shouldnt",
        "couldnt",
        "didnt",
        "hasnt",
        "havent",
    ]
)
_DIRECTIONS = frozenset(
    stem(word)
    for word in [
        "more",
        "less",
        "fewer",
        "higher",
        "lower",
        "increase",
        "decrease",
        "raise",
        "reduce",
        "better",
        "worse",
        "faster",
        "slower",
        "larger",
        "smaller",
        "bigger",
        "longer",
        "shorter",
        "above",
        "below",
        "before",
        "after",
        "over",
        "under",
        "most",
        "least",
    ]
)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower().replace("n't", "nt").replace("\u2019", "'"))


def _negated(text: str) -> bool:
    return sum(word in _NEGATIONS for word in _words(text)) % 2 == 1


def _substitutes(first: list[str], second: list[str]) -> bool:
    """Tell whether one text puts a content word where the other has another, rest alike."""
    matcher = difflib.SequenceMatcher(a=first, b=second, autojunk=False)
    if matcher.ratio() < 0.6:
        return False
    return any(
        op == "replace" and (i2 - i1) <= 2 and (j2 - j1) <= 2
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
    )


def same_claim(first: str, second: str, cosine: float) -> bool:
    """Tell whether ``second`` states the claim ``first`` states (their vectors' cosine given)."""
    if cosine < SIMILAR_COSINE:
        return False
    if set(_NUMBER.findall(first)) != set(_NUMBER.findall(second)):
        return False
    if _negated(first) != _negated(second):
        return False
    first_stems, second_stems = stems(first), stems(second)
    if {word for word in first_stems if word in _DIRECTIONS} != {
        word for word in second_stems if word in _DIRECTIONS
    }:
        return False
    return not _substitutes(first_stems, second_stems)
