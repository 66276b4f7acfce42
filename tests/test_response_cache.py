"""Kept answers: the route's own, never older than this process's own last write or the TTL."""

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.response_cache import CONTENT_TABLES, ENTRY_OVERHEAD
from tests.databases import TestDatabase
from tests.factories import STUDY_DARLOW, decide, link, make_claim, make_study, make_topic
from tests.server import LiveServer, counting, serve, server_settings

SLUG = "sitting-switches-your-glutes-off"


@pytest.fixture
def patient_server(clean_database: TestDatabase) -> Iterator[LiveServer]:
    """A second API process on the same database that re-checks the generation every 60 s."""
    settings = server_settings(clean_database.url, cache_ttl=60)
    with serve(settings) as server:
        yield server


def test_every_content_table_and_only_those_bump_the_generation(database: TestDatabase) -> None:
    # The migrations keep their own frozen lists of the tables they add triggers to; the cache
    # names content tables once more. A table in one and not the other is either a write other
    # processes never notice, or a write this process drops everything for.
    events: dict[str, set[str]] = {}
    if database.backend == "sqlite":
        rows = database.execute(
            "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE ?",
            ("%content_generation%",),
        )
        for table, sql in rows:
            event = re.search(r"\bAFTER (INSERT|UPDATE|DELETE) ON\b", sql)
            assert event is not None, sql
            events.setdefault(table, set()).add(event[1])
    else:
        rows = database.execute(
            "SELECT event_object_table, event_manipulation FROM information_schema.triggers "
            "WHERE trigger_schema = current_schema() AND action_statement LIKE ?",
            ("%content_generation_bump%",),
        )
        for table, event in rows:
            events.setdefault(table, set()).add(event)
    assert events == {table: {"INSERT", "UPDATE", "DELETE"} for table in CONTENT_TABLES}


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


def test_a_source_changed_in_the_database_is_seen_at_once_with_no_ttl(
    editor: httpx.Client, client: httpx.Client, clean_database: TestDatabase
) -> None:
    created = editor.post(
        "/v1/sources", json={"url": "https://example.org/glute-amnesia", "title": "Glute amnesia"}
    )
    assert created.status_code == 201, created.text
    path = f"/v1/sources/{created.json()['id']}"
    first = client.get(path)
    assert first.json()["title"] == "Glute amnesia"
    clean_database.execute("UPDATE sources SET title = 'Changed in the database'")
    second = client.get(path)
    assert second.json()["title"] == "Changed in the database"
    assert second.headers["etag"] != first.headers["etag"]


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
    claims = [
        make_claim(editor, statement)
        for statement in ("Sitting switches your glutes off", "Sitting all day weakens the glutes")
    ]
    # Each path, and a twin that renders the same answer under another key (counted alone).
    paths = [
        ("/v1/claims?q=sitting%20glutes", "/v1/claims?q=sitting%20glutes&limit=20"),
        (f"/v1/claims/{SLUG}", f"/v1/claims/{claims[0]['id']}"),
    ]
    start = threading.Barrier(8)

    def get(path: str) -> httpx.Response:
        with httpx.Client(base_url=live_server.base_url, timeout=30) as http:
            start.wait()
            return http.get(path)

    # A first search loads what the process keeps to rank (uncounted): then each render counts.
    assert httpx.get(live_server.base_url + "/v1/claims?q=glutes").status_code == 200
    for path, twin in paths:
        with counting(live_server) as alone:
            assert httpx.get(live_server.base_url + twin).status_code == 200
        with counting(live_server) as statements, ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(get, [path] * 8))
        assert {response.status_code for response in responses} == {200}
        assert len({response.content for response in responses}) == 1
        # One search ranked, or one claim loaded, however many asked for it at once.
        loaded = [statement for statement in statements if reads_claims(statement)]
        assert len(loaded) == len([text for text in alone if reads_claims(text)]) > 0, path


def reads_claims(statement: str) -> bool:
    """Tell whether an SQL statement reads claims' rows (a detail's, or a page's)."""
    return "FROM claims" in statement and "statement" in statement


BUDGET = 2000


