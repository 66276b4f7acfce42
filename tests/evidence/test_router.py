"""Evidence links and verdicts over HTTP."""

import httpx

from tests.factories import STUDY_DARLOW, decide, link, make_claim, make_study
from tests.problems import assert_problem

SLUG = "sitting-switches-your-glutes-off"


class TestLinkStudy:
    def test_anonymous_is_401(self, editor: httpx.Client, client: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        study = make_study(editor, **STUDY_DARLOW)
        response = client.post(
            f"/v1/claims/{SLUG}/evidence",
            json={"study_id": study["id"], "stance": "supports", "finding": "x"},
        )
        assert_problem(response, 401)

    def test_same_study_twice_is_409_with_existing(self, editor: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        study = make_study(editor, **STUDY_DARLOW)
        first = link(editor, SLUG, study["id"], "supports")
        response = editor.post(
            f"/v1/claims/{SLUG}/evidence",
            json={"study_id": study["id"], "stance": "contradicts", "finding": "y"},
        )
        assert assert_problem(response, 409)["existing"] == f"/v1/evidence/{first['id']}"

    def test_unknown_study_is_422_and_unknown_claim_is_404(self, editor: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        body = assert_problem(
            editor.post(
                f"/v1/claims/{SLUG}/evidence",
                json={"study_id": 999, "stance": "supports", "finding": "x"},
            ),
            422,
        )
        assert body["errors"][0]["loc"] == ["body", "study_id"]
        assert_problem(
            editor.post(
                "/v1/claims/nope/evidence",
                json={"study_id": 1, "stance": "supports", "finding": "x"},
            ),
            404,
        )

    def test_bad_stance_is_422(self, editor: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        study = make_study(editor, **STUDY_DARLOW)
        response = editor.post(
            f"/v1/claims/{SLUG}/evidence",
            json={"study_id": study["id"], "stance": "agrees", "finding": "x"},
        )
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "stance"]


class TestChangeLink:
    def test_get_patch_delete_with_if_match(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        study = make_study(editor, **STUDY_DARLOW)
        evidence = link(editor, SLUG, study["id"], "supports")
        url = f"/v1/evidence/{evidence['id']}"
        got = client.get(url)
        assert got.json() == evidence
        etag = got.headers["etag"]
        changed = editor.patch(
            url, json={"stance": "mixed", "quote": "q"}, headers={"If-Match": etag}
        )
        assert changed.status_code == 200
        assert (changed.json()["stance"], changed.json()["version"]) == ("mixed", 2)
        assert_problem(
            editor.patch(url, json={"stance": "supports"}, headers={"If-Match": etag}), 412
        )
        assert_problem(editor.delete(url, headers={"If-Match": etag}), 412)
        assert_problem(editor.patch(url, json={"finding": None}), 422)
        assert editor.delete(url).status_code == 204
        assert_problem(client.get(url), 404)
        assert_problem(editor.delete(url), 404)


class TestVerdicts:
    def test_anonymous_is_401_and_bad_rating_is_422(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        payload = {"rating": "refuted", "certainty": "low", "rationale": "x"}
        assert_problem(client.post(f"/v1/claims/{SLUG}/verdicts", json=payload), 401)
        body = assert_problem(
            editor.post(f"/v1/claims/{SLUG}/verdicts", json={**payload, "rating": "false"}), 422
        )
        assert body["errors"][0]["loc"] == ["body", "rating"]
        assert_problem(editor.post("/v1/claims/nope/verdicts", json=payload), 404)

    def test_new_verdict_is_current_with_location(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        first = decide(editor, SLUG, "supported", "high")
        response = editor.post(
            f"/v1/claims/{SLUG}/verdicts",
            json={"rating": "unproven", "certainty": "very_low", "rationale": "Too little."},
        )
        assert response.status_code == 201
        second = response.json()
        assert client.get(response.headers["location"]).json() == second
        assert second["rating_value"] is None
        assert first["rating_value"] == 5
        history = client.get(f"/v1/claims/{SLUG}/verdicts").json()["items"]
        assert [(v["id"], v["is_current"]) for v in history] == [
            (second["id"], True),
            (first["id"], False),
        ]
        assert_problem(client.get(f"/v1/claims/{SLUG}/verdicts/999"), 404)
