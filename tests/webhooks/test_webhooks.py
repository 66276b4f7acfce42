"""Webhooks: subscriptions, signed deliveries with retries, a worker that survives SIGKILL."""

import json
import signal
import threading
from datetime import datetime
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from tests.databases import TestDatabase
from tests.factories import STUDY_DARLOW, decide, link, make_claim, make_study
from tests.problems import assert_problem
from tests.server import serve, server_settings
from tests.webhooks.receiver import eventually, receiver, start_worker, stop, worker


def subscribe(admin: httpx.Client, url: str, events: list[str]) -> dict[str, Any]:
    response = admin.post("/v1/webhooks", json={"url": url, "events": events})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def deliveries(admin: httpx.Client, webhook_id: int) -> list[dict[str, Any]]:
    response = admin.get(f"/v1/webhooks/{webhook_id}/deliveries")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def settled(admin: httpx.Client, webhook_id: int, count: int) -> list[dict[str, Any]]:
    """Wait until ``count`` deliveries exist and none is pending; return them."""

    def check() -> list[dict[str, Any]] | None:
        items = deliveries(admin, webhook_id)
        if len(items) >= count and all(item["status"] != "pending" for item in items):
            return items
        return None

    result: list[dict[str, Any]] = eventually(check)
    return result


class TestSubscriptions:
    def test_the_secret_is_shown_once(self, admin: httpx.Client) -> None:
        response = admin.post(
            "/v1/webhooks",
            json={
                "url": "http://127.0.0.1:9/hook",
                "events": ["verdict.created", "claim.updated", "verdict.created"],
                "description": "Our verdict boxes.",
            },
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["secret"].startswith("whsec_")
        assert created["events"] == ["claim.updated", "verdict.created"]
        assert response.headers["location"] == f"/v1/webhooks/{created['id']}"
        listed = admin.get("/v1/webhooks").json()["items"]
        assert [item["id"] for item in listed] == [created["id"]]
        assert "secret" not in listed[0]
        one = admin.get(response.headers["location"]).json()
        assert "secret" not in one
        assert one["description"] == "Our verdict boxes."
        assert admin.delete(f"/v1/webhooks/{created['id']}").status_code == 204
        assert_problem(admin.get(f"/v1/webhooks/{created['id']}"), 404)
        assert_problem(admin.delete(f"/v1/webhooks/{created['id']}"), 404)
        assert admin.get("/v1/webhooks").json()["items"] == []
        audit = admin.get("/v1/audit", params={"entity": "webhook"}).json()["items"]
        assert [entry["action"] for entry in audit] == ["delete", "create"]
        assert "secret" not in json.dumps(audit)

    def test_only_admins(self, client: httpx.Client, editor: httpx.Client) -> None:
        body = {"url": "http://127.0.0.1:9/hook", "events": ["claim.created"]}
        assert_problem(client.post("/v1/webhooks", json=body), 401)
        assert_problem(editor.post("/v1/webhooks", json=body), 403)
        assert_problem(editor.get("/v1/webhooks"), 403)
        assert_problem(client.get("/v1/webhooks/1/deliveries"), 401)

    @pytest.mark.parametrize(
        "body",
        [
            {"url": "ftp://example.org/hook", "events": ["claim.created"]},
            {"url": "http:///hook", "events": ["claim.created"]},
            {"url": "http://user:pw@example.org/hook", "events": ["claim.created"]},
            {"url": "http://example.org:99999/hook", "events": ["claim.created"]},
            {"url": "http://127.0.0.1:9/hook", "events": []},
            {"url": "http://127.0.0.1:9/hook", "events": ["topic.created"]},
            {"url": "http://127.0.0.1:9/hook", "events": ["claim.created"], "secret": "x"},
        ],
    )
    def test_bad_subscriptions_are_422(self, admin: httpx.Client, body: dict[str, Any]) -> None:
        assert_problem(admin.post("/v1/webhooks", json=body), 422)

    def test_unknown_webhook_or_delivery_is_404(self, admin: httpx.Client) -> None:
        assert_problem(admin.get("/v1/webhooks/99/deliveries"), 404)
        assert_problem(admin.post("/v1/webhooks/99/deliveries/1/redeliver"), 404)
        hook = subscribe(admin, "http://127.0.0.1:9/hook", ["claim.created"])
        assert_problem(admin.post(f"/v1/webhooks/{hook['id']}/deliveries/1/redeliver"), 404)


PRIVATE_TARGETS = (
    "http://127.0.0.1/hook",
    "http://localhost:8080/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://172.16.0.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
)


def test_private_targets_are_refused(
    database: TestDatabase, clean_database: TestDatabase, admin_key: str
) -> None:
    """Without the setting, a URL that resolves to a non-public address is 422."""
    settings = server_settings(database.url, webhook_allow_private_targets=False)
    with (
        serve(settings) as server,
        httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {admin_key}"}
        ) as admin,
    ):
        for url in PRIVATE_TARGETS:
            response = admin.post("/v1/webhooks", json={"url": url, "events": ["claim.created"]})
            problem = assert_problem(response, 422)
            assert problem["errors"][0]["loc"] == ["body", "url"], url
            assert "CITEDB_WEBHOOK_ALLOW_PRIVATE_TARGETS" in problem["detail"], url
        assert admin.get("/v1/webhooks").json()["items"] == []