def test_pages_beyond_the_budget_are_dropped_least_recently_used_first(
    clean_database: TestDatabase, editor_key: str
) -> None:
    # Room for one page of one claim, not two: the older page goes when the newer is kept.
    settings = server_settings(clean_database.url, cache_ttl=60, cache_bytes=BUDGET)
    headers = {"Authorization": f"Bearer {editor_key}"}
    with (
        serve(settings) as server,
        httpx.Client(base_url=server.base_url, headers=headers) as patient,
    ):
        make_claim(patient, "Sitting switches your glutes off")
        first = patient.get("/v1/claims", params={"q": "glutes"})
        second = patient.get("/v1/claims", params={"q": "sitting"})
        for page in (first, second):  # each fits alone (its key and headers under 400 bytes)
            assert ENTRY_OVERHEAD + len(page.content) + 400 < BUDGET
            assert 2 * (ENTRY_OVERHEAD + len(page.content)) > BUDGET
        clean_database.execute("UPDATE claims SET summary = 'Changed in the database.'")
        # The newer page is still kept (the change made elsewhere is not seen within the TTL);
        # the older one was dropped, so it is rendered afresh and shows the change.
        assert patient.get("/v1/claims", params={"q": "sitting"}).content == second.content
        again = patient.get("/v1/claims", params={"q": "glutes"}).json()["items"]
        assert again[0]["summary"] == "Changed in the database."


def test_a_write_drops_only_what_it_changed(patient_server: LiveServer, editor_key: str) -> None:
    headers = {"Authorization": f"Bearer {editor_key}"}
    with httpx.Client(base_url=patient_server.base_url, headers=headers) as patient:
        first = make_claim(patient, "Sitting switches your glutes off")
        second = make_claim(patient, "Stretching before running prevents injury")
        study = make_study(patient, **STUDY_DARLOW)
        link(patient, first["slug"], study["id"], "contradicts")
        kept_first = patient.get(f"/v1/claims/{first['slug']}")
        kept_second = patient.get(f"/v1/claims/{second['slug']}")
        writes: list[Callable[[], httpx.Response]] = [
            lambda: patient.patch(
                f"/v1/claims/{first['slug']}",
                json={"summary": "Changed."},
                headers={"If-Match": kept_first.headers["etag"]},
            ),
            lambda: patient.patch(f"/v1/studies/{study['id']}", json={"design": "cohort"}),
            lambda: patient.post(
                f"/v1/claims/{first['slug']}/verdicts",
                json={"rating": "refuted", "certainty": "low", "rationale": RATIONALE},
            ),
        ]
        for write in writes:
            before = patient.get(f"/v1/claims/{first['slug']}")
            assert write().status_code in (200, 201)
            # The other claim is answered from what was kept: not one SQL statement.
            with counting(patient_server) as statements:
                again = patient.get(f"/v1/claims/{second['slug']}")
            assert statements == []
            assert again.content == kept_second.content
            assert again.headers["etag"] == kept_second.headers["etag"]
            # The written claim shows the write at once.
            after = patient.get(f"/v1/claims/{first['slug']}")
            assert after.json()["version"] == before.json()["version"] + 1
            assert after.headers["etag"] != before.headers["etag"]
        final = patient.get(f"/v1/claims/{first['slug']}").json()
        assert final["summary"] == "Changed."
        assert final["evidence_summary"]["strongest_design"] == "cohort"
        assert final["verdict"]["rating"] == "refuted"


RATIONALE = "The studies found glute activity unchanged in people who sit a lot."


@pytest.fixture
def follower(clean_database: TestDatabase) -> Iterator[LiveServer]:
    """A second API process that keeps answers and follows other processes' writes at once."""
    with serve(server_settings(clean_database.url, cache_ttl=0)) as server:
        yield server


def test_writes_of_another_process_drop_only_what_they_changed(
    follower: LiveServer, editor: httpx.Client
) -> None:
    first = make_claim(editor, "Sitting switches your glutes off")
    second = make_claim(editor, "Stretching before running prevents injury")
    study = make_study(editor, **STUDY_DARLOW)
    with httpx.Client(base_url=follower.base_url) as reader:
        kept_second = reader.get(f"/v1/claims/{second['slug']}")
        for write in (
            lambda: link(editor, first["slug"], study["id"], "contradicts"),
            lambda: editor.patch(f"/v1/studies/{study['id']}", json={"design": "cohort"}),
            lambda: decide(editor, first["slug"], "refuted"),
        ):
            before = reader.get(f"/v1/claims/{first['slug']}").json()
            write()
            with counting(follower) as statements:
                again = reader.get(f"/v1/claims/{second['slug']}")
            assert again.content == kept_second.content
            # Only the look at the change feed: the claim itself is not read again.
            assert not [text for text in statements if reads_claims(text)], statements
            after = reader.get(f"/v1/claims/{first['slug']}").json()
            assert after["version"] == before["version"] + 1


