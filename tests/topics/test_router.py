"""Topics over HTTP: the shape every domain follows."""

import threading

import httpx
import pytest

from tests.problems import assert_problem

GLUTES = {"name": "Glute function", "slug": "glute-function", "description": "How glutes work."}


def create_topic(editor: httpx.Client, **fields: str) -> dict[str, object]:
    """Create a topic and return its body."""
    response = editor.post("/v1/topics", json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


class TestGetTopic:
    def test_unknown_is_404_problem(self, client: httpx.Client) -> None:
        body = assert_problem(client.get("/v1/topics/no-such-topic"), 404)
        assert "no-such-topic" in body["detail"]

    def test_by_id_and_by_slug_are_the_same(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        created = create_topic(editor, **GLUTES)
        by_slug = client.get("/v1/topics/glute-function")
        by_id = client.get(f"/v1/topics/{created['id']}")
        assert by_slug.status_code == by_id.status_code == 200
        assert by_slug.json() == by_id.json() == created
        assert by_slug.json()["claim_count"] == 0
        assert by_slug.headers["cache-control"] == "public, max-age=60"

    def test_current_etag_is_304_without_body(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        create_topic(editor, **GLUTES)
        first = client.get("/v1/topics/glute-function")
        etag = first.headers["etag"]
        again = client.get("/v1/topics/glute-function", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        stale = client.get("/v1/topics/glute-function", headers={"If-None-Match": '"stale"'})
        assert stale.status_code == 200


class TestCreateTopic:
    def test_anonymous_is_401(self, client: httpx.Client) -> None:
        body = assert_problem(client.post("/v1/topics", json=GLUTES), 401)
        assert "API key" in body["detail"]

    def test_unknown_key_is_401(self, client: httpx.Client) -> None:
        response = client.post(
            "/v1/topics", json=GLUTES, headers={"Authorization": "Bearer cdb_not-a-key"}
        )
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"

    def test_revoked_key_is_401_at_once(
        self, admin: httpx.Client, editor: httpx.Client, editor_key: str
    ) -> None:
        create_topic(editor, name="Sitting")
        keys = admin.get("/v1/api-keys").json()["items"]
        editor_id = next(key["id"] for key in keys if key["name"] == "test-editor")
        assert admin.delete(f"/v1/api-keys/{editor_id}").status_code == 204
        assert_problem(editor.post("/v1/topics", json=GLUTES), 401)

    def test_editor_is_201_with_location(self, editor: httpx.Client, client: httpx.Client) -> None:
        response = editor.post("/v1/topics", json=GLUTES)
        assert response.status_code == 201
        assert response.headers["location"] == "/v1/topics/glute-function"
        assert response.json() == {
            "id": 1,
            **GLUTES,
            "claim_count": 0,
            "claims": [],
            "claims_url": "/v1/claims?topic=glute-function",
        }
        assert client.get(response.headers["location"]).json() == response.json()

    def test_slug_is_made_from_the_name(self, editor: httpx.Client) -> None:
        assert (
            create_topic(editor, name="Low-back pain & posture")["slug"] == "low-back-pain-posture"
        )

    def test_malformed_body_is_422_with_errors(self, editor: httpx.Client) -> None:
        body = assert_problem(
            editor.post("/v1/topics", json={"name": "", "slug": "Not A Slug"}), 422
        )
        locations = sorted(tuple(error["loc"]) for error in body["errors"])
        assert locations == [("body", "name"), ("body", "slug")]
        assert all(error["msg"] for error in body["errors"])

    def test_not_json_is_422(self, editor: httpx.Client) -> None:
        response = editor.post(
            "/v1/topics", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert_problem(response, 422)

    def test_same_slug_twice_is_409_naming_the_existing(self, editor: httpx.Client) -> None:
        create_topic(editor, **GLUTES)
        body = assert_problem(editor.post("/v1/topics", json=GLUTES), 409)
        assert body["existing"] == "/v1/topics/glute-function"
        assert "glute-function" in body["detail"]

    def test_body_over_the_limit_is_413(self, editor: httpx.Client) -> None:
        response = editor.post("/v1/topics", json={"name": "x", "description": "y" * 300_000})
        assert_problem(response, 413)


class TestUpdateTopic:
    def test_stale_if_match_is_412_and_changes_nothing(self, editor: httpx.Client) -> None:
        create_topic(editor, **GLUTES)
        etag = editor.get("/v1/topics/glute-function").headers["etag"]
        first = editor.patch(
            "/v1/topics/glute-function", json={"name": "Glutes"}, headers={"If-Match": etag}
        )
        assert first.status_code == 200
        assert first.json()["name"] == "Glutes"
        assert first.headers["etag"] == editor.get("/v1/topics/glute-function").headers["etag"]
        stale = editor.patch(
            "/v1/topics/glute-function", json={"name": "Bums"}, headers={"If-Match": etag}
        )
        assert_problem(stale, 412)
        assert editor.get("/v1/topics/glute-function").json()["name"] == "Glutes"

    def test_rename_slug_to_taken_is_409(self, editor: httpx.Client) -> None:
        create_topic(editor, **GLUTES)
        create_topic(editor, name="Sitting")
        response = editor.patch("/v1/topics/sitting", json={"slug": "glute-function"})
        assert assert_problem(response, 409)["existing"] == "/v1/topics/glute-function"

    def test_unknown_field_is_422(self, editor: httpx.Client) -> None:
        create_topic(editor, **GLUTES)
        body = assert_problem(
            editor.patch("/v1/topics/glute-function", json={"colour": "red"}), 422
        )
        assert body["errors"][0]["loc"] == ["body", "colour"]

    def test_concurrent_patches_with_one_etag_let_exactly_one_win(
        self, backend: str, editor: httpx.Client, admin: httpx.Client, live_server: object
    ) -> None:
        if backend != "postgresql":
            pytest.skip("row locking under concurrent writers is a PostgreSQL property")
        create_topic(editor, **GLUTES)
        etag = editor.get("/v1/topics/glute-function").headers["etag"]
        statuses: list[int] = []
        barrier = threading.Barrier(20)

        def patch(number: int) -> None:
            with httpx.Client(base_url=str(editor.base_url), headers=dict(editor.headers)) as own:
                barrier.wait()
                response = own.patch(
                    "/v1/topics/glute-function",
                    json={"name": f"Name {number}"},
                    headers={"If-Match": etag},
                )
                statuses.append(response.status_code)

        threads = [threading.Thread(target=patch, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200] + [412] * 19
        updates = admin.get("/v1/audit", params={"entity": "topic", "limit": 100}).json()["items"]
        assert [entry["action"] for entry in updates].count("update") == 1


class TestDeleteTopic:
    def test_delete_is_204_then_404(self, editor: httpx.Client) -> None:
        create_topic(editor, **GLUTES)
        assert editor.delete("/v1/topics/glute-function").status_code == 204
        assert_problem(editor.get("/v1/topics/glute-function"), 404)
        assert_problem(editor.delete("/v1/topics/glute-function"), 404)

    def test_stale_if_match_is_412(self, editor: httpx.Client) -> None:
        create_topic(editor, **GLUTES)
        response = editor.delete("/v1/topics/glute-function", headers={"If-Match": '"old"'})
        assert_problem(response, 412)
        assert editor.get("/v1/topics/glute-function").status_code == 200


class TestListTopics:
    def test_paging_while_rows_come_and_go_yields_each_survivor_once(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        originals = [str(create_topic(editor, name=f"Topic {n:03d}")["slug"]) for n in range(250)]
        deleted: set[str] = set()
        seen: list[str] = []
        cursor = None
        page_number = 0
        while True:
            params: dict[str, str | int] = {"limit": 7}
            if cursor:
                params["cursor"] = cursor
            response = client.get("/v1/topics", params=params)
            assert response.status_code == 200
            page = response.json()
            assert len(page["items"]) <= 7
            seen.extend(item["slug"] for item in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                assert "link" not in response.headers
                break
            assert response.headers["link"].endswith('>; rel="next"')
            assert f"cursor={cursor}" in response.headers["link"]
            page_number += 1
            # Between pages: add topics before and after the cursor, delete some not yet seen.
            create_topic(editor, name=f"Topic {page_number:03d}a-new")
            create_topic(editor, name=f"AAA inserted {page_number}")
            victim = originals[(page_number * 37) % 250]
            if victim not in deleted and victim not in seen:
                assert editor.delete(f"/v1/topics/{victim}").status_code == 204
                deleted.add(victim)
        survivors = [slug for slug in originals if slug not in deleted]
        assert deleted
        seen_originals = [slug for slug in seen if slug in set(originals)]
        assert seen_originals == survivors  # each once, in order
        assert len(seen) == len(set(seen))

    def test_limit_out_of_range_is_422(self, client: httpx.Client) -> None:
        for limit in (0, 101):
            body = assert_problem(client.get("/v1/topics", params={"limit": limit}), 422)
            assert body["errors"][0]["loc"] == ["query", "limit"]

    def test_garbage_cursor_is_422(self, client: httpx.Client) -> None:
        body = assert_problem(client.get("/v1/topics", params={"cursor": "garbage!"}), 422)
        assert body["errors"][0]["loc"] == ["query", "cursor"]