def verify(secret: str, request: Any) -> dict[str, Any]:
    """Check a request's signature with the standardwebhooks library; return its payload."""
    payload: dict[str, Any] = Verifier(secret).verify(request.body, request.headers)
    return payload


def test_a_new_verdict_is_delivered_signed_after_two_failures(
    admin: httpx.Client, editor: httpx.Client, clean_database: TestDatabase
) -> None:
    with receiver(statuses=[500, 500]) as hook_server, worker(clean_database):
        hook = subscribe(admin, hook_server.url, ["verdict.created"])
        claim = make_claim(editor, "Sitting switches your glutes off.")
        verdict = decide(editor, claim["slug"], "refuted")
        requests = hook_server.wait_for(3)
        [delivery] = settled(admin, hook["id"], 1)
    assert len(requests) == 3
    payloads = [verify(hook["secret"], request) for request in requests]
    assert {request.headers["webhook-id"] for request in requests} == {delivery["message_id"]}
    assert payloads[0] == payloads[1] == payloads[2]
    assert payloads[0]["type"] == "verdict.created"
    data = payloads[0]["data"]
    assert data["id"] == verdict["id"]
    assert data["claim_id"] == claim["id"]
    assert data["object"]["rating"] == "refuted"
    assert data["seq"] == delivery["seq"]
    datetime.fromisoformat(payloads[0]["timestamp"])
    # The delivery log: three attempts, two 500s then a 200, with growing waits between them.
    assert delivery["status"] == "delivered"
    assert delivery["attempt_count"] == 3
    attempts = delivery["attempts"]
    assert [attempt["status_code"] for attempt in attempts] == [500, 500, 200]
    assert attempts[2]["retry_at"] is None
    assert delivery["next_attempt_at"] is None
    times = [datetime.fromisoformat(attempt["attempted_at"]) for attempt in attempts]
    waits = [datetime.fromisoformat(attempts[i]["retry_at"]) - times[i] for i in (0, 1)]
    assert waits[1] > waits[0]
    assert times[1] >= datetime.fromisoformat(attempts[0]["retry_at"])
    assert times[2] >= datetime.fromisoformat(attempts[1]["retry_at"])
    # A forged or stale signature does not verify.
    tampered = dict(requests[0].headers, **{"webhook-id": "msg_other"})
    with pytest.raises(Exception, match="signature"):
        Verifier(hook["secret"]).verify(requests[0].body, tampered)


def test_failed_after_the_limit_then_redelivered(
    admin: httpx.Client, editor: httpx.Client, clean_database: TestDatabase
) -> None:
    with receiver(statuses=[503, 503, 503]) as hook_server, worker(clean_database):
        hook = subscribe(admin, hook_server.url, ["claim.created"])
        make_claim(editor, "Sitting switches your glutes off.")
        [failed] = settled(admin, hook["id"], 1)
        assert failed["status"] == "failed"
        assert [attempt["status_code"] for attempt in failed["attempts"]] == [503, 503, 503]
        assert failed["next_attempt_at"] is None
        response = admin.post(f"/v1/webhooks/{hook['id']}/deliveries/{failed['id']}/redeliver")
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "pending"
        hook_server.wait_for(4)
        [delivered] = settled(admin, hook["id"], 1)
    assert delivered["status"] == "delivered"
    assert delivered["attempt_count"] == 4
    assert len({request.headers["webhook-id"] for request in hook_server.requests}) == 1


def test_redirects_are_not_followed(
    admin: httpx.Client, editor: httpx.Client, clean_database: TestDatabase
) -> None:
    with (
        receiver(statuses=[302, 302, 302], headers={"Location": "/elsewhere"}) as hook_server,
        worker(clean_database),
    ):
        hook = subscribe(admin, hook_server.url, ["claim.created"])
        make_claim(editor, "Sitting switches your glutes off.")
        [failed] = settled(admin, hook["id"], 1)
    assert failed["status"] == "failed"
    assert [request.path for request in hook_server.requests] == ["/hook"] * 3
    assert "redirect" in failed["attempts"][0]["error"]


