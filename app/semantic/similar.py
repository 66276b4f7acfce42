"""When a new claim means the same as an existing one: the near-duplicate rule.

Two texts state the same claim when their vectors are close (cosine at least
``SIMILAR_COSINE``) and they say it with the same content words: every word of one, but for
words that carry no claim (articles, auxiliaries, pronouns, most prepositions), is in the
other up to its inflection ("tightens"/"tight", "diabetes"/"diabetics"), an aside in
parentheses ("a cold (chill)"), or one of a few words that name no one in particular
("people"). Numbers, negations, quantities ("all", "few", "only"), directions ("more",
"less") and comparisons ("same", "different") are content words, so a text that changes one
of them is a new claim. Word order may differ ("osteoarthritis of the hip" / "hip
osteoarthritis"), except in a comparison, where it says which side is which ("white
mortality is 3.57 times black mortality").

No threshold on the cosine alone will do: Check-COVID holds claims that differ in one word
("underperformed"/"outperformed", "two-drug"/"three-drug") at cosines of 0.99, while
paraphrases start near 0.8; nor did the embedding of the differing words tell synonyms
("switch"/"turn") from words of the same kind ("black"/"white"). So the rule gives no false
409 on the distinct claims of Check-COVID and HealthFC, and catches paraphrases only when
they keep the claim's words (bench/relevance/duplicates.py measures both).
"""

import re

from app.semantic.words import stem

SIMILAR_COSINE = 0.85
RULE = (
    "the same content words up to inflection, asides in parentheses and unspecific words, "
    "in the same order where the texts compare"
)
# Words that carry no claim; negations, quantities and comparisons are not among them.
_FRAME_TEXT = """
a an the of in on at to for with by from as and or is are was were be been being am do does
did doing done can could may might will would shall should must has have had having it its
this that these those there their they them he she his her we our you your i my me what
which who whom whose when where why how if whether than then so such also just really about
into onto upon via per any some each every
"""
_FRAME = frozenset(_FRAME_TEXT.split())
# Words that name no one in particular: "can hypnosis help people stop smoking".
_UNSPECIFIC = frozenset(stem(word) for word in ["people", "person", "against", "doctor"])
_COMPARISON = frozenset(["than", "times", "compared", "versus", "vs"])
_WORD = re.compile(r"[^\W_]+")
_ASIDE = re.compile(r"\(([^)]*)\)")
# Two stems are one word inflected when they share this many letters from the start, and all
# but the last letter of the shorter one.
_SHARED_START = 5


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.replace("n't", " not").replace("\u2019", "'"))


def content_words(text: str) -> list[str]:
    """Return the stems of the words of ``text`` that carry its claim, first occurrence first."""
    words = []
    for position, token in enumerate(_tokens(text)):
        lower = token.lower()
        # A capital letter inside a sentence names something ("blood type O"); "A" first is
        # the article.
        named = len(token) == 1 and token.isupper() and position > 0
        if lower in _FRAME and not named:
            continue
        words.append(stem(lower))
    return list(dict.fromkeys(words))


def _inflected(first: str, second: str) -> bool:
    shared = 0
    for one, other in zip(first, second, strict=False):
        if one != other:
            break
        shared += 1
    return shared >= _SHARED_START and shared >= min(len(first), len(second)) - 1


def _compares(text: str) -> bool:
    return any(token.lower() in _COMPARISON for token in _tokens(text))


def same_claim(first: str, second: str, cosine: float) -> bool:
    """Tell whether ``second`` states the claim ``first`` states (their vectors' cosine given)."""
    if cosine < SIMILAR_COSINE:
        return False
    first_words, second_words = content_words(first), content_words(second)
    asides = set(content_words(" ".join(_ASIDE.findall(f"{first} {second}"))))
    only_first = set(first_words) - set(second_words) - asides - _UNSPECIFIC
    only_second = set(second_words) - set(first_words) - asides - _UNSPECIFIC
    for word in only_first:
        if not any(_inflected(word, other) for other in only_second):
            return False
    for word in only_second:
        if not any(_inflected(word, other) for other in only_first):
            return False
    if set(first_words) == set(second_words) and first_words != second_words:
        return not (_compares(first) or _compares(second))
    return True
