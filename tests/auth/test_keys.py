"""API keys: roles, revocation, and secrets that are shown once and stored nowhere."""

import logging
import os
import subprocess
import sys

import httpx
import pytest

from tests.databases import TABLES, TestDatabase
from tests.problems import assert_problem


def dump(database: TestDatabase) -> str:
    """Return every row of every table as text."""
    return "\n".join(
        repr(row) for table in TABLES for row in database.execute(f"SELECT * FROM {table}")
    )


class TestApiKeys:
    def test_editor_on_admin_routes_is_403(self, editor: httpx.Client) -> None:
        for response in (
            editor.get("/v1/api-keys"),
            editor.post("/v1/api-keys", json={"name": "x", "role": "editor"}),
            editor.delete("/v1/api-keys/1"),
            editor.get("/v1/audit"),
        ):
            assert_problem(response, 403)

    def test_anonymous_on_admin_routes_is_401(self, client: httpx.Client) -> None:
        assert_problem(client.get("/v1/api-keys"), 401)
        assert_problem(client.get("/v1/audit"), 401)

    def test_bad_role_is_422_and_unknown_key_is_404(self, admin: httpx.Client) -> None:
        body = assert_problem(admin.post("/v1/api-keys", json={"name": "x", "role": "root"}), 422)
        assert body["errors"][0]["loc"] == ["body", "role"]
        assert_problem(admin.delete("/v1/api-keys/999"), 404)

    def test_secret_is_shown_once_and_never_stored_logged_or_listed(
        self,
        admin: httpx.Client,
        clean_database: TestDatabase,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        created = admin.post("/v1/api-keys", json={"name": "writer", "role": "editor"})
        assert created.status_code == 201
        assert created.headers["cache-control"] == "no-store"
        secret = created.json()["secret"]
        assert secret.startswith("cdb_")
        assert len(secret) > 40
        headers = {"Authorization": f"Bearer {secret}"}
        assert admin.post("/v1/topics", json={"name": "Sitting"}, headers=headers).is_success
        key_id = created.json()["id"]
        assert admin.delete(f"/v1/api-keys/{key_id}").status_code == 204
        assert_problem(admin.post("/v1/topics", json={"name": "Other"}, headers=headers), 401)

        listed = admin.get("/v1/api-keys")
        audit = admin.get("/v1/audit", params={"limit": 100})
        for text in (listed.text, audit.text, dump(clean_database)):
            assert secret not in text
            assert secret[len("cdb_") :] not in text
        keys = listed.json()["items"]
        writer = next(key for key in keys if key["name"] == "writer")
        assert set(writer) == {"id", "name", "role", "prefix", "created_at", "revoked_at"}
        assert writer["revoked_at"] is not None
        assert all(secret not in record.getMessage() for record in caplog.records)

    def test_create_key_command_prints_the_secret_once(self, clean_database: TestDatabase) -> None:
        environment = {**os.environ, "CITEDB_DATABASE_URL": clean_database.url}
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "create-key", "--role", "admin", "--name", "ops"],
            capture_output=True,
            text=True,
            env=environment,
            check=True,
        )
        secret = result.stdout.strip()
        assert secret.startswith("cdb_")
        assert secret not in result.stderr
        assert secret not in dump(clean_database)
        rows = clean_database.execute("SELECT name, role, revoked_at FROM api_keys")
        assert rows == [("ops", "admin", None)]
