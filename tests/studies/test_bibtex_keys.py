"""BibTeX keys: one per study, stored and unique, the same in every list that cites it."""

from typing import Any

import httpx

from tests.factories import STUDY_DARLOW, link, make_claim, make_study
from tests.references.readers import format_with_unsrt, read_with_bibtexparser

SLUG = "glutes-switch-off"


def darlow(n: int, **changes: Any) -> dict[str, Any]:
    """Return another Darlow 2013 study (the same key stem), with its own DOI."""
    return {**STUDY_DARLOW, "doi": f"10.1370/afm.{1518 + n}", "title": f"Study {n}", **changes}


def citation_key(client: httpx.Client, study_id: int) -> str:
    text = client.get(f"/v1/studies/{study_id}/citation", params={"format": "bibtex"}).text
    (entry,) = read_with_bibtexparser(text).entries
    key: str = entry.key
    return key


class TestKeys:
    def test_collisions_get_letters_in_creation_order(self, editor: httpx.Client) -> None:
        keys = [make_study(editor, **darlow(n))["bibtex_key"] for n in range(4)]
        assert keys == ["darlow2013", "darlow2013a", "darlow2013b", "darlow2013c"]

    def test_folded_stem_title_word_without_author_and_no_year(self, editor: httpx.Client) -> None:
        orsted = make_study(editor, title="Ørsted", authors=[{"family": "Łódź-Straße"}], year=2001)
        untitled = make_study(editor, title="The Ærø question", authors=[])
        assert (orsted["bibtex_key"], untitled["bibtex_key"]) == ("lodzstrasse2001", "aero")

    def test_key_is_kept_when_authors_and_year_change(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        study = make_study(editor, **STUDY_DARLOW)
        changed = editor.patch(
            f"/v1/studies/{study['id']}",
            json={"authors": [{"family": "Dowell", "given": "Anthony"}], "year": 2014},
            headers={"If-Match": client.get(f"/v1/studies/{study['id']}").headers["etag"]},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["bibtex_key"] == "darlow2013"
        assert citation_key(client, study["id"]) == "darlow2013"
        # The stem is free again only for a study that does not collide with the stored key.
        assert make_study(editor, **darlow(1))["bibtex_key"] == "darlow2013a"

    def test_import_gives_keys_after_the_stored_ones(self, editor: httpx.Client) -> None:
        make_study(editor, **darlow(0))
        body = "".join(
            f"@article{{x{n}, author={{Darlow, Ben}}, title={{Imported {n}}}, year={{2013}},"
            f" journal={{Annals of Family Medicine}}, doi={{10.1370/afm.{2000 + n}}}}}\n"
            for n in range(2)
        )
        response = editor.post("/v1/studies/import?format=bibtex", content=body.encode())
        assert response.status_code == 200, response.text
        ids = [result["study_id"] for result in response.json()["records"]]
        keys = [editor.get(f"/v1/studies/{study_id}").json()["bibtex_key"] for study_id in ids]
        assert keys == ["darlow2013a", "darlow2013b"]

    def test_same_key_in_own_citation_and_claim_list(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        make_claim(editor, "Glutes switch off")
        studies = [make_study(editor, **darlow(n)) for n in range(3)]
        for study in reversed(studies):
            link(editor, SLUG, study["id"], "mentions")
        listed = client.get(f"/v1/claims/{SLUG}/references", params={"format": "bibtex"}).text
        keys = {entry["doi"]: entry.key for entry in read_with_bibtexparser(listed).entries}
        assert keys == {study["doi"]: study["bibtex_key"] for study in studies}
        assert {citation_key(client, study["id"]) for study in studies} == set(keys.values())
        assert len(format_with_unsrt(listed)) == 3
