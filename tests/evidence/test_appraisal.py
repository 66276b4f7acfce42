"""Appraisal of evidence links: risk of bias and directness, set, changed, cleared, audited."""

from typing import Any

import httpx

from tests.factories import STUDY_DARLOW, created, make_claim, make_study
from tests.problems import assert_problem

SLUG = "sitting-switches-your-glutes-off"


def _link(editor: httpx.Client, study_id: int, **appraisal: str) -> dict[str, Any]:
    return created(
        editor.post(
            f"/v1/claims/{SLUG}/evidence",
            json={"study_id": study_id, "stance": "supports", "finding": "Found.", **appraisal},
        )
    )


class TestAppraisal:
    def test_unappraised_link_has_null_appraisal(self, editor: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        study = make_study(editor, **STUDY_DARLOW)
        evidence = _link(editor, study["id"])
        assert (evidence["risk_of_bias"], evidence["directness"]) == (None, None)

    def test_create_with_appraisal_then_change_and_clear_with_if_match(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        study = make_study(editor, **STUDY_DARLOW)
        evidence = _link(editor, study["id"], risk_of_bias="some_concerns", directness="indirect")
        assert (evidence["risk_of_bias"], evidence["directness"]) == ("some_concerns", "indirect")
        url = f"/v1/evidence/{evidence['id']}"
        etag = client.get(url).headers["etag"]
        changed = editor.patch(url, json={"risk_of_bias": "high"}, headers={"If-Match": etag})
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert (body["risk_of_bias"], body["directness"], body["version"]) == (
            "high",
            "indirect",
            2,
        )
        cleared = editor.patch(url, json={"directness": None}).json()
        assert (cleared["risk_of_bias"], cleared["directness"]) == ("high", None)
        assert client.get(url).json() == cleared

    def test_unknown_values_are_422_naming_the_field(self, editor: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        study = make_study(editor, **STUDY_DARLOW)
        response = editor.post(
            f"/v1/claims/{SLUG}/evidence",
            json={
                "study_id": study["id"],
                "stance": "supports",
                "finding": "F.",
                "directness": "x",
            },
        )
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "directness"]
        evidence = _link(editor, study["id"])
        response = editor.patch(f"/v1/evidence/{evidence['id']}", json={"risk_of_bias": "medium"})
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "risk_of_bias"]

    def test_appraisal_changes_are_audited_with_before_and_after(
        self, editor: httpx.Client, admin: httpx.Client
    ) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        study = make_study(editor, **STUDY_DARLOW)
        evidence = _link(editor, study["id"])
        editor.patch(f"/v1/evidence/{evidence['id']}", json={"risk_of_bias": "low"})
        entries = admin.get(
            "/v1/audit", params={"entity": "evidence", "entity_id": evidence["id"]}
        ).json()["items"]
        assert [entry["action"] for entry in entries] == ["update", "create"]
        assert entries[0]["before"]["risk_of_bias"] is None
        assert entries[0]["after"]["risk_of_bias"] == "low"

    def test_swagger_offers_the_vocabularies_with_examples(self, client: httpx.Client) -> None:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
        assert schemas["RiskOfBias"]["enum"] == ["low", "some_concerns", "high"]
        assert schemas["Directness"]["enum"] == ["direct", "indirect"]
        update_examples = schemas["EvidenceUpdate"]["examples"]
        assert any("risk_of_bias" in example for example in update_examples)
        assert "directness" in schemas["EvidenceCreate"]["examples"][0]
