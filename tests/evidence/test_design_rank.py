"""The strongest design: a study of a design not listed outranks an opinion."""

import httpx

from tests.factories import STUDY_BLOG, link, make_claim, make_study


def test_other_outranks_expert_opinion(editor: httpx.Client, client: httpx.Client) -> None:
    claim = make_claim(editor, "Words clinicians use shape beliefs about back pain")
    opinion = make_study(editor, **STUDY_BLOG)
    qualitative = make_study(
        editor,
        title="Interviews with people who have low back pain",
        year=2013,
        design="other",
    )
    link(editor, claim["slug"], opinion["id"], "supports")
    link(editor, claim["slug"], qualitative["id"], "supports")
    summary = client.get(f"/v1/claims/{claim['slug']}").json()["evidence_summary"]
    assert summary["strongest_design"] == "other"
    order = client.get(f"/v1/claims/{claim['slug']}/evidence").json()["items"]
    assert [item["study"]["design"] for item in order] == ["other", "expert_opinion"]
