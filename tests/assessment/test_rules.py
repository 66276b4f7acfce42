"""The GRADE rules, one world per rule: each test builds the evidence that triggers its rule.

The rules are the table in app/assessment/rules.py, documented on the operation in /docs;
``test_every_rule_has_a_world`` holds this file to that table.
"""

import re

import httpx
import pytest

from tests.assessment.worlds import S, assessment, domain, world

# rule code -> (the world that triggers it, the domain, the judgement, studies its reason names)
WORLDS: dict[str, tuple[tuple[S, ...], str, str, tuple[str, ...]]] = {
    "RB-1": (
        (S("Alpha trial", rob="high"), S("Beta trial", rob="high"), S("Gamma trial")),
        "risk_of_bias",
        "very_serious",
        ("Alpha trial", "Beta trial"),
    ),
    "RB-2": (
        (S("Alpha trial", rob="high"), S("Beta trial")),
        "risk_of_bias",
        "serious",
        ("Alpha trial",),
    ),
    "RB-3": (
        (S("Alpha trial", rob="some_concerns"), S("Beta trial", rob=None)),
        "risk_of_bias",
        "serious",
        ("Alpha trial", "Beta trial"),
    ),
    "RB-4": ((S("Alpha trial"), S("Beta trial")), "risk_of_bias", "not_serious", ("Alpha trial",)),
    "INC-1": (
        (S("Alpha trial"), S("Beta trial", stance="contradicts")),
        "inconsistency",
        "very_serious",
        ("Alpha trial", "Beta trial"),
    ),
    "INC-2": (
        (S("Alpha trial"), S("Beta trial"), S("Gamma trial", stance="contradicts")),
        "inconsistency",
        "serious",
        ("Gamma trial",),
    ),
    "INC-3": (
        (
            S("Alpha trial"),
            S("Beta trial"),
            S("Delta cohort", design="cohort", stance="contradicts"),
        ),
        "inconsistency",
        "not_serious",
        ("Delta cohort",),
    ),
    "IND-1": (
        (S("Alpha trial", directness="indirect"), S("Beta trial")),
        "indirectness",
        "serious",
        ("Alpha trial",),
    ),
    "IND-2": (
        (
            S("Alpha trial", directness="indirect"),
            S("Beta trial"),
            S("Gamma trial", directness=None),
        ),
        "indirectness",
        "not_serious",
        ("Alpha trial", "Gamma trial"),
    ),
    "IMP-1": (
        (S("Alpha trial", n=None), S("Beta trial", n=None)),
        "imprecision",
        "serious",
        ("Alpha trial", "Beta trial"),
    ),
    "IMP-2": (
        (S("Alpha trial", n=30, stance="mixed"), S("Beta trial", n=40)),
        "imprecision",
        "very_serious",
        ("Alpha trial", "Beta trial"),
    ),
    "IMP-3": (
        (S("Alpha trial", n=150), S("Beta trial", n=200)),
        "imprecision",
        "serious",
        ("Alpha trial", "Beta trial"),
    ),
    "IMP-4": (
        (S("Alpha trial", n=150), S("Beta trial", n=250)),
        "imprecision",
        "not_serious",
        (),
    ),
    "PB-1": (
        (S("Alpha trial", n=40), S("Beta trial", n=50)),
        "publication_bias",
        "serious",
        ("Alpha trial", "Beta trial"),
    ),
    "PB-2": (
        (S("Alpha trial", n=40), S("Beta trial", n=500)),
        "publication_bias",
        "not_serious",
        (),
    ),
}


@pytest.mark.parametrize("rule", sorted(WORLDS))
def test_rule_in_its_world(rule: str, editor: httpx.Client, client: httpx.Client) -> None:
    studies, name, judgement, named = WORLDS[rule]
    body = assessment(client, world(editor, *studies))
    judged = domain(body, name)
    assert (judged["rule"], judged["judgement"]) == (rule, judgement), judged
    for title in named:
        assert title in judged["reason"], judged["reason"]


def test_every_rule_has_a_world(client: httpx.Client) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/claims/{claim}/assessment"]
    documented = set(re.findall(r"^\| ([A-Z]+-\d+) \|", operation["get"]["description"], re.M))
    assert documented == set(WORLDS)