def test_the_cache_changes_no_byte_of_any_public_answer(
    live_server: LiveServer, editor: httpx.Client, clean_database: TestDatabase
) -> None:
    topic = make_topic(editor, "Glutes")
    claim = make_claim(editor, "Sitting switches your glutes off", topics=[topic["slug"]])
    study = make_study(editor, **STUDY_DARLOW)
    evidence = link(editor, claim["slug"], study["id"], "contradicts")
    verdict = decide(editor, claim["slug"], "mostly_refuted")
    source = editor.post(
        "/v1/sources",
        json={
            "url": "https://example.org/glute-amnesia",
            "title": "Glute amnesia?",
            "appearances": [{"claim": claim["slug"], "stance": "refutes"}],
        },
    ).json()
    values = {
        "claim": claim["slug"],
        "study": str(study["id"]),
        "evidence": str(evidence["id"]),
        "topic": topic["slug"],
        "verdict": str(verdict["id"]),
        "source": str(source["id"]),
        "webhook_id": "1",
        "name": "swagger-ui.css",
    }
    paths = editor.get("/openapi.json").json()["paths"]
    urls = [
        re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
        for path, operations in paths.items()
        if "get" in operations
    ]
    urls += [
        f"/v1/claims/{claim['id']}",
        "/v1/claims/no-such-claim",
        "/v1/claims?limit=1",
        "/v1/claims?limit=0",
        "/v1/claims?q=glutes",
        "/v1/studies/999999",
        "/docs/assets/swagger-ui.css",
        "/openapi.json",
    ]
    variants: list[dict[str, str]] = [
        {},
        {"Accept": "text/x-bibliography"},
        {"Accept": "text/html", "Accept-Encoding": "identity"},
        {"Host": "api.example"},
    ]
    settings = server_settings(clean_database.url, cache_bytes=0)
    with (
        serve(settings) as uncached_server,
        httpx.Client(base_url=live_server.base_url) as cached,
        httpx.Client(base_url=uncached_server.base_url) as uncached,
    ):
        compared = replayed = 0
        for url in urls:
            asked = [("GET", sent) for sent in variants] + [("HEAD", {})]
            for method, sent in asked:
                plain = uncached.request(method, url, headers=sent)
                etag = plain.headers.get("etag")
                for headers in [sent, {**sent, "If-None-Match": etag}] if etag else [sent]:
                    want = uncached.request(method, url, headers=headers)
                    # The first is rendered by the route and kept, the second replayed.
                    for attempt in range(2):
                        with counting(live_server) as statements:
                            got = cached.request(method, url, headers=headers)
                        assert got.status_code == want.status_code, (url, headers)
                        assert comparable(got) == comparable(want), (url, headers)
                        compared += 1
                        if attempt and kept(want):
                            # Replayed: no statement but the look at the counters.
                            rendered = [
                                text
                                for text in statements
                                if "content_generation" not in text and text != "BEGIN"
                            ]
                            assert rendered == [], (url, headers, rendered)
                            replayed += 1
        assert len(live_server.app.state.responses) > 20
        assert compared > 300
        assert replayed > 100


def kept(response: httpx.Response) -> bool:
    """Tell whether the cache keeps an answer like this one: a public 200 with an ETag."""
    return (
        response.status_code == 200
        and "etag" in response.headers
        and response.headers.get("cache-control", "").startswith("public")
    )


# Headers that differ between two servers whatever they keep: the time, and what is left of
# the rate limit (each server counts its own requests).
DIFFERENT_ANYWAY = {"date", "ratelimit"}


def comparable(response: httpx.Response) -> tuple[list[tuple[str, str]], bytes]:
    """Return what must be the same on both servers: every header but the date, and the body."""
    headers = [(n, v) for n, v in response.headers.multi_items() if n not in DIFFERENT_ANYWAY]
    return headers, response.content
