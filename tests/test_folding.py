"""Text folding: one transliteration behind slugs, title keys and citation keys."""

import httpx
import pytest

from app.bibliography.identifiers import normalize_title
from app.folding import fold
from app.slugs import slugify
from tests.factories import make_claim, make_topic


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ørsted", "orsted"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("Müller-Þórsdóttir", "muller thorsdottir"),
        ("Æsir œuvre", "aesir oeuvre"),
        ("\uff21\uff22\uff23", "abc"),
        ("...", ""),
    ],
)
def test_fold_keeps_every_letter(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_one_folding_for_slugs_title_keys_and_words() -> None:
    text = "Ørsted in Łódź: Straße"
    assert normalize_title(text) == "orsted in lodz strasse"
    assert slugify(text, prefix="claim") == "orsted-in-lodz-strasse"
    assert fold(text, separator="") == "orstedinlodzstrasse"


def test_claim_and_topic_slugs_keep_letters_over_http(editor: httpx.Client) -> None:
    claim = make_claim(editor, "Ørsted found that Łódź walkers outpace Straße joggers")
    assert claim["slug"] == "orsted-found-that-lodz-walkers-outpace-strasse-joggers"
    topic = make_topic(editor, "Œdème")
    assert topic["slug"] == "oedeme"
