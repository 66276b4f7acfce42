"""A search ranked by meaning, read as plain rows, is the service's page, byte for byte."""

from typing import Any

import httpx

from tests.factories import STUDY_DARLOW, decide, link, make_claim, make_study, make_topic
from tests.server import LiveServer, counting

CLAIMS = [
    ("Sitting for hours every day switches your glutes off", ["glute amnesia"]),
    ("Sitting is the new smoking", ["sitting disease", "sedentary death syndrome"]),
    ("Hip thrusts work your glutes harder than squats", []),
    ("Desk workers have weaker glutes than active people", ["office glutes"]),
    ("Standing desks undo the harm of sitting", []),
    ("Breaking up sitting every 30 minutes protects your glutes", ["sitting breaks"]),
    ("Creatine causes hair loss", []),
    ("Glute bridges wake up sleepy glutes", ["glute activation"]),
]
QUESTIONS = ["are my glutes dead from desk work?", "is sitting as bad as smoking", "glutes"]


def pages(client: httpx.Client, params: dict[str, Any]) -> list[bytes]:
    """Return the bodies of every page of a search, following its cursors."""
    bodies = []
    cursor = None
    while True:
        response = client.get("/v1/claims", params={**params, "limit": 3, "cursor": cursor})
        assert response.status_code == 200, response.text
        bodies.append(response.content)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return bodies


def test_a_search_reads_as_plain_rows_the_page_the_service_would(
    editor: httpx.Client, client: httpx.Client, live_server: LiveServer
) -> None:
    make_topic(editor, "Everything", "everything")
    make_topic(editor, "Glutes", "glutes")
    claims = [
        make_claim(editor, statement, aliases=aliases, topics=["everything", "glutes"][: n % 2 + 1])
        for n, (statement, aliases) in enumerate(CLAIMS)
    ]
    studies = [make_study(editor, **STUDY_DARLOW), make_study(editor, title="A cohort", year=2019)]
    link(editor, claims[0]["slug"], studies[0]["id"], "contradicts")
    link(editor, claims[0]["slug"], studies[1]["id"], "supports")
    link(editor, claims[3]["slug"], studies[1]["id"], "mixed")
    decide(editor, claims[0]["slug"], "refuted")
    decide(editor, claims[1]["slug"], "mostly_refuted", certainty="moderate")
    retracted = editor.patch(f"/v1/studies/{studies[1]['id']}", json={"retracted": True})
    assert retracted.status_code == 200, retracted.text
    assert editor.delete(f"/v1/claims/{claims[5]['slug']}").status_code == 204
    for question in QUESTIONS:
        with counting(live_server) as statements:
            plain = pages(client, {"q": question})
        assert any("FROM claims WHERE id IN" in statement for statement in statements)
        # Every claim has the topic "everything": the filter keeps them all, and a filtered
        # search is answered by the service.
        assert plain == pages(client, {"q": question, "topic": "everything"})
        slugs = [
            item["slug"]
            for body in plain
            for item in httpx.Response(200, content=body).json()["items"]
        ]
        assert claims[5]["slug"] not in slugs
    items = client.get("/v1/claims", params={"q": QUESTIONS[0]}).json()["items"]
    decided = next(item for item in items if item["slug"] == claims[0]["slug"])
    assert decided["verdict"]["rating"] == "refuted"
    assert decided["evidence_summary"]["studies"] == 2
    assert decided["review"]["needs_review"] is True
    assert decided["aliases"] == ["glute amnesia"]


def test_a_question_of_no_words_is_an_empty_page(client: httpx.Client) -> None:
    response = client.get("/v1/claims", params={"q": "the of and"})
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}