def test_events_by_subscription_and_retraction(
    admin: httpx.Client, editor: httpx.Client, clean_database: TestDatabase
) -> None:
    before = make_claim(editor, "Made before anyone subscribed.")
    with receiver() as hook_server, worker(clean_database):
        studies = subscribe(admin, hook_server.url, ["study.retracted", "study.deleted"])
        claims = subscribe(admin, hook_server.url, ["claim.updated", "claim.deleted"])
        study = make_study(editor, **STUDY_DARLOW)
        patched = editor.patch(
            f"/v1/studies/{study['id']}",
            json={"retracted": True, "retraction_note": "Retracted by the journal."},
        )
        assert patched.status_code == 200, patched.text
        assert editor.delete(f"/v1/studies/{study['id']}").status_code == 204
        assert editor.patch(f"/v1/claims/{before['slug']}", json={"summary": "S."}).is_success
        assert editor.delete(f"/v1/claims/{before['slug']}").status_code == 204
        study_events = settled(admin, studies["id"], 2)
        claim_events = settled(admin, claims["id"], 2)
        hook_server.wait_for(4)
    assert [item["event"] for item in reversed(study_events)] == [
        "study.retracted",
        "study.deleted",
    ]
    assert [item["event"] for item in reversed(claim_events)] == [
        "claim.updated",
        "claim.deleted",
    ]
    bodies = {json.loads(request.body)["type"]: request for request in hook_server.requests}
    deleted = verify(claims["secret"], bodies["claim.deleted"])
    assert deleted["data"]["id"] == before["id"]
    assert deleted["data"]["object"]["statement"] == "Made before anyone subscribed."
    assert verify(studies["secret"], bodies["study.retracted"])["data"]["object"]["retracted"]


def test_a_killed_worker_leaves_the_event_to_the_next(
    admin: httpx.Client, editor: httpx.Client, clean_database: TestDatabase
) -> None:
    """SIGKILL between taking an event and finishing its delivery; a restart delivers it."""
    hold = threading.Event()
    with receiver(hold=hold) as hook_server:
        hook = subscribe(admin, hook_server.url, ["claim.created"])
        first = start_worker(clean_database)
        try:
            make_claim(editor, "Sitting switches your glutes off.")
            [taken] = hook_server.wait_for(1)  # the worker took it and is mid-POST
            first.send_signal(signal.SIGKILL)
            assert first.wait(timeout=20) == -signal.SIGKILL
        finally:
            stop(first)
        [pending] = deliveries(admin, hook["id"])
        assert pending["status"] == "pending"
        assert pending["attempt_count"] == 0  # the killed attempt was never recorded
        hold.set()
        with worker(clean_database):
            requests = hook_server.wait_for(2)
            [delivered] = settled(admin, hook["id"], 1)
    assert delivered["status"] == "delivered"
    assert requests[1].headers["webhook-id"] == taken.headers["webhook-id"]
    assert requests[1].body == taken.body
    verify(hook["secret"], requests[1])


def test_two_workers_send_each_delivery_once(
    admin: httpx.Client, editor: httpx.Client, clean_database: TestDatabase
) -> None:
    with receiver() as hook_server, worker(clean_database), worker(clean_database):
        hook = subscribe(admin, hook_server.url, ["claim.created"])
        for index in range(12):
            make_claim(editor, f"Claim number {index} about glutes.")
        items = settled(admin, hook["id"], 12)
    assert len(items) == 12
    assert all(item["attempt_count"] == 1 for item in items)
    ids = [request.headers["webhook-id"] for request in hook_server.requests]
    assert sorted(ids) == sorted(item["message_id"] for item in items)


def test_claims_flagged_for_review_are_announced(
    admin: httpx.Client, editor: httpx.Client, clean_database: TestDatabase
) -> None:
    """``claim.needs_review`` for a link changed under a verdict and for a retraction only."""
    with receiver() as hook_server, worker(clean_database):
        hook = subscribe(admin, hook_server.url, ["claim.needs_review"])
        decided = make_claim(editor, "Sitting switches your glutes off.")
        decide(editor, decided["slug"], "refuted")
        undecided = make_claim(editor, "Band walks wake the glutes up.")  # no_verdict: not sent
        study = make_study(editor, **STUDY_DARLOW)
        link(editor, undecided["slug"], study["id"], "supports")  # no verdict to make stale
        link(editor, decided["slug"], study["id"], "contradicts")
        retracted = editor.patch(f"/v1/studies/{study['id']}", json={"retracted": True})
        assert retracted.status_code == 200, retracted.text
        items = settled(admin, hook["id"], 3)
        requests = hook_server.wait_for(3)
    payloads = sorted(
        (verify(hook["secret"], request) for request in requests),
        key=lambda payload: payload["data"]["seq"],
    )
    assert {item["event"] for item in items} == {"claim.needs_review"}
    assert [(p["data"]["id"], p["data"]["reasons"]) for p in payloads] == [
        (decided["id"], ["evidence_changed"]),
        (decided["id"], ["study_retracted"]),
        (undecided["id"], ["study_retracted"]),
    ]
    current = editor.get(f"/v1/claims/{decided['slug']}").json()
    assert payloads[1]["data"]["version"] == current["version"]
    assert current["review"]["needs_review"] is True
