"""Structured names from import to storage to all five citation formats, over HTTP."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import rispy

from tests.factories import byline
from tests.references.readers import format_with_unsrt, read_with_bibtexparser

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "bibliographic" / "name-parts.json"


@pytest.fixture
def study(editor: httpx.Client) -> dict[str, Any]:
    """Import the CSL-JSON fixture; return the stored study."""
    response = editor.post(
        "/v1/studies/import",
        content=FIXTURE.read_bytes(),
        headers={"Content-Type": "application/vnd.citationstyles.csl+json"},
    )
    assert response.status_code == 200, response.text
    (record,) = response.json()["records"]
    body: dict[str, Any] = editor.get(record["url"]).json()
    return body


def cite(client: httpx.Client, study: dict[str, Any], fmt: str) -> str:
    response = client.get(f"/v1/studies/{study['id']}/citation", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response.text


def test_stored_in_parts(study: dict[str, Any]) -> None:
    assert study["authors"] == byline(
        [
            {"family": "Smith", "given": "John", "suffix": "Jr."},
            {"family": "Beethoven", "given": "Ludwig", "dropping_particle": "van"},
            {"family": "Gogh", "given": "Vincent", "non_dropping_particle": "van"},
            {"family": "World Health Organization", "literal": True},
        ]
    )


def test_apa_and_vancouver(client: httpx.Client, study: dict[str, Any]) -> None:
    assert cite(client, study, "apa").startswith(
        "Smith, J., Jr., Beethoven, L. van, van Gogh, V., & World Health Organization. (2021)."
    )
    assert cite(client, study, "vancouver").startswith(
        "Smith J Jr., Beethoven L van, van Gogh V, World Health Organization. "
    )


def test_bibtex_von_last_jr_first(client: httpx.Client, study: dict[str, Any]) -> None:
    text = cite(client, study, "bibtex")
    assert (
        "author = {Smith, Jr., John and van Beethoven, Ludwig and van Gogh, Vincent"
        " and {World Health Organization}}" in text
    )
    (entry,) = read_with_bibtexparser(text, decode_latex=False).entries
    parts = [(n.von, n.last, n.jr, n.first) for n in entry["author"]]
    assert parts == [
        ([], ["Smith"], ["Jr."], ["John"]),
        (["van"], ["Beethoven"], [], ["Ludwig"]),
        (["van"], ["Gogh"], [], ["Vincent"]),
        ([], ["{World Health Organization}"], [], []),
    ]
    (formatted,) = format_with_unsrt(text)
    assert formatted.startswith("John Smith, Jr., Ludwig van Beethoven, Vincent van Gogh, and")


def test_ris_and_csl_json(client: httpx.Client, study: dict[str, Any]) -> None:
    (record,) = rispy.loads(cite(client, study, "ris"))
    assert record["authors"] == [
        "Smith, John, Jr.",
        "Beethoven, Ludwig van",
        "van Gogh, Vincent",
        "World Health Organization",
    ]
    (item,) = json.loads(cite(client, study, "csl-json"))
    assert item["author"] == json.loads(FIXTURE.read_text(encoding="utf-8"))[0]["author"]
