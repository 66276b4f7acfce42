"""Review state: what sets each reason, what clears it, the queue, and retraction."""

from typing import Any

import httpx

from tests.assessment.worlds import S, add, assessment, world
from tests.problems import assert_problem
from tests.server import LiveServer, counting

SENTENCE = "The curator read both trials in full and weighs them differently."


def claim(client: httpx.Client, slug: str) -> dict[str, Any]:
    """Return a claim's document."""
    response = client.get(f"/v1/claims/{slug}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def reasons(client: httpx.Client, slug: str) -> list[str]:
    """Return the names of a claim's review reasons, oldest first."""
    return [reason["reason"] for reason in claim(client, slug)["review"]["reasons"]]


def verdict(editor: httpx.Client, slug: str, rating: str, certainty: str, **fields: Any) -> Any:
    """Record a verdict and return the response."""
    return editor.post(
        f"/v1/claims/{slug}/verdicts", json={"rating": rating, "certainty": certainty, **fields}
    )


def queue(client: httpx.Client, **params: Any) -> list[str]:
    """Return the slugs in the review queue."""
    response = client.get("/v1/review-queue", params=params)
    assert response.status_code == 200, response.text
    return [item["slug"] for item in response.json()["items"]]


def two_trials(editor: httpx.Client, statement: str = "Standing desks help") -> str:
    """A claim with two good trials and the verdict that follows them."""
    slug = world(editor, S("Alpha trial", n=150), S("Beta trial", n=250), statement=statement)
    assert verdict(editor, slug, "supported", "high").status_code == 201
    return slug


class TestNoVerdict:
    def test_a_claim_without_a_verdict_needs_review_since_it_was_added(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = world(editor)
        document = claim(client, slug)
        assert document["review"] == {
            "needs_review": True,
            "reasons": [
                {"reason": "no_verdict", "since": document["created_at"], "study_id": None}
            ],
        }
        assert queue(client) == [slug]
        assert queue(client, reason="evidence_changed") == []


class TestEvidenceAfterTheVerdict:
    def test_linking_a_study_flags_the_claim_and_a_new_verdict_clears_it(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = two_trials(editor)
        assert claim(client, slug)["review"] == {"needs_review": False, "reasons": []}
        assert queue(client) == []
        etag = client.get(f"/v1/claims/{slug}").headers["etag"]
        status = client.get(f"/v1/claims/{slug}/claimreview").json()["creativeWorkStatus"]
        assert status == "Published"

        add(editor, slug, S("Gamma trial", stance="contradicts", n=300))

        document = claim(client, slug)
        assert document["review"]["needs_review"] is True
        assert "evidence_changed" in reasons(client, slug)
        assert queue(client) == [slug]
        assert queue(client, reason="evidence_changed") == [slug]
        assert client.get(f"/v1/claims/{slug}").headers["etag"] != etag
        assert (
            client.get("/v1/claims", params={"needs_review": "true"}).json()["items"][0]["slug"]
            == slug
        )
        claim_review = client.get(f"/v1/claims/{slug}/claimreview").json()
        assert claim_review["creativeWorkStatus"] == "UnderReview"

        body = assessment(client, slug)
        answered = verdict(
            editor, slug, body["suggested_rating"], body["certainty"], rationale=SENTENCE
        )
        assert answered.status_code == 201, answered.text
        assert claim(client, slug)["review"] == {"needs_review": False, "reasons": []}
        assert queue(client) == []
        assert (
            client.get("/v1/claims", params={"needs_review": "false"}).json()["items"][0]["slug"]
            == slug
        )

    def test_changing_or_removing_a_link_flags_the_claim(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = two_trials(editor)
        evidence = client.get(f"/v1/claims/{slug}/evidence").json()["items"]
        editor.patch(f"/v1/evidence/{evidence[0]['id']}", json={"finding": "Found again."})
        assert reasons(client, slug) == ["evidence_changed"]
        first_since = claim(client, slug)["review"]["reasons"][0]["since"]
        assert editor.delete(f"/v1/evidence/{evidence[1]['id']}").status_code == 204
        # The reason keeps the time of the first change after the verdict.
        assert claim(client, slug)["review"]["reasons"][0]["since"] == first_since

    def test_a_new_design_flags_the_claims_citing_the_study(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = two_trials(editor)
        study_id = client.get(f"/v1/claims/{slug}/evidence").json()["items"][0]["study"]["id"]
        editor.patch(f"/v1/studies/{study_id}", json={"design": "cohort"})
        assert "evidence_changed" in reasons(client, slug)


class TestVerdictAgainstTheAssessment:
    def test_the_answer_says_whether_the_verdict_agrees(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = world(editor, S("Alpha trial", n=150), S("Beta trial", n=250))
        agreeing = verdict(editor, slug, "supported", "high")
        assert agreeing.status_code == 201, agreeing.text
        body = agreeing.json()
        assert body["agrees_with_assessment"] is True
        assert body["assessment"] == {"suggested_rating": "supported", "certainty": "high"}
        assert body["rationale"].startswith("Follows the assessment")

    def test_a_departing_verdict_needs_a_sentence_and_is_not_flagged_for_it(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = world(editor, S("Alpha trial", n=150), S("Beta trial", n=250))
        for rationale in (None, "x", "Curator knows."):
            fields = {} if rationale is None else {"rationale": rationale}
            response = verdict(editor, slug, "mostly_supported", "moderate", **fields)
            problem = assert_problem(response, 422)
            assert problem["errors"][0]["loc"] == ["body", "rationale"]
            assert "supported" in problem["detail"]
        departing = verdict(editor, slug, "mostly_supported", "moderate", rationale=SENTENCE)
        assert departing.status_code == 201, departing.text
        assert departing.json()["agrees_with_assessment"] is False
        assert claim(client, slug)["review"]["needs_review"] is False
        assert assessment(client, slug)["agrees_with_current_verdict"] is False

    def test_disagreement_appears_when_the_assessment_changes_after_the_verdict(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = two_trials(editor)
        evidence = client.get(f"/v1/claims/{slug}/evidence").json()["items"]
        # A change that leaves the assessment as it was: no disagreement.
        editor.patch(f"/v1/evidence/{evidence[0]['id']}", json={"finding": "Found again."})
        assert reasons(client, slug) == ["evidence_changed"]
        # A new appraisal moves the certainty to moderate: the verdict (high) no longer agrees.
        editor.patch(f"/v1/evidence/{evidence[0]['id']}", json={"risk_of_bias": "high"})
        assert reasons(client, slug) == ["evidence_changed", "verdict_disagrees_with_assessment"]
        assert queue(client, reason="verdict_disagrees_with_assessment") == [slug]
        # Back as it was: the verdict agrees again, the evidence change still wants a look.
        editor.patch(f"/v1/evidence/{evidence[0]['id']}", json={"risk_of_bias": "low"})
        assert reasons(client, slug) == ["evidence_changed"]

    def test_a_departed_verdict_is_flagged_once_the_assessment_moves(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slug = world(editor, S("Alpha trial", n=150), S("Beta trial", n=250))
        verdict(editor, slug, "mostly_supported", "moderate", rationale=SENTENCE)
        add(editor, slug, S("Gamma trial", n=100))
        assert reasons(client, slug) == ["evidence_changed"]  # still high, supported
        evidence = client.get(f"/v1/claims/{slug}/evidence").json()["items"]
        editor.patch(f"/v1/evidence/{evidence[0]['id']}", json={"directness": "indirect"})
        editor.patch(f"/v1/evidence/{evidence[1]['id']}", json={"directness": "indirect"})
        assert "verdict_disagrees_with_assessment" in reasons(client, slug)


class TestRetraction:
    def test_retracting_a_study_flags_every_claim_citing_it(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        slugs = [two_trials(editor, f"Claim number {n} about desks") for n in range(3)]
        shared = world(editor, statement="Unrelated claim about posture")
        study = add(editor, slugs[0], S("Retractable trial", n=100))["study"]
        for slug in slugs[1:]:
            response = editor.post(
                f"/v1/claims/{slug}/evidence",
                json={"study_id": study["id"], "stance": "supports", "finding": "Found."},
            )
            assert response.status_code == 201, response.text
        for slug in slugs:
            body = assessment(client, slug)
            verdict(editor, slug, body["suggested_rating"], body["certainty"])
        etags = {slug: client.get(f"/v1/claims/{slug}").headers["etag"] for slug in slugs}

        response = editor.patch(
            f"/v1/studies/{study['id']}",
            json={"retracted": True, "retraction_note": "Retracted for data errors."},
        )
        assert response.status_code == 200, response.text

        for slug in slugs:
            review = claim(client, slug)["review"]
            assert review["needs_review"] is True
            retracted = [r for r in review["reasons"] if r["reason"] == "study_retracted"]
            assert [r["study_id"] for r in retracted] == [study["id"]]
            assert client.get(f"/v1/claims/{slug}").headers["etag"] != etags[slug]
            excluded = assessment(client, slug)["excluded"]
            assert [e["reason"] for e in excluded if e["study_id"] == study["id"]] == ["retracted"]
        assert set(queue(client, reason="study_retracted")) == set(slugs)
        assert "study_retracted" not in reasons(client, shared)

    def test_one_retraction_costs_the_same_statements_for_two_claims_as_for_six(
        self, editor: httpx.Client, client: httpx.Client, live_server: LiveServer
    ) -> None:
        counts = []
        for size in (2, 6):
            study = None
            for n in range(size):
                slug = world(editor, statement=f"Claim {n} of {size} about chairs")
                if study is None:
                    study = add(editor, slug, S(f"Chair trial {size}", n=100))["study"]
                else:
                    editor.post(
                        f"/v1/claims/{slug}/evidence",
                        json={"study_id": study["id"], "stance": "supports", "finding": "F."},
                    )
                verdict(editor, slug, "unproven", "very_low", rationale=SENTENCE)
            assert study is not None
            with counting(live_server) as statements:
                response = editor.patch(f"/v1/studies/{study['id']}", json={"retracted": True})
            assert response.status_code == 200, response.text
            counts.append(len(statements))
        assert counts[0] == counts[1], counts


class TestQueue:
    def test_oldest_reason_first_paged_and_filtered(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        first = world(editor, statement="First claim about sitting")
        second = two_trials(editor, "Second claim about desks")
        third = world(editor, statement="Third claim about chairs")
        add(editor, second, S("Late trial", n=100))
        # The second claim's reason (evidence changed) is younger than the third claim itself.
        assert queue(client) == [first, third, second]
        page = client.get("/v1/review-queue", params={"limit": 2})
        assert [item["slug"] for item in page.json()["items"]] == [first, third]
        assert 'rel="next"' in page.headers["link"]
        rest = client.get(
            "/v1/review-queue", params={"limit": 2, "cursor": page.json()["next_cursor"]}
        ).json()
        assert ([item["slug"] for item in rest["items"]], rest["next_cursor"]) == ([second], None)
        both = client.get(
            "/v1/review-queue", params=[("reason", "evidence_changed"), ("reason", "no_verdict")]
        )
        assert [item["slug"] for item in both.json()["items"]] == [first, third, second]
        assert queue(client, reason="evidence_changed") == [second]
        assert_problem(client.get("/v1/review-queue", params={"reason": "stale"}), 422)
        assert_problem(client.get("/v1/review-queue", params={"cursor": "garbage"}), 422)

    def test_statements_do_not_grow_with_the_page(
        self, editor: httpx.Client, client: httpx.Client, live_server: LiveServer
    ) -> None:
        for n in range(6):
            world(editor, S(f"Trial {n}"), statement=f"Claim {n} about standing")
        counts = {}
        for limit in (2, 6):
            with counting(live_server) as statements:
                assert len(queue(client, limit=limit)) == limit
            counts[limit] = len(statements)
        assert counts[2] == counts[6], counts
