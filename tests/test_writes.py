"""Writes: the key is checked before anything is looked up; `If-Match` compares strongly."""

import re
from typing import Any

import httpx
import pytest

from app.config import Settings, async_database_url
from tests.databases import TestDatabase
from tests.factories import make_claim
from tests.problems import assert_problem
from tests.server import LiveServer, counting, serve, server_settings

WRITE_METHODS = ("post", "put", "patch", "delete")
MISSING_ID = "987654"
SLUG = "sitting-switches-your-glutes-off"


# POSTs that only read: public, by the contract.
PUBLIC_POSTS = {("POST", "/v1/claims/match")}


def write_operations(client: httpx.Client) -> list[tuple[str, str]]:
    """Return (method, path) of every write operation in the OpenAPI document.

    Each must declare the API key, but for the public reads of ``PUBLIC_POSTS``, left out.
    """
    paths: dict[str, dict[str, Any]] = client.get("/openapi.json").json()["paths"]
    found = [
        (method.upper(), path, bool(operation.get("security")))
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method in WRITE_METHODS
    ]
    assert {(method, path) for method, path, secured in found if not secured} == PUBLIC_POSTS
    return [
        (method, re.sub(r"\{[^}]+\}", MISSING_ID, path))
        for method, path, _secured in found
        if (method, path) not in PUBLIC_POSTS
    ]


class TestAuthorizationFirst:
    def test_every_anonymous_write_to_a_missing_id_is_401_without_sql(
        self, client: httpx.Client, live_server: LiveServer
    ) -> None:
        operations = write_operations(client)
        assert len(operations) >= 15, operations
        for method, path in operations:
            with counting(live_server) as statements:
                response = client.request(method, path, json={})
            assert_problem(response, 401)
            assert response.headers["www-authenticate"] == "Bearer", (method, path)
            assert statements == [], (method, path, statements)

    def test_an_unknown_key_is_401_before_the_lookup(self, client: httpx.Client) -> None:
        response = client.patch(
            f"/v1/claims/{MISSING_ID}",
            json={"summary": "x"},
            headers={"Authorization": "Bearer cdb_not_a_key"},
        )
        assert_problem(response, 401)

    def test_an_editor_on_an_admin_write_is_403_before_the_lookup(
        self, editor: httpx.Client
    ) -> None:
        assert_problem(editor.delete(f"/v1/api-keys/{MISSING_ID}"), 403)

    def test_an_editor_on_a_missing_claim_is_404(self, editor: httpx.Client) -> None:
        assert_problem(editor.patch(f"/v1/claims/{MISSING_ID}", json={"summary": "x"}), 404)


class TestIfMatch:
    @pytest.fixture
    def etag(self, editor: httpx.Client) -> str:
        make_claim(editor, "Sitting switches your glutes off")
        tag: str = editor.get(f"/v1/claims/{SLUG}").headers["etag"]
        return tag

    def test_the_current_tag_matches(self, editor: httpx.Client, etag: str) -> None:
        response = editor.patch(
            f"/v1/claims/{SLUG}", json={"summary": "New."}, headers={"If-Match": etag}
        )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == editor.get(f"/v1/claims/{SLUG}").headers["etag"]

    def test_a_tag_among_others_matches(self, editor: httpx.Client, etag: str) -> None:
        response = editor.patch(
            f"/v1/claims/{SLUG}",
            json={"summary": "New."},
            headers={"If-Match": f'"other", {etag}'},
        )
        assert response.status_code == 200, response.text

    def test_star_matches_an_existing_claim(self, editor: httpx.Client, etag: str) -> None:
        response = editor.delete(f"/v1/claims/{SLUG}", headers={"If-Match": "*"})
        assert response.status_code == 204, response.text

    def test_the_weak_form_of_the_current_tag_is_412(self, editor: httpx.Client, etag: str) -> None:
        response = editor.patch(
            f"/v1/claims/{SLUG}", json={"summary": "New."}, headers={"If-Match": f"W/{etag}"}
        )
        assert_problem(response, 412)
        assert editor.get(f"/v1/claims/{SLUG}").json()["summary"] is None

    def test_if_none_match_compares_weakly(
        self, client: httpx.Client, editor: httpx.Client, etag: str
    ) -> None:
        response = client.get(f"/v1/claims/{SLUG}", headers={"If-None-Match": f"W/{etag}"})
        assert response.status_code == 304


class TestSettings:
    def test_max_age_comes_from_the_apps_settings(self, clean_database: TestDatabase) -> None:
        with serve(server_settings(clean_database.url, cache_max_age=5)) as server:
            response = httpx.get(f"{server.base_url}/v1/topics")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=5"

    def test_the_url_as_people_write_it_works(self, clean_database: TestDatabase) -> None:
        plain = clean_database.url.replace("+aiosqlite", "").replace("+asyncpg", "")
        assert "+" not in plain.split("://")[0]
        with serve(server_settings(plain)) as server:
            assert httpx.get(f"{server.base_url}/readyz").status_code == 200
            assert httpx.get(f"{server.base_url}/v1/claims").status_code == 200


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("sqlite:///var/citedb.sqlite3", "sqlite+aiosqlite:///var/citedb.sqlite3"),
        ("sqlite+aiosqlite:///var/x.sqlite3", "sqlite+aiosqlite:///var/x.sqlite3"),
        ("postgresql://citedb@db/citedb", "postgresql+asyncpg://citedb@db/citedb"),
        ("postgres://u:p@db:5432/citedb", "postgresql+asyncpg://u:p@db:5432/citedb"),
        ("postgresql+asyncpg://u@db/citedb", "postgresql+asyncpg://u@db/citedb"),
    ],
)
def test_database_urls_get_the_async_driver(written: str, used: str) -> None:
    assert async_database_url(written) == used
    assert Settings(database_url=written).database_url == used
