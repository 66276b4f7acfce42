"""A claim's evidence page, read as plain rows: the links' own documents, in the stated order."""

from typing import Any

import httpx

from app.evidence.service import STRONGEST_FIRST
from app.pagination import decode_cursor
from app.vocabularies import DESIGN_RANK, Design
from tests.factories import STUDY_DARLOW, link, make_claim, make_study

# (design, year, authors, stance): ties of design and year, no design, no year, no authors.
STUDIES: list[tuple[str | None, int | None, int, str]] = [
    ("cohort", 2019, 2, "supports"),
    ("randomized_trial", 2015, 3, "contradicts"),
    ("randomized_trial", 2021, 1, "mixed"),
    (None, 2022, 2, "mentions"),
    ("cohort", 2019, 0, "supports"),
    ("meta_analysis", None, 4, "supports"),
    ("expert_opinion", 2020, 1, "contradicts"),
    ("randomized_trial", 2021, 2, "supports"),
]


def expected_key(item: dict[str, Any]) -> tuple[int, int, int]:
    """Return an item's place: strongest design first, then newest year, then the link's id."""
    design = item["study"]["design"]
    rank = DESIGN_RANK[Design(design)] if design else len(Design)
    return rank, -(item["study"]["year"] or 0), item["id"]


def make_evidence(editor: httpx.Client) -> str:
    """Link STUDIES to a new claim (and one study to another claim); return the claim's slug."""
    claim = make_claim(editor, "Sitting switches your glutes off")
    other = make_claim(editor, "Standing desks prevent back pain")
    for n, (design, year, authors, stance) in enumerate(STUDIES):
        fields: dict[str, Any] = {
            "title": f"Study {n} of sitting",
            "authors": [
                {"family": f"Family{n}{a}", "given": "Ann", "non_dropping_particle": "van"}
                for a in range(authors)
            ],
        }
        if design:
            fields["design"] = design
        if year:
            fields["year"] = year
        study = make_study(editor, **fields)
        link(editor, claim["slug"], study["id"], stance, finding=f"Finding {n}.")
    link(editor, other["slug"], make_study(editor, **STUDY_DARLOW)["id"], "supports")
    return str(claim["slug"])


class TestListEvidence:
    def test_each_item_is_the_links_own_document_in_order(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = make_evidence(editor)
        page = client.get(f"/v1/claims/{slug}/evidence", params={"limit": 100})
        assert page.status_code == 200
        items = page.json()["items"]
        assert len(items) == len(STUDIES)
        assert page.json()["next_cursor"] is None
        assert "link" not in page.headers
        assert [expected_key(item) for item in items] == sorted(map(expected_key, items))
        for item in items:
            assert item == client.get(f"/v1/evidence/{item['id']}").json()
        assert [len(item["study"]["authors"]) for item in items] == [4, 1, 2, 3, 2, 0, 1, 2]

    def test_pages_of_any_size_walk_the_same_order(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = make_evidence(editor)
        whole = client.get(f"/v1/claims/{slug}/evidence", params={"limit": 100}).json()["items"]
        for limit in (1, 3):
            walked: list[dict[str, Any]] = []
            params: dict[str, Any] = {"limit": limit}
            while True:
                page = client.get(f"/v1/claims/{slug}/evidence", params=params)
                assert page.status_code == 200
                body = page.json()
                assert len(body["items"]) <= limit
                walked += body["items"]
                if body["next_cursor"] is None:
                    break
                assert body["next_cursor"] in page.headers["link"]
                # The cursor carries the last item's sort key, as the paging helper makes it.
                rank, year, last_id = expected_key(body["items"][-1])
                assert decode_cursor(body["next_cursor"], STRONGEST_FIRST) == [
                    rank,
                    -year,
                    last_id,
                ]
                params = {"limit": limit, "cursor": body["next_cursor"]}
            assert walked == whole

    def test_stances_filter_the_page(self, editor: httpx.Client, client: httpx.Client) -> None:
        slug = make_evidence(editor)
        page = client.get(
            f"/v1/claims/{slug}/evidence", params={"stance": ["contradicts", "mentions"]}
        )
        assert page.status_code == 200
        stances = [item["stance"] for item in page.json()["items"]]
        assert sorted(stances) == ["contradicts", "contradicts", "mentions"]
        one = client.get(f"/v1/claims/{slug}/evidence", params={"stance": "supports", "limit": 2})
        assert [item["stance"] for item in one.json()["items"]] == ["supports", "supports"]
        rest = client.get(
            f"/v1/claims/{slug}/evidence",
            params={"stance": "supports", "cursor": one.json()["next_cursor"]},
        )
        assert [item["stance"] for item in rest.json()["items"]] == ["supports", "supports"]

    def test_unknown_claim_is_404_before_the_query_is_checked(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = make_evidence(editor)
        for params in ({}, {"stance": "sideways"}, {"cursor": "bm90IGEgY3Vyc29y"}):
            missing = client.get("/v1/claims/no-such-claim/evidence", params=params)
            assert missing.status_code == 404, params
        bad_cursor = client.get(f"/v1/claims/{slug}/evidence", params={"cursor": "bm90"})
        assert bad_cursor.status_code == 422
        assert bad_cursor.json()["errors"][0]["loc"] == ["query", "cursor"]
        made_elsewhere = client.get("/v1/claims", params={"limit": 1}).json()["next_cursor"]
        assert made_elsewhere is not None
        elsewhere = client.get(f"/v1/claims/{slug}/evidence", params={"cursor": made_elsewhere})
        assert elsewhere.status_code == 422
