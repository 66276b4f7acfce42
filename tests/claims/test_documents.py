"""Kept claim documents: never older than this process's last write, or the TTL for others."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.claims.documents import PAGE_ENTRY_OVERHEAD
from app.config import Settings
from tests.databases import TestDatabase
from tests.factories import STUDY_DARLOW, decide, link, make_claim, make_study, make_topic
from tests.server import LiveServer, counting, serve

SLUG = "sitting-switches-your-glutes-off"


@pytest.fixture
def patient_server(clean_database: TestDatabase) -> Iterator[LiveServer]:
    """A second API process on the same database that re-checks the generation every 60 s."""
    settings = Settings(database_url=clean_database.url, document_cache_ttl=60)
    with serve(settings) as server:
        yield server


def test_writes_elsewhere_are_seen_at_once_with_no_ttl(
    editor: httpx.Client, client: httpx.Client, clean_database: TestDatabase
) -> None:
    make_claim(editor, "Sitting switches your glutes off")
    first = client.get(f"/v1/claims/{SLUG}")
    clean_database.execute("UPDATE claims SET summary = 'Changed in the database.'")
    second = client.get(f"/v1/claims/{SLUG}")
    assert second.json()["summary"] == "Changed in the database."
    assert second.headers["etag"] != first.headers["etag"]
    assert (
        client.get(
            f"/v1/claims/{SLUG}", headers={"If-None-Match": first.headers["etag"]}
        ).status_code
        == 200
    )


def test_kept_document_matches_a_fresh_render(editor: httpx.Client, client: httpx.Client) -> None:
    make_topic(editor, "Sitting", "sitting")
    claim = make_claim(editor, "Sitting switches your glutes off", topics=["sitting"])
    study = make_study(editor, **STUDY_DARLOW)
    link(editor, SLUG, study["id"], "contradicts")
    decide(editor, SLUG, "refuted")
    kept = client.get(f"/v1/claims/{claim['id']}")
    again = client.get(f"/v1/claims/{SLUG}")
    listed = client.get("/v1/claims").json()["items"][0]
    assert kept.content == again.content
    assert kept.json() == listed
    head = client.head(f"/v1/claims/{SLUG}")
    assert head.status_code == 200
    assert head.headers["etag"] == kept.headers["etag"]
    assert head.content == b""
    # A topic rename changes the claim's body, so its document and ETag too.
    assert editor.patch("/v1/topics/sitting", json={"name": "Sedentary life"}).status_code == 200
    renamed = client.get(f"/v1/claims/{SLUG}")
    assert renamed.json()["topics"] == [{"slug": "sitting", "name": "Sedentary life"}]
    assert renamed.headers["etag"] != kept.headers["etag"]


def test_a_process_with_a_long_ttl_sees_its_own_writes_at_once(
    patient_server: LiveServer, editor_key: str
) -> None:
    headers = {"Authorization": f"Bearer {editor_key}"}
    with httpx.Client(base_url=patient_server.base_url, headers=headers) as patient:
        make_claim(patient, "Sitting switches your glutes off")
        assert patient.get(f"/v1/claims/{SLUG}").json()["summary"] is None
        changed = patient.patch(f"/v1/claims/{SLUG}", json={"summary": "Own write."})
        assert changed.status_code == 200
        assert patient.get(f"/v1/claims/{SLUG}").json()["summary"] == "Own write."
        assert patient.get(f"/v1/claims/{SLUG}").headers["etag"] == changed.headers["etag"]


def test_a_kept_search_page_is_the_routes_answer(
    editor: httpx.Client, client: httpx.Client
) -> None:
    for statement in ("Sitting switches your glutes off", "Sitting all day weakens the glutes"):
        make_claim(editor, statement)
    first = client.get("/v1/claims", params={"q": "sitting glutes", "limit": 1})
    kept = client.get("/v1/claims", params={"q": "sitting glutes", "limit": 1})
    assert first.status_code == kept.status_code == 200
    assert kept.content == first.content
    assert kept.headers["etag"] == first.headers["etag"]
    assert kept.headers["cache-control"] == first.headers["cache-control"]
    assert kept.headers["content-type"] == "application/json"
    cursor = kept.json()["next_cursor"]
    assert cursor is not None
    assert kept.headers["link"] == first.headers["link"]
    assert f"cursor={cursor}" in kept.headers["link"]
    # The Link is an absolute URL made from the request, so another host gets its own.
    proxied = client.get(
        "/v1/claims", params={"q": "sitting glutes", "limit": 1}, headers={"Host": "api.example"}
    )
    assert proxied.headers["link"].startswith("<http://api.example/v1/claims?")
    assert proxied.content == kept.content
    revalidated = client.get(
        "/v1/claims",
        params={"q": "sitting glutes", "limit": 1},
        headers={"If-None-Match": kept.headers["etag"]},
    )
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated.headers["etag"] == kept.headers["etag"]
    assert "link" not in revalidated.headers
    # Errors are the route's own, and are never kept in place of a page.
    for _ in range(2):
        invalid = client.get("/v1/claims", params={"q": "sitting", "limit": 0})
        assert invalid.status_code == 422
        assert invalid.headers["content-type"] == "application/problem+json"


def test_a_process_with_a_long_ttl_keeps_pages_until_it_writes(
    patient_server: LiveServer, editor_key: str, clean_database: TestDatabase
) -> None:
    headers = {"Authorization": f"Bearer {editor_key}"}
    with httpx.Client(base_url=patient_server.base_url, headers=headers) as patient:
        make_claim(patient, "Sitting switches your glutes off")
        search = {"q": "glutes"}
        before = patient.get("/v1/claims", params=search)
        listed_before = patient.get("/v1/claims").json()["items"]
        assert [item["slug"] for item in listed_before] == [SLUG]
        assert [item["slug"] for item in before.json()["items"]] == [SLUG]
        # A write made elsewhere is not seen before the TTL: the page was kept.
        clean_database.execute("UPDATE claims SET summary = 'Changed in the database.'")
        assert patient.get("/v1/claims", params=search).content == before.content
        # The process's own write is seen at once, in search and in the plain list.
        make_claim(patient, "Glutes fire less after a long flight")
        after = patient.get("/v1/claims", params=search).json()["items"]
        assert len(after) == 2
        assert {item["summary"] for item in after} == {"Changed in the database.", None}
        listed = patient.get("/v1/claims").json()["items"]
        assert listed[0]["statement"] == "Glutes fire less after a long flight"


def test_deleting_a_claim_takes_it_out_of_kept_searches(
    editor: httpx.Client, client: httpx.Client
) -> None:
    make_claim(editor, "Sitting switches your glutes off")
    assert len(client.get("/v1/claims", params={"q": "glutes"}).json()["items"]) == 1
    current = client.get(f"/v1/claims/{SLUG}")
    deleted = editor.delete(f"/v1/claims/{SLUG}", headers={"If-Match": current.headers["etag"]})
    assert deleted.status_code == 204
    assert client.get("/v1/claims", params={"q": "glutes"}).json()["items"] == []


def test_concurrent_misses_of_one_answer_render_it_once(
    live_server: LiveServer, editor: httpx.Client
) -> None:
    for statement in ("Sitting switches your glutes off", "Sitting all day weakens the glutes"):
        make_claim(editor, statement)
    paths = ["/v1/claims?q=sitting%20glutes", f"/v1/claims/{SLUG}"]
    start = threading.Barrier(8)

    def get(path: str) -> httpx.Response:
        with httpx.Client(base_url=live_server.base_url, timeout=30) as http:
            start.wait()
            return http.get(path)

    for path in paths:
        with counting(live_server) as statements, ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(get, [path] * 8))
        assert {response.status_code for response in responses} == {200}
        assert len({response.content for response in responses}) == 1
        # One search ranked, or one claim loaded, however many asked for it at once.
        loaded = [statement for statement in statements if "claims.statement" in statement]
        assert len(loaded) == 1, path


BUDGET = 1200


def test_pages_beyond_the_budget_are_dropped_least_recently_used_first(
    clean_database: TestDatabase, editor_key: str
) -> None:
    # Room for one page of one claim, not two: the older page goes when the newer is kept.
    settings = Settings(
        database_url=clean_database.url, document_cache_ttl=60, search_cache_bytes=BUDGET
    )
    headers = {"Authorization": f"Bearer {editor_key}"}
    with (
        serve(settings) as server,
        httpx.Client(base_url=server.base_url, headers=headers) as patient,
    ):
        make_claim(patient, "Sitting switches your glutes off")
        first = patient.get("/v1/claims", params={"q": "glutes"})
        second = patient.get("/v1/claims", params={"q": "sitting"})
        for page in (first, second):  # each fits alone (its key and ETag under 100 bytes)
            assert PAGE_ENTRY_OVERHEAD + len(page.content) + 100 < BUDGET
            assert 2 * (PAGE_ENTRY_OVERHEAD + len(page.content)) > BUDGET
        clean_database.execute("UPDATE claims SET summary = 'Changed in the database.'")
        # The newer page is still kept (the change made elsewhere is not seen within the TTL);
        # the older one was dropped, so it is rendered afresh and shows the change.
        assert patient.get("/v1/claims", params={"q": "sitting"}).content == second.content
        again = patient.get("/v1/claims", params={"q": "glutes"}).json()["items"]
        assert again[0]["summary"] == "Changed in the database."
