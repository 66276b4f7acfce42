"""The kept index follows writes: through this process at once, and claims removed outright."""

from typing import Any

import httpx

from tests.databases import TestDatabase
from tests.factories import make_claim

SITTING = "Sitting for hours every day switches your glutes off"
OTHERS = ["Creatine causes hair loss", "Vitamin C prevents colds", "Coffee stunts growth"]


def found(client: httpx.Client, question: str) -> list[str]:
    """Return the slugs a search by meaning lists for ``question``, best first."""
    response = client.get("/v1/claims", params={"q": question, "sort": "relevance"})
    assert response.status_code == 200
    return [item["slug"] for item in response.json()["items"]]


def edit(editor: httpx.Client, slug: str, **fields: Any) -> dict[str, Any]:
    """Change a claim's fields and return it."""
    etag = editor.get(f"/v1/claims/{slug}").headers["ETag"]
    response = editor.patch(f"/v1/claims/{slug}", json=fields, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestIndexFollowsWrites:
    def test_a_created_claim_is_found_by_the_next_search(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        for statement in OTHERS:
            make_claim(editor, statement)
        assert found(client, "does creatine make you bald")  # the index is loaded
        claim = make_claim(editor, SITTING)
        assert found(client, "is my butt asleep from my desk job")[:1] == [claim["slug"]]

    def test_an_edited_statement_no_longer_matches_its_old_words_or_meaning(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        claims = [make_claim(editor, statement) for statement in [SITTING, *OTHERS]]
        question = "is my butt asleep from my desk job"
        assert found(client, question)[:1] == [claims[0]["slug"]]
        edited = edit(editor, claims[0]["slug"], statement="Eating carrots improves night vision")
        assert edited["slug"] not in found(client, question)[:1]
        assert edited["slug"] not in found(client, "glutes")
        assert found(client, "do carrots help you see in the dark")[:1] == [edited["slug"]]

    def test_an_edited_alias_no_longer_matches(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        claim = make_claim(editor, SITTING, aliases=["glute amnesia"])
        for statement in OTHERS:
            make_claim(editor, statement)
        assert found(client, "amnesia") == [claim["slug"]]
        edit(editor, claim["slug"], aliases=["dead butt syndrome"])
        assert found(client, "amnesia") == []
        assert found(client, "syndrome") == [claim["slug"]]

    def test_a_deleted_claim_is_gone_and_a_restored_one_back(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        claim = make_claim(editor, SITTING)
        for statement in OTHERS:
            make_claim(editor, statement)
        question = "is my butt asleep from my desk job"
        assert found(client, question)[:1] == [claim["slug"]]
        assert editor.delete(f"/v1/claims/{claim['slug']}").status_code == 204
        assert claim["slug"] not in found(client, question)
        matched = client.post("/v1/claims/match", json={"text": question}).json()["items"]
        assert claim["slug"] not in [item["claim"]["slug"] for item in matched]
        assert editor.post(f"/v1/claims/{claim['slug']}/restore").status_code == 200
        assert found(client, question)[:1] == [claim["slug"]]

    def test_claims_removed_outright_leave_the_index(
        self, editor: httpx.Client, client: httpx.Client, clean_database: TestDatabase
    ) -> None:
        # More close claims than a match ranks as candidates for one result (4 * 1 + 10):
        # kept after their removal, they would crowd out the claim left.
        close = [
            make_claim(editor, f"Sitting for {hours} hours a day switches your glutes off")
            for hours in range(2, 18)
        ]
        left = make_claim(editor, "Desk jobs weaken the muscles of the buttocks")
        question = "sitting all day switches my glutes off"
        matched = client.post("/v1/claims/match", json={"text": question, "limit": 1})
        assert matched.json()["items"][0]["claim"]["slug"] in {claim["slug"] for claim in close}
        for claim in close:
            clean_database.execute("DELETE FROM claims WHERE id = ?", (claim["id"],))
        matched = client.post("/v1/claims/match", json={"text": question, "limit": 1})
        assert [item["claim"]["slug"] for item in matched.json()["items"]] == [left["slug"]]
