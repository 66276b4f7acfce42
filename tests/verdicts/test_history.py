"""A claim's verdict history, read as plain rows: the verdicts' own documents, newest first."""

from datetime import datetime
from typing import Any

import httpx

from app.pagination import decode_cursor
from app.verdicts.service import NEWEST_FIRST
from tests.factories import decide, make_claim

RATINGS = ["unproven", "mixed", "refuted", "supported", "mixed"]


class TestVerdictHistory:
    def test_pages_walk_the_verdicts_newest_first(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        claim = make_claim(editor, "Sitting switches your glutes off")
        other = make_claim(editor, "Standing desks prevent back pain")
        decided = [decide(editor, claim["slug"], rating)["id"] for rating in RATINGS]
        decide(editor, other["slug"], "refuted")
        path = f"/v1/claims/{claim['slug']}/verdicts"
        whole = client.get(path, params={"limit": 100})
        assert whole.status_code == 200
        items = whole.json()["items"]
        assert whole.json()["next_cursor"] is None
        assert [item["id"] for item in items] == decided[::-1]
        assert [item["rating"] for item in items] == RATINGS[::-1]
        assert [item["is_current"] for item in items] == [True, False, False, False, False]
        for item in items:
            assert item == client.get(f"{path}/{item['id']}").json()
        walked: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 2}
        while True:
            page = client.get(path, params=params)
            assert page.status_code == 200
            body = page.json()
            walked += body["items"]
            if body["next_cursor"] is None:
                break
            last = body["items"][-1]
            assert decode_cursor(body["next_cursor"], NEWEST_FIRST) == [
                datetime.fromisoformat(last["decided_at"]),
                last["id"],
            ]
            params = {"limit": 2, "cursor": body["next_cursor"]}
        assert walked == items

    def test_unknown_claim_is_404_and_a_claim_without_verdicts_an_empty_page(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        claim = make_claim(editor, "Sitting switches your glutes off")
        empty = client.get(f"/v1/claims/{claim['id']}/verdicts")
        assert empty.status_code == 200
        assert empty.json() == {"items": [], "next_cursor": None}
        assert client.get("/v1/claims/no-such-claim/verdicts").status_code == 404
        assert client.get("/v1/claims/no-such-claim/verdicts?limit=0").status_code == 404
