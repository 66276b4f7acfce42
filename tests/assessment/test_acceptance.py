"""The issue's acceptance for the assessment, as a client would check it over HTTP."""

import httpx

from tests.assessment.worlds import S, add, assessment, domain, world


def test_two_trials_then_a_cohort_then_a_trial_at_high_risk(
    editor: httpx.Client, client: httpx.Client
) -> None:
    slug = world(
        editor,
        S("Hartmann randomised trial of standing desks", n=150),
        S("Okafor randomised trial of sitting breaks", n=250),
    )
    body = assessment(client, slug)
    assert (body["certainty"], body["direction"], body["suggested_rating"]) == (
        "high",
        "supports",
        "supported",
    )
    assert body["body"] == {
        "studies": 2,
        "participants": 400,
        "best_design": "randomized_trial",
        "evidence_ids": body["body"]["evidence_ids"],
    }
    assert all(d["judgement"] == "not_serious" for d in body["domains"])

    # The rule (INC-3): inconsistency is judged among comparable studies; a cohort study is
    # rated in the non-randomised body, so it does not make two randomised trials inconsistent.
    add(
        editor, slug, S("Lindqvist cohort of office workers", design="cohort", stance="contradicts")
    )
    body = assessment(client, slug)
    inconsistency = domain(body, "inconsistency")
    assert (inconsistency["judgement"], inconsistency["rule"]) == ("not_serious", "INC-3")
    assert "Lindqvist cohort" in inconsistency["reason"]
    assert body["certainty"] == "high"
    assert body["counts"]["contradicts"] == 1
    assert {"design": "cohort", "supports": 0, "contradicts": 1, "mixed": 0, "mentions": 0} in (
        body["by_design"]
    )

    evidence = client.get(f"/v1/claims/{slug}/evidence").json()["items"]
    trial = next(item for item in evidence if item["study"]["title"].startswith("Okafor"))
    changed = editor.patch(f"/v1/evidence/{trial['id']}", json={"risk_of_bias": "high"})
    assert changed.status_code == 200, changed.text
    body = assessment(client, slug)
    risk = domain(body, "risk_of_bias")
    assert risk["judgement"] == "serious"
    assert "Okafor randomised trial of sitting breaks" in risk["reason"]
    assert "Hartmann" not in risk["reason"]
    assert body["certainty"] == "moderate"


def test_only_expert_opinion_is_no_body_of_evidence(
    editor: httpx.Client, client: httpx.Client
) -> None:
    slug = world(
        editor,
        S("Trainer's view on glutes", design="expert_opinion", n=None, rob=None),
        S("Physio's blog essay", design="expert_opinion", publication_type="blog_post"),
    )
    body = assessment(client, slug)
    assert body["body"]["studies"] == 0
    assert body["starting_certainty"] is None
    assert (body["certainty"], body["direction"], body["suggested_rating"]) == (
        "very_low",
        "none",
        "unproven",
    )
    assert body["domains"] == []
    assert [item["reason"] for item in body["excluded"]] == ["not_a_study", "not_a_study"]


def test_unknown_claim_is_404_and_the_answer_has_an_etag(
    editor: httpx.Client, client: httpx.Client
) -> None:
    assert client.get("/v1/claims/nope/assessment").status_code == 404
    slug = world(editor, S("Alpha trial"))
    first = client.get(f"/v1/claims/{slug}/assessment")
    again = client.get(
        f"/v1/claims/{slug}/assessment", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
