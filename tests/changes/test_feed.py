"""The change feed: every content write once, in commit order, with tombstones and retention."""

import asyncio
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.changes import service as changes_service
from app.config import Settings
from app.db import Database
from app.models.base import utcnow
from tests.databases import TestDatabase
from tests.factories import STUDY_DARLOW, created, decide, link, make_claim, make_study, make_topic
from tests.problems import assert_problem
from tests.server import LiveServer

WRITERS = 20
TOPICS_PER_WRITER = 10
UPDATES_PER_TOPIC = 3  # each topic: created, 3 updates, deleted: 5 writes


def read_feed(client: httpx.Client, after: int = 0) -> list[dict[str, Any]]:
    """Follow the feed from ``after`` to its newest change."""
    items: list[dict[str, Any]] = []
    while True:
        response = client.get("/v1/changes", params={"after": after, "limit": 100})
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["items"]:
            after = page["items"][-1]["seq"]
        if page["next_cursor"] is None:
            return items


def summary(items: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    return [(item["entity"], item["entity_id"], item["action"]) for item in items]


def test_every_content_write_is_one_change_in_order(
    client: httpx.Client, editor: httpx.Client
) -> None:
    def version() -> int:
        response = client.get(f"/v1/claims/{claim['slug']}")
        assert response.status_code == 200, response.text
        value: int = response.json()["version"]
        return value

    topic = make_topic(editor, "Glute function")
    claim = make_claim(editor, "Sitting switches your glutes off.", topics=[topic["slug"]])
    study = make_study(editor, **STUDY_DARLOW)
    evidence = link(editor, claim["slug"], study["id"], "supports")
    linked = version()
    verdict = decide(editor, claim["slug"], "refuted")
    decided = version()
    patched = editor.patch(f"/v1/claims/{claim['slug']}", json={"summary": "No."})
    assert patched.status_code == 200, patched.text
    assert editor.delete(f"/v1/evidence/{evidence['id']}").status_code == 204
    unlinked = version()
    assert editor.delete(f"/v1/claims/{claim['slug']}").status_code == 204
    restored = editor.post(f"/v1/claims/{claim['slug']}/restore")
    assert restored.status_code == 200, restored.text
    # A refused write leaves no change (nor does the editor's API key: it is not content).
    assert editor.post("/v1/studies", json=STUDY_DARLOW).status_code == 409

    items = read_feed(client)
    # A link or a verdict renews the claim's document too: the claim's new version is a change.
    assert summary(items) == [
        ("topic", topic["id"], "created"),
        ("claim", claim["id"], "created"),
        ("study", study["id"], "created"),
        ("evidence", evidence["id"], "created"),
        ("claim", claim["id"], "updated"),
        ("verdict", verdict["id"], "created"),
        ("claim", claim["id"], "updated"),
        ("claim", claim["id"], "updated"),
        ("evidence", evidence["id"], "deleted"),
        ("claim", claim["id"], "updated"),
        ("claim", claim["id"], "deleted"),
        ("claim", claim["id"], "restored"),
    ]
    assert [item["seq"] for item in items] == list(range(1, len(items) + 1))
    assert [items[i]["version"] for i in (1, 4, 6, 7, 9, 11)] == [
        claim["version"],
        linked,
        decided,
        patched.json()["version"],
        unlinked,
        restored.json()["version"],
    ]
    assert items[8]["version"] is None  # a tombstone
    assert all(item["at"].endswith("Z") or "+00:00" in item["at"] for item in items)
    later = client.get("/v1/changes", params={"after": 11})
    assert [item["action"] for item in later.json()["items"]] == ["restored"]


def test_a_study_change_renews_every_claim_citing_it(
    client: httpx.Client, editor: httpx.Client
) -> None:
    study = make_study(editor, **STUDY_DARLOW)
    claims = [make_claim(editor, f"Claim {n} citing the chair trial.") for n in range(3)]
    for claim in claims[:2]:
        link(editor, claim["slug"], study["id"], "supports")
    after = read_feed(client)[-1]["seq"]
    retracted = editor.patch(f"/v1/studies/{study['id']}", json={"retracted": True})
    assert retracted.status_code == 200, retracted.text
    versions = [client.get(f"/v1/claims/{claim['slug']}").json()["version"] for claim in claims]
    assert editor.delete(f"/v1/claims/{claims[1]['slug']}").status_code == 204
    items = read_feed(client, after)
    assert summary(items) == [
        ("study", study["id"], "updated"),
        ("claim", claims[0]["id"], "updated"),
        ("claim", claims[1]["id"], "updated"),
        ("claim", claims[1]["id"], "deleted"),
    ]
    assert [items[1]["version"], items[2]["version"]] == versions[:2]
    assert versions[2] == claims[2]["version"]  # not citing: unchanged, and not in the feed


def test_pages_link_to_the_next_and_the_newest_page_is_revalidated(
    client: httpx.Client, editor: httpx.Client
) -> None:
    for index in range(5):
        make_topic(editor, f"Topic {index}")
    first = client.get("/v1/changes", params={"limit": 2})
    assert first.status_code == 200
    assert first.json()["next_cursor"] == "2"
    assert "after=2" in first.headers["link"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    last = client.get("/v1/changes", params={"after": 4, "limit": 2})
    assert [item["seq"] for item in last.json()["items"]] == [5]
    assert last.json()["next_cursor"] is None
    assert "link" not in last.headers
    assert last.headers["cache-control"] == "public, no-cache"
    again = client.get(
        "/v1/changes",
        params={"after": 4, "limit": 2},
        headers={"If-None-Match": last.headers["etag"]},
    )
    assert again.status_code == 304
    make_topic(editor, "Topic 5")
    grown = client.get(
        "/v1/changes",
        params={"after": 4, "limit": 2},
        headers={"If-None-Match": last.headers["etag"]},
    )
    assert grown.status_code == 200
    assert [item["seq"] for item in grown.json()["items"]] == [5, 6]


@pytest.mark.parametrize("after", ["-1", "x", str(2**63)])
def test_a_malformed_after_is_422(client: httpx.Client, after: str) -> None:
    assert_problem(client.get("/v1/changes", params={"after": after}), 422)


def test_an_after_beyond_the_newest_change_is_410(
    client: httpx.Client, editor: httpx.Client
) -> None:
    make_topic(editor, "Glute function")
    assert client.get("/v1/changes", params={"after": 1}).json()["items"] == []
    problem = assert_problem(client.get("/v1/changes", params={"after": 2}), 410)
    assert "Re-read" in problem["detail"]


def prune(database: TestDatabase, *, older_than_days: float, keep_after: int) -> int:
    async def work() -> int:
        db = Database.from_settings(Settings(database_url=database.url))
        try:
            async with db.write_sessions() as session, session.begin():
                return await changes_service.prune(
                    session,
                    older_than=utcnow() - timedelta(days=older_than_days),
                    keep_after=keep_after,
                )
        finally:
            await db.dispose()

    return asyncio.run(work())


def test_a_reader_behind_the_retention_gets_410_and_is_told_to_re_read(
    client: httpx.Client, editor: httpx.Client, clean_database: TestDatabase
) -> None:
    for index in range(4):
        make_topic(editor, f"Topic {index}")
    assert prune(clean_database, older_than_days=1, keep_after=4) == 0  # all recent
    assert prune(clean_database, older_than_days=0, keep_after=2) == 2  # webhooks still owe 3, 4
    problem = assert_problem(client.get("/v1/changes", params={"after": 1}), 410)
    assert "Re-read" in problem["detail"]
    assert "after=4" in problem["detail"]
    assert [item["seq"] for item in read_feed(client, after=2)] == [3, 4]
    # Without `after` a new reader starts at the oldest change kept.
    assert [item["seq"] for item in client.get("/v1/changes").json()["items"]] == [3, 4]


def test_concurrent_writers_and_a_polling_reader(
    live_server: LiveServer, clean_database: TestDatabase, editor_key: str
) -> None:
    """20 writers make 1,000 writes while a reader polls: each seen once, in order, none missing."""
    done = threading.Event()
    seen: list[dict[str, Any]] = []
    expected: dict[int, list[str]] = {}
    lock = threading.Lock()

    def poll() -> None:
        with httpx.Client(base_url=live_server.base_url, timeout=60) as reader:
            after = 0
            while True:
                finished = done.is_set()
                response = reader.get("/v1/changes", params={"after": after, "limit": 100})
                assert response.status_code == 200, response.text
                page = response.json()["items"]
                seen.extend(page)
                if page:
                    after = page[-1]["seq"]
                elif finished:
                    return
                else:
                    time.sleep(0.01)  # caught up: leave the processor to the writers

    def write(writer: int) -> None:
        headers = {"Authorization": f"Bearer {editor_key}"}
        with httpx.Client(base_url=live_server.base_url, timeout=60, headers=headers) as http:
            for index in range(TOPICS_PER_WRITER):
                topic = created(http.post("/v1/topics", json={"name": f"W{writer} T{index}"}))
                actions = ["created"]
                for update in range(UPDATES_PER_TOPIC):
                    response = http.patch(
                        f"/v1/topics/{topic['id']}", json={"description": f"Update {update}."}
                    )
                    assert response.status_code == 200, response.text
                    actions.append("updated")
                assert http.delete(f"/v1/topics/{topic['id']}").status_code == 204
                actions.append("deleted")
                with lock:
                    expected[topic["id"]] = actions

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            list(pool.map(write, range(WRITERS)))
    finally:
        done.set()
        reader.join(timeout=120)
    assert not reader.is_alive()

    writes = WRITERS * TOPICS_PER_WRITER * (UPDATES_PER_TOPIC + 2)
    assert writes == 1000
    assert [item["seq"] for item in seen] == list(range(1, writes + 1))
    by_topic: dict[int, list[str]] = defaultdict(list)
    for item in seen:
        assert item["entity"] == "topic"
        by_topic[item["entity_id"]].append(item["action"])
    assert by_topic == expected