class TestBodyOfEvidence:
    def test_randomised_trials_and_syntheses_start_high(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = world(editor, S("Alpha synthesis", design="meta_analysis", n=400))
        body = assessment(client, slug)
        assert (body["starting_certainty"], body["body"]["best_design"]) == (
            "high",
            "meta_analysis",
        )

    def test_other_primary_studies_start_low(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = world(editor, S("Delta cohort", design="cohort", n=500))
        body = assessment(client, slug)
        assert (body["starting_certainty"], body["certainty"]) == ("low", "low")
        assert body["suggested_rating"] == "mostly_supported"

    def test_not_studies_mentions_and_retracted_are_excluded(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = world(
            editor,
            S("Opinion piece", design="expert_opinion"),
            S("Narrative overview", design="narrative_review"),
            S("Blog trial", publication_type="blog_post"),
            S("Unknown design", design=None),
            S("Mentioned trial", stance="mentions"),
            S("Retracted trial", retracted=True, extra={"retraction_note": "Data fabricated."}),
        )
        body = assessment(client, slug)
        assert [item["reason"] for item in body["excluded"]] == [
            "not_a_study",
            "not_a_study",
            "not_a_study",
            "not_a_study",
            "mentions_only",
            "retracted",
        ]
        # Details are for people: vocabulary values as words, never "blog_post".
        assert [item["detail"] for item in body["excluded"]][:4] == [
            "An expert opinion: not a study GRADE rates.",
            "A narrative review: not a study GRADE rates.",
            "A blog post, not a study.",
            "The study's design is not recorded.",
        ]
        assert body["body"] == {
            "studies": 0,
            "participants": None,
            "best_design": None,
            "evidence_ids": [],
        }
        # Retracted studies are not counted at all; mentions are counted as mentions only.
        assert body["counts"] == {"supports": 4, "contradicts": 0, "mixed": 0, "mentions": 1}

    def test_the_body_that_rates_higher_is_rated(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        # One small trial at high risk ends very low; three large cohorts end low.
        slug = world(
            editor,
            S("Alpha trial", rob="high", n=40),
            S("Delta cohort", design="cohort", n=300),
            S("Epsilon cohort", design="cohort", n=300),
        )
        body = assessment(client, slug)
        assert (body["starting_certainty"], body["certainty"]) == ("low", "low")
        assert body["body"]["studies"] == 2
        assert body["body"]["participants"] == 600


class TestDirectionAndRating:
    @pytest.mark.parametrize(
        ("design", "stances", "direction", "certainty", "rating"),
        [
            # Conflict among comparable studies rates low down to very low: unproven.
            ("cohort", ("supports", "supports", "contradicts"), "supports", "very_low", "unproven"),
            # A mixed study is not a conflict; two of three contradict.
            (
                "cohort",
                ("contradicts", "contradicts", "mixed"),
                "contradicts",
                "low",
                "mostly_refuted",
            ),
            ("cohort", ("supports", "mixed"), "mixed", "low", "mixed"),
            ("randomized_trial", ("contradicts", "contradicts"), "contradicts", "high", "refuted"),
        ],
    )
    def test_direction_and_suggested_rating(
        self,
        design: str,
        stances: tuple[str, ...],
        direction: str,
        certainty: str,
        rating: str,
        editor: httpx.Client,
        client: httpx.Client,
    ) -> None:
        studies = [
            S(f"Study {index}", design=design, stance=stance, n=500)
            for index, stance in enumerate(stances)
        ]
        body = assessment(client, world(editor, *studies))
        assert (body["direction"], body["certainty"], body["suggested_rating"]) == (
            direction,
            certainty,
            rating,
        )

    def test_agreement_with_the_current_verdict(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = world(editor, S("Alpha trial", n=150), S("Beta trial", n=250))
        assert assessment(client, slug)["agrees_with_current_verdict"] is None
        response = editor.post(
            f"/v1/claims/{slug}/verdicts",
            json={"rating": "supported", "certainty": "high", "rationale": "Two good trials."},
        )
        assert response.status_code == 201, response.text
        body = assessment(client, slug)
        assert body["current_verdict"]["id"] == response.json()["id"]
        assert body["agrees_with_current_verdict"] is True
