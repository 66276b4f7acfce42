"""Sources: curation over the API, and the claim's appearances in its ClaimReview."""

from typing import Any

import httpx
import pytest

from tests.factories import (
    STUDY_BLOG,
    STUDY_DARLOW,
    byline,
    created,
    decide,
    make_claim,
    make_study,
)
from tests.problems import assert_problem

CLAIM = "Sitting switches your glutes off"
SLUG = "sitting-switches-your-glutes-off"
ARTICLE = "https://example.org/glute-amnesia"


@pytest.fixture
def world(editor: httpx.Client) -> dict[str, Any]:
    """One claim and two studies to make sources about."""
    claim = make_claim(editor, CLAIM)
    other = make_claim(editor, "Hip thrusts work your glutes harder than squats")
    darlow = make_study(editor, **STUDY_DARLOW)
    blog = make_study(editor, **STUDY_BLOG)
    return {"claim": claim, "other": other, "darlow": darlow, "blog": blog}


def article(world: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Return a source payload that refutes the claim and cites Darlow."""
    return {
        "url": ARTICLE,
        "title": "Glute Amnesia? No, Your Butt Still Works!",
        "authors": [{"family": "Joachim", "given": "Doug"}],
        "appearances": [
            {"claim": SLUG, "stance": "refutes", "excerpt": "They are NOT turned off."}
        ],
        "citations": [
            {"study_id": world["darlow"]["id"], "statement": "Darlow et al. (2013) documented…"}
        ],
        **fields,
    }


class TestCreateSource:
    def test_anonymous_is_401(self, client: httpx.Client) -> None:
        assert_problem(client.post("/v1/sources", json={"title": "x"}), 401)

    def test_valid_is_201_with_location_and_both_lists(
        self, editor: httpx.Client, client: httpx.Client, world: dict[str, Any]
    ) -> None:
        response = editor.post("/v1/sources", json=article(world))
        body = created(response)
        assert response.headers["location"] == f"/v1/sources/{body['id']}"
        assert body["appearances"] == [
            {
                "claim": {"id": world["claim"]["id"], "slug": SLUG, "statement": CLAIM},
                "stance": "refutes",
                "excerpt": "They are NOT turned off.",
            }
        ]
        [citation] = body["citations"]
        assert citation["study"]["id"] == world["darlow"]["id"]
        assert citation["study"]["doi"] == "10.1370/afm.1518"
        assert citation["statement"] == "Darlow et al. (2013) documented…"
        assert body["authors"] == byline([{"family": "Joachim", "given": "Doug"}])
        assert client.get(f"/v1/sources/{body['id']}").json() == body

    def test_known_url_is_409_with_existing(
        self, editor: httpx.Client, world: dict[str, Any]
    ) -> None:
        first = created(editor.post("/v1/sources", json=article(world)))
        problem = assert_problem(editor.post("/v1/sources", json=article(world)), 409)
        assert problem["existing"] == f"/v1/sources/{first['id']}"

    def test_unknown_claim_or_study_is_422_naming_the_entry(
        self, editor: httpx.Client, client: httpx.Client, world: dict[str, Any]
    ) -> None:
        bad_claim = article(world, appearances=[{"claim": "no-such-claim", "stance": "asserts"}])
        problem = assert_problem(editor.post("/v1/sources", json=bad_claim), 422)
        assert problem["errors"][0]["loc"] == ["body", "appearances", 0, "claim"]
        bad_study = article(world, citations=[{"study_id": 999}])
        problem = assert_problem(editor.post("/v1/sources", json=bad_study), 422)
        assert problem["errors"][0]["loc"] == ["body", "citations", 0, "study_id"]
        assert client.get("/v1/sources").json()["items"] == []

    def test_bad_stance_is_422(self, editor: httpx.Client, world: dict[str, Any]) -> None:
        payload = article(world, appearances=[{"claim": SLUG, "stance": "supports"}])
        assert_problem(editor.post("/v1/sources", json=payload), 422)


class TestReadSources:
    def test_unknown_is_404(self, client: httpx.Client) -> None:
        assert_problem(client.get("/v1/sources/7"), 404)

    def test_list_filters_by_claim_and_study_and_pages(
        self, editor: httpx.Client, client: httpx.Client, world: dict[str, Any]
    ) -> None:
        first = created(editor.post("/v1/sources", json=article(world)))
        second = created(
            editor.post(
                "/v1/sources",
                json={
                    "url": "https://example.org/second",
                    "title": "Second",
                    "appearances": [
                        {"claim": world["other"]["slug"], "stance": "asserts", "excerpt": None}
                    ],
                    "citations": [{"study_id": world["blog"]["id"]}],
                },
            )
        )
        ids = [item["id"] for item in client.get("/v1/sources").json()["items"]]
        assert ids == [second["id"], first["id"]]
        by_claim = client.get("/v1/sources", params={"claim": SLUG}).json()["items"]
        assert [item["id"] for item in by_claim] == [first["id"]]
        by_study = client.get("/v1/sources", params={"study": world["blog"]["id"]}).json()
        assert [item["id"] for item in by_study["items"]] == [second["id"]]
        page = client.get("/v1/sources", params={"limit": 1}).json()
        rest = client.get("/v1/sources", params={"limit": 1, "cursor": page["next_cursor"]})
        assert [item["id"] for item in rest.json()["items"]] == [first["id"]]
        assert_problem(client.get("/v1/sources", params={"claim": "no-such-claim"}), 404)

    def test_get_has_etag_and_304(
        self, editor: httpx.Client, client: httpx.Client, world: dict[str, Any]
    ) -> None:
        source = created(editor.post("/v1/sources", json=article(world)))
        response = client.get(f"/v1/sources/{source['id']}")
        assert response.headers["cache-control"].startswith("public")
        again = client.get(
            f"/v1/sources/{source['id']}", headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304


class TestChangeSource:
    def test_stale_if_match_is_412_and_changes_nothing(
        self, editor: httpx.Client, client: httpx.Client, world: dict[str, Any]
    ) -> None:
        source = created(editor.post("/v1/sources", json=article(world)))
        path = f"/v1/sources/{source['id']}"
        etag = client.get(path).headers["etag"]
        assert editor.patch(path, json={"publisher": "Joachim's Training"}).status_code == 200
        assert_problem(editor.patch(path, json={"title": "x"}, headers={"If-Match": etag}), 412)
        assert client.get(path).json()["title"] == source["title"]

    def test_lists_sent_replace_the_old_and_are_audited(
        self,
        editor: httpx.Client,
        admin: httpx.Client,
        client: httpx.Client,
        world: dict[str, Any],
    ) -> None:
        source = created(editor.post("/v1/sources", json=article(world)))
        path = f"/v1/sources/{source['id']}"
        etag = client.get(path).headers["etag"]
        response = editor.patch(
            path,
            json={
                "published": "2021-04-28",
                "appearances": [{"claim": world["other"]["slug"], "stance": "questions"}],
                "citations": [],
            },
            headers={"If-Match": etag},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["version"] == 2
        assert body["published"] == "2021-04-28"
        assert [a["claim"]["id"] for a in body["appearances"]] == [world["other"]["id"]]
        assert body["citations"] == []
        audit = admin.get("/v1/audit", params={"entity": "source"}).json()["items"]
        assert sorted(entry["action"] for entry in audit) == ["create", "update"]
        assert_problem(editor.patch(path, json={"title": None}), 422)

    def test_delete_keeps_claims_and_studies(
        self, editor: httpx.Client, client: httpx.Client, world: dict[str, Any]
    ) -> None:
        source = created(editor.post("/v1/sources", json=article(world)))
        path = f"/v1/sources/{source['id']}"
        assert_problem(client.delete(path), 401)
        assert editor.delete(path).status_code == 204
        assert_problem(client.get(path), 404)
        assert client.get(f"/v1/claims/{SLUG}").status_code == 200
        assert client.get(f"/v1/studies/{world['darlow']['id']}").status_code == 200

    def test_a_cited_study_cannot_be_deleted(
        self, editor: httpx.Client, world: dict[str, Any]
    ) -> None:
        created(editor.post("/v1/sources", json=article(world)))
        problem = assert_problem(editor.delete(f"/v1/studies/{world['darlow']['id']}"), 409)
        assert "source" in problem["detail"]


class TestClaimReviewAppearances:
    def test_item_reviewed_names_where_the_claim_appears(
        self, editor: httpx.Client, client: httpx.Client, world: dict[str, Any]
    ) -> None:
        decide(editor, SLUG, "mostly_refuted", "very_low")
        plain = client.get(f"/v1/claims/{SLUG}/claimreview").json()["itemReviewed"]
        assert "appearance" not in plain
        created(editor.post("/v1/sources", json=article(world)))
        created(
            editor.post(
                "/v1/sources",
                json={
                    "url": "https://example.org/older",
                    "title": "Why your glutes switch off",
                    "authors": [{"family": "Doe", "given": "Jane"}],
                    "published": "2019-03-01",
                    "publisher": "Fit Blog",
                    "appearances": [{"claim": SLUG, "stance": "asserts"}],
                },
            )
        )
        item = client.get(f"/v1/claims/{SLUG}/claimreview").json()["itemReviewed"]
        assert [work["url"] for work in item["appearance"]] == [
            "https://example.org/older",
            ARTICLE,
        ]
        assert item["firstAppearance"] == {
            "@type": "CreativeWork",
            "headline": "Why your glutes switch off",
            "url": "https://example.org/older",
            "author": [{"@type": "Person", "name": "Jane Doe", "familyName": "Doe"}],
            "datePublished": "2019-03-01",
            "publisher": {"@type": "Organization", "name": "Fit Blog"},
        }
        assert item["author"] == [{"@type": "Person", "name": "Jane Doe", "familyName": "Doe"}]
        assert item["datePublished"] == "2019-03-01"

    def test_a_refuting_source_is_no_author_of_the_claim(
        self, editor: httpx.Client, client: httpx.Client, world: dict[str, Any]
    ) -> None:
        decide(editor, SLUG, "mostly_refuted", "very_low")
        created(editor.post("/v1/sources", json=article(world)))
        item = client.get(f"/v1/claims/{SLUG}/claimreview").json()["itemReviewed"]
        assert item["appearance"][0]["url"] == ARTICLE
        assert item["firstAppearance"]["url"] == ARTICLE
        assert item["firstAppearance"]["author"][0]["name"] == "Doug Joachim"
        assert "author" not in item
        assert "datePublished" not in item
