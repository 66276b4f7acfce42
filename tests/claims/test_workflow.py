"""The curation workflow end to end, as a client would run it."""

import httpx

from tests.factories import (
    STUDY_BLOG,
    STUDY_DARLOW,
    STUDY_PMID_ONLY,
    decide,
    link,
    make_claim,
    make_study,
    make_topic,
)

SLUG = "sitting-switches-your-glutes-off"


def test_claim_with_evidence_and_verdicts(editor: httpx.Client, client: httpx.Client) -> None:
    make_topic(editor, "Glute function", "glute-function")
    make_topic(editor, "Sitting", "sitting")
    claim = make_claim(
        editor,
        "Sitting switches your glutes off",
        aliases=["glute amnesia", "dead butt syndrome"],
        summary="EMG finds glute activity unchanged or higher with pain.",
        topics=["sitting", "glute-function"],
    )
    assert claim["slug"] == SLUG
    assert claim["topics"] == [
        {"slug": "glute-function", "name": "Glute function"},
        {"slug": "sitting", "name": "Sitting"},
    ]
    darlow = make_study(editor, **STUDY_DARLOW)
    assert darlow["doi"] == "10.1370/afm.1518"
    arab = make_study(editor, **STUDY_PMID_ONLY)
    assert (arab["doi"], arab["pmid"]) == (None, "21838925")
    blog = make_study(editor, **STUDY_BLOG)
    assert (blog["doi"], blog["pmid"], blog["url"]) == (None, None, STUDY_BLOG["url"])

    link(editor, SLUG, blog["id"], "contradicts")
    link(editor, SLUG, darlow["id"], "mentions")
    link(editor, SLUG, arab["id"], "contradicts")
    first = decide(editor, SLUG, "mostly_refuted", "very_low")
    second = decide(editor, SLUG, "refuted", "low")

    body = client.get(f"/v1/claims/{SLUG}").json()
    assert body["verdict"] == second
    assert body["verdict"]["is_current"] is True
    assert body["verdict"]["rating_value"] == 1
    assert body["verdict"]["decided_by"] == "test-editor"
    assert body["evidence_summary"] == {
        "supports": 0,
        "contradicts": 2,
        "mixed": 0,
        "mentions": 1,
        "studies": 3,
        "strongest_design": "case_control",
    }

    history = client.get(f"/v1/claims/{SLUG}/verdicts").json()["items"]
    assert [item["id"] for item in history] == [second["id"], first["id"]]
    assert [item["is_current"] for item in history] == [True, False]
    assert history[1]["rating"] == "mostly_refuted"

    evidence = client.get(f"/v1/claims/{SLUG}/evidence").json()["items"]
    assert [item["study"]["design"] for item in evidence] == [
        "case_control",
        "cross_sectional",
        "expert_opinion",
    ]
    assert evidence[0]["study"] == {
        "id": arab["id"],
        "title": STUDY_PMID_ONLY["title"],
        "authors": [
            {
                **author,
                "non_dropping_particle": None,
                "dropping_particle": None,
                "suffix": None,
                "literal": False,
            }
            for author in STUDY_PMID_ONLY["authors"]
        ],
        "year": 2011,
        "journal": None,
        "design": "case_control",
        "doi": None,
        "pmid": "21838925",
    }
    contradicting = client.get(f"/v1/claims/{SLUG}/evidence", params={"stance": "contradicts"})
    assert [item["study"]["id"] for item in contradicting.json()["items"]] == [
        arab["id"],
        blog["id"],
    ]

    study = client.get(f"/v1/studies/{darlow['id']}").json()
    assert study["cited_for"] == [
        {
            "claim": {"id": claim["id"], "slug": SLUG, "statement": claim["statement"]},
            "stance": "mentions",
        }
    ]

    stats = client.get("/v1/stats").json()
    assert stats == {
        "claims": 1,
        "studies": 3,
        "evidence": 3,
        "topics": 2,
        "verdicts": {
            "supported": 0,
            "mostly_supported": 0,
            "mixed": 0,
            "mostly_refuted": 0,
            "refuted": 1,
            "unproven": 0,
            "none": 0,
        },
    }
    topic = client.get("/v1/topics/sitting").json()
    assert topic["claim_count"] == 1
    assert topic["claims"] == [{"id": claim["id"], "slug": SLUG, "statement": claim["statement"]}]


def test_evidence_and_verdict_writes_change_the_claim_etag(
    editor: httpx.Client, client: httpx.Client
) -> None:
    make_claim(editor, "Sitting switches your glutes off")
    study = make_study(editor, **STUDY_DARLOW)
    tags = [client.get(f"/v1/claims/{SLUG}").headers["etag"]]
    evidence = link(editor, SLUG, study["id"], "supports")
    tags.append(client.get(f"/v1/claims/{SLUG}").headers["etag"])
    assert editor.patch(f"/v1/evidence/{evidence['id']}", json={"stance": "mixed"}).is_success
    tags.append(client.get(f"/v1/claims/{SLUG}").headers["etag"])
    decide(editor, SLUG, "unproven")
    tags.append(client.get(f"/v1/claims/{SLUG}").headers["etag"])
    assert editor.delete(f"/v1/evidence/{evidence['id']}").status_code == 204
    tags.append(client.get(f"/v1/claims/{SLUG}").headers["etag"])
    assert len(set(tags)) == len(tags)
    claim = client.get(f"/v1/claims/{SLUG}").json()
    assert claim["version"] == 5
    assert claim["verdict"]["rating_value"] is None
