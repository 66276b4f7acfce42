"""Whole-database export and restore: the document, its round trips, and what restore refuses."""

import asyncio
import copy
import json
import re
import typing
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import create_engine

from app.admin import service
from app.admin.cli import restore_database
from app.admin.schemas import example_document
from app.config import Settings
from app.db import Database
from app.errors import ServiceUnavailable
from app.meta.service import head_revision
from app.models import Base
from tests.cli import citedb
from tests.conftest import insert_key, require_backend
from tests.databases import TestDatabase, fresh_database
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
from tests.problems import assert_problem
from tests.server import LiveServer, serve, server_settings

TABLES = [spec.name for spec in service.TABLES]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
RENAMED_FROM = "prolonged-sitting-switches-your-glutes-off"
SITTING = "sitting-all-day-switches-your-glutes-off"
DELETED = "deep-squats-ruin-your-knees"
JSON_HEADERS = {"Content-Type": "application/json"}


# Helpers: the export and restore services, run directly on a database (as the CLI does).


def export_from(url: str, *, batch_size: int = service.EXPORT_BATCH_SIZE) -> bytes:
    """Export the database at ``url`` without a key, as `citedb export` does."""

    async def work() -> bytes:
        database = Database.from_settings(Settings(database_url=url))
        try:
            return await service.export_bytes(database.read_sessions, batch_size=batch_size)
        finally:
            await database.dispose()

    return asyncio.run(work())


def restore_into(url: str, document: bytes) -> dict[str, int]:
    """Restore ``document`` into the database at ``url``, as `citedb import-db` does."""

    async def work() -> dict[str, int]:
        database = Database.from_settings(Settings(database_url=url))
        try:
            report = await restore_database(database, service.parse_document(document))
            return report.rows
        finally:
            await database.dispose()

    return asyncio.run(work())


@dataclass
class Content:
    """What `build_content` made: the secrets it knows of, and the ids of note."""

    secrets: list[str]
    sitting_id: int


def build_content(admin: httpx.Client, editor: httpx.Client, secrets: list[str]) -> Content:
    """Create varied content over the API, as curators would."""
    make_topic(editor, "Glute function", "glute-function")
    make_topic(editor, "Sitting", "sitting")
    sitting = make_claim(
        editor,
        "Prolonged sitting switches your glutes off.",
        aliases=["glute amnesia", "dead butt syndrome"],
        summary="EMG finds glute activity unchanged or higher with pain.",
        topics=["sitting", "glute-function"],
    )
    assert sitting["slug"] == RENAMED_FROM
    renamed = editor.patch(
        f"/v1/claims/{RENAMED_FROM}",
        json={"statement": "Sitting all day switches your glutes off."},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["slug"] == SITTING
    make_claim(editor, "Stretching before a run prevents injury — “always”.", summary="Ünïcödé ✓")
    squats = make_claim(editor, "Deep squats are bad for knees.", aliases=["ass to grass is bad"])
    renamed = editor.patch(
        f"/v1/claims/{squats['slug']}", json={"statement": "Deep squats ruin your knees."}
    )
    assert renamed.json()["slug"] == DELETED
    darlow = make_study(
        editor, **STUDY_DARLOW, accessed="2026-11-01", sample_size=12, publisher="AAFP"
    )
    arab = make_study(editor, **STUDY_PMID_ONLY)
    blog = make_study(editor, **STUDY_BLOG)
    link(editor, SITTING, darlow["id"], "mentions")
    link(editor, SITTING, arab["id"], "contradicts", "Glute EMG did not differ with pain.")
    link(editor, DELETED, blog["id"], "mixed")
    decide(editor, SITTING, "mostly_refuted", "very_low")
    decide(editor, SITTING, "refuted", "low")
    source = editor.post(
        "/v1/sources",
        json={
            "url": "https://example.org/glute-amnesia",
            "title": "Glute amnesia? No, your butt still works!",
            "authors": [{"family": "Joachim", "given": "Doug"}],
            "published": "2021-04-28",
            "appearances": [{"claim": SITTING, "stance": "refutes", "excerpt": "Not off."}],
            "citations": [{"study_id": darlow["id"], "statement": "Darlow et al. (2013)..."}],
        },
    )
    assert source.status_code == 201, source.text
    # A cited study's new design after the verdict: the claim needs review (a stored reason).
    redesigned = editor.patch(f"/v1/studies/{arab['id']}", json={"design": "cohort"})
    assert redesigned.status_code == 200, redesigned.text
    assert editor.delete(f"/v1/claims/{DELETED}").status_code == 204
    created = admin.post("/v1/api-keys", json={"name": "former-curator", "role": "editor"})
    assert created.status_code == 201, created.text
    assert admin.delete(f"/v1/api-keys/{created.json()['id']}").status_code == 204
    return Content(secrets=[*secrets, created.json()["secret"]], sitting_id=sitting["id"])


def export_over_http(admin: httpx.Client) -> bytes:
    """Export as an admin and return the document's bytes."""
    response = admin.get("/v1/export")
    assert response.status_code == 200, response.text
    return response.content


# The target of restores: a second, empty database of the same backend with its own server.


@dataclass
class Target:
    """An empty database served on its own, and an admin client of it."""

    database: TestDatabase
    http: httpx.Client
    key: str


@pytest.fixture(scope="module")
def target_database(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestDatabase]:
    """Create and migrate the database restores go into."""
    with fresh_database(backend, tmp_path_factory.mktemp(f"target-{backend}")) as db:
        db.migrate()
        yield db


@pytest.fixture(scope="module")
def target_server(target_database: TestDatabase) -> Iterator[LiveServer]:
    """Serve the target database."""
    with serve(server_settings(target_database.url, max_body_bytes=200_000)) as server:
        yield server


@pytest.fixture
def target(target_database: TestDatabase, target_server: LiveServer) -> Iterator[Target]:
    """Return the target, emptied, holding only the admin key that will restore into it."""
    target_database.reset()
    key = insert_key(target_database, name="restorer", role="admin")
    with httpx.Client(
        base_url=target_server.base_url, timeout=30, headers={"Authorization": f"Bearer {key}"}
    ) as http:
        yield Target(database=target_database, http=http, key=key)


def post_document(target: Target, document: bytes | dict[str, Any]) -> httpx.Response:
    """Send a document to the target's restore endpoint."""
    raw = document if isinstance(document, bytes) else orjson.dumps(document)
    return target.http.post("/v1/import", content=raw, headers=JSON_HEADERS)


def target_is_untouched(target: Target) -> None:
    """Assert that the target still holds nothing but its restorer key."""
    keys = target.http.get("/v1/api-keys")
    assert keys.status_code == 200, keys.text
    assert [key["name"] for key in keys.json()["items"]] == ["restorer"]
    for table in TABLES:
        if table not in {"api_keys", "audit_log"}:
            assert target.database.execute(f"SELECT COUNT(*) FROM {table}") == [(0,)], table


class TestExport:
    def test_anonymous_is_401(self, client: httpx.Client) -> None:
        assert_problem(client.get("/v1/export"), 401)

    def test_editor_is_403(self, editor: httpx.Client) -> None:
        assert_problem(editor.get("/v1/export"), 403)

    def test_document_holds_every_table_in_key_order(
        self, admin: httpx.Client, editor: httpx.Client, admin_key: str, editor_key: str
    ) -> None:
        content = build_content(admin, editor, [admin_key, editor_key])
        response = admin.get("/v1/export")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["content-disposition"] == (
            "attachment; filename=citedb-export.json"
        )
        assert response.headers["cache-control"] == "no-store"
        document = response.json()
        assert list(document) == ["format", "format_version", "schema_revision", *TABLES]
        assert document["format"] == "citedb-export"
        assert document["format_version"] == 1
        assert document["schema_revision"] == head_revision()
        counts = {table: len(document[table]) for table in TABLES}
        assert counts == {
            "topics": 2,
            "claims": 3,
            "claim_aliases": 3,
            "claim_slugs": 2,
            "claim_topics": 2,
            "studies": 3,
            "study_authors": 4,
            "evidence": 3,
            "verdicts": 2,
            "review_reasons": 1,
            "sources": 1,
            "source_appearances": 1,
            "source_citations": 1,
            "api_keys": 3,
            "audit_log": 21,
        }
        for spec in service.TABLES:
            rows = document[spec.name]
            assert all(list(row) == spec.columns for row in rows), spec.name
            keys = [tuple(row[name] for name in spec.key) for row in rows]
            assert keys == sorted(keys), spec.name
        claims = {claim["slug"]: claim for claim in document["claims"]}
        assert claims[DELETED]["deleted_at"] is not None
        assert claims[SITTING]["deleted_at"] is None
        read = admin.get(f"/v1/claims/{SITTING}").json()
        assert claims[SITTING]["version"] == read["version"]
        assert datetime.fromisoformat(claims[SITTING]["updated_at"]) == datetime.fromisoformat(
            read["updated_at"]
        )
        former = [(row["slug"], row["claim_id"]) for row in document["claim_slugs"]]
        assert former == [
            ("deep-squats-are-bad-for-knees", claims[DELETED]["id"]),
            (RENAMED_FROM, content.sitting_id),
        ]
        verdicts = [(v["rating"], v["is_current"]) for v in document["verdicts"]]
        assert verdicts == [("mostly_refuted", False), ("refuted", True)]
        keys = document["api_keys"]
        assert [(key["name"], key["role"]) for key in keys] == [
            ("test-admin", "admin"),
            ("test-editor", "editor"),
            ("former-curator", "editor"),
        ]
        assert [key["revoked_at"] is not None for key in keys] == [False, False, True]
        darlow = document["studies"][0]
        assert (darlow["doi"], darlow["accessed"], darlow["retracted"]) == (
            "10.1370/afm.1518",
            "2026-11-01",
            False,
        )
        key_created = document["audit_log"][0]
        assert (key_created["entity"], key_created["action"]) == ("api_key", "create")
        assert sorted(key_created["after"]) == ["created_at", "id", "name", "revoked_at", "role"]
        for table in TABLES:
            for row in document[table]:
                for name in ("created_at", "updated_at", "retired_at", "decided_at"):
                    if name in row:
                        assert TIMESTAMP.match(row[name]), (table, name, row[name])

    def test_no_secret_hash_or_prefix_leaves_the_database(
        self,
        admin: httpx.Client,
        editor: httpx.Client,
        admin_key: str,
        editor_key: str,
        clean_database: TestDatabase,
    ) -> None:
        content = build_content(admin, editor, [admin_key, editor_key])
        raw = export_over_http(admin)
        stored = clean_database.execute("SELECT prefix, secret_hash FROM api_keys")
        assert len(stored) == len(content.secrets) == 3
        for secret in content.secrets:
            assert secret.encode() not in raw
            assert secret.removeprefix("cdb_").encode() not in raw
        for prefix, secret_hash in stored:
            assert prefix.encode() not in raw
            assert secret_hash.encode() not in raw
        assert b"secret" not in raw
        assert b"prefix" not in raw

    def test_any_batch_size_and_the_keyless_export_give_the_same_bytes(
        self,
        admin: httpx.Client,
        editor: httpx.Client,
        admin_key: str,
        editor_key: str,
        clean_database: TestDatabase,
    ) -> None:
        build_content(admin, editor, [admin_key, editor_key])
        raw = export_over_http(admin)
        assert export_from(clean_database.url, batch_size=1) == raw
        assert export_from(clean_database.url, batch_size=2) == raw
        assert export_from(clean_database.url) == raw
        # One row a line: every line but the header that starts a JSON object is a row.
        parsed = orjson.loads(raw)
        lines = raw.splitlines()
        rows = [orjson.loads(line.rstrip(b",")) for line in lines[1:] if line.startswith(b"{")]
        assert rows == [row for table in TABLES for row in parsed[table]]
        assert lines[-1] == b"]}"

    def test_empty_database_exports_empty_tables(
        self, admin: httpx.Client, clean_database: TestDatabase
    ) -> None:
        clean_database.execute("DELETE FROM api_keys WHERE name <> 'test-admin'")
        document = orjson.loads(export_over_http(admin))
        assert [len(document[table]) for table in TABLES] == [0] * 13 + [1, 0]


class TestExportOfAnUnmigratedDatabase:
    def test_is_503_before_any_byte(self, backend: str, tmp_path: Path) -> None:
        with (
            fresh_database(backend, tmp_path) as unmigrated,
            pytest.raises(ServiceUnavailable, match="citedb migrate"),
        ):
            export_from(unmigrated.url)


class TestRestore:
    def test_anonymous_is_401_and_editor_is_403(self, target: Target) -> None:
        document = example_document(schema_revision=head_revision() or "")
        assert_problem(
            httpx.post(
                f"{target.http.base_url}/v1/import",
                content=orjson.dumps(document),
                headers=JSON_HEADERS,
            ),
            401,
        )
        editor_key = insert_key(target.database, name="ed", role="editor")
        response = target.http.post(
            "/v1/import",
            content=orjson.dumps(document),
            headers={**JSON_HEADERS, "Authorization": f"Bearer {editor_key}"},
        )
        assert_problem(response, 403)

    def test_round_trip_is_byte_identical(
        self,
        admin: httpx.Client,
        editor: httpx.Client,
        admin_key: str,
        editor_key: str,
        target: Target,
    ) -> None:
        build_content(admin, editor, [admin_key, editor_key])
        document = export_over_http(admin)
        response = post_document(target, document)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        parsed = orjson.loads(document)
        assert response.json() == {
            "schema_revision": head_revision(),
            "rows": {table: len(parsed[table]) for table in TABLES},
        }
        assert export_from(target.database.url) == document

    def test_restored_database_works_and_keys_need_renewing(
        self,
        admin: httpx.Client,
        editor: httpx.Client,
        admin_key: str,
        editor_key: str,
        target: Target,
        target_server: LiveServer,
    ) -> None:
        content = build_content(admin, editor, [admin_key, editor_key])
        document = orjson.loads(export_over_http(admin))
        assert post_document(target, export_over_http(admin)).status_code == 200
        # The restorer's key gave way to the document's keys, and those have no secrets.
        assert_problem(target.http.get("/v1/api-keys"), 401)
        for secret in content.secrets:
            response = httpx.get(
                f"{target_server.base_url}/v1/api-keys",
                headers={"Authorization": f"Bearer {secret}"},
            )
            assert_problem(response, 401)
        fresh = insert_key(target.database, name="after-restore", role="admin")
        with httpx.Client(
            base_url=target_server.base_url,
            timeout=30,
            headers={"Authorization": f"Bearer {fresh}"},
        ) as http:
            keys = http.get("/v1/api-keys").json()["items"]
            assert [key["id"] for key in keys] == [1, 2, 3, 4]
            assert [key["prefix"] for key in keys[:3]] == ["restored"] * 3
            # Search finds the restored claims: the full-text index was filled.
            found = http.get("/v1/claims", params={"q": "dead butt syndrome"}).json()["items"]
            assert [claim["slug"] for claim in found] == [SITTING]
            assert http.get(f"/v1/claims/{RENAMED_FROM}").json()["id"] == content.sitting_id
            assert_problem(http.get(f"/v1/claims/{DELETED}"), 404)
            assert http.get(f"/v1/claims/{SITTING}/verdicts").json()["items"][0]["rating"] == (
                "refuted"
            )
            assert http.get("/v1/studies/1").json()["authors"][0]["family"] == "Darlow"
            # New rows get ids above the restored ones (PostgreSQL sequences were moved on).
            topic = http.post("/v1/topics", json={"name": "Knees"})
            assert topic.status_code == 201, topic.text
            assert topic.json()["id"] == len(document["topics"]) + 1
            claim = http.post("/v1/claims", json={"statement": "Running ruins your knees."})
            assert claim.json()["id"] == len(document["claims"]) + 1
            audit = http.get("/v1/audit", params={"limit": 1}).json()["items"][0]
            assert audit["id"] == len(document["audit_log"]) + 2

    def test_example_of_the_openapi_document_restores(self, target: Target) -> None:
        schema = target.http.get("/openapi.json").json()
        example = schema["components"]["schemas"]["ExportDocument"]["examples"][0]
        response = post_document(target, example)
        assert response.status_code == 200, response.text
        # The served example leaves out its null keys; the export writes every key.
        full = example_document(schema_revision=head_revision() or "")
        assert orjson.loads(export_from(target.database.url)) == full

    def test_into_a_database_with_content_is_409(
        self, admin: httpx.Client, editor: httpx.Client, admin_key: str, editor_key: str
    ) -> None:
        build_content(admin, editor, [admin_key, editor_key])
        document = export_over_http(admin)
        response = admin.post("/v1/import", content=document, headers=JSON_HEADERS)
        body = assert_problem(response, 409)
        assert "not empty" in body["detail"]
        assert export_over_http(admin) == document

    def test_into_a_database_with_history_is_409(self, target: Target) -> None:
        assert target.http.post("/v1/topics", json={"name": "Gone"}).status_code == 201
        assert target.http.delete("/v1/topics/gone").status_code == 204
        document = example_document(schema_revision=head_revision() or "")
        body = assert_problem(post_document(target, document), 409)
        assert "history" in body["detail"]

    def test_invalid_row_is_422_naming_it_and_writes_nothing(self, target: Target) -> None:
        document = example_document(schema_revision=head_revision() or "")
        document["verdicts"][0]["rating"] = "debunked"
        document["claims"][0]["created_at"] = "2026-11-25T08:20:26"
        body = assert_problem(post_document(target, document), 422)
        assert sorted(tuple(error["loc"]) for error in body["errors"]) == [
            ("body", "claims", 0, "created_at"),
            ("body", "verdicts", 0, "rating"),
        ]
        target_is_untouched(target)

    @pytest.mark.parametrize(
        ("change", "loc"),
        [
            (lambda d: d["evidence"][0].update(study_id=9), ["evidence", 0, "study_id"]),
            (lambda d: d["claim_aliases"].reverse(), ["claim_aliases", 1, "id"]),
            (lambda d: d["claim_aliases"][1].update(position=0), ["claim_aliases", 1, "position"]),
            (lambda d: d["audit_log"][0].update(extra=1), ["audit_log", 0, "extra"]),
            (lambda d: d["topics"][0].pop("name"), ["topics", 0, "name"]),
            (lambda d: d.update(schema_revision="0000"), ["schema_revision"]),
            (lambda d: d.update(format_version=2), ["format_version"]),
            (lambda d: d.pop("audit_log"), ["audit_log"]),
            (lambda d: d["claims"][0].update(statement="a\x00b"), ["claims", 0, "statement"]),
            (lambda d: d["audit_log"][0].update(after=2**70), ["audit_log", 0, "after"]),
        ],
        ids=[
            "dangling",
            "unordered",
            "duplicate",
            "unknown-key",
            "missing-key",
            "revision",
            "version",
            "missing-table",
            "nul",
            "big-int",
        ],
    )
    def test_inconsistent_document_is_422_naming_where(
        self, target: Target, change: Any, loc: list[str | int]
    ) -> None:
        document = example_document(schema_revision=head_revision() or "")
        change(document)
        # json, not orjson: the document may hold what orjson refuses (integers past 64 bits).
        raw = json.dumps(document).encode()
        body = assert_problem(
            target.http.post("/v1/import", content=raw, headers=JSON_HEADERS), 422
        )
        assert ["body", *loc] in [error["loc"] for error in body["errors"]]
        target_is_untouched(target)

    def test_rows_the_database_refuses_are_422_and_write_nothing(self, target: Target) -> None:
        document = example_document(schema_revision=head_revision() or "")
        second = copy.deepcopy(document["verdicts"][0])
        second["id"] = 2
        document["verdicts"].append(second)  # two current verdicts on one claim
        body = assert_problem(post_document(target, document), 422)
        assert body["errors"][0]["loc"] == ["body", "verdicts"]
        assert "verdicts" in body["detail"]
        target_is_untouched(target)

    def test_body_over_the_limit_is_413(self, target: Target) -> None:
        document = example_document(schema_revision=head_revision() or "")
        document["claims"][0]["summary"] = "x" * 250_000
        assert_problem(post_document(target, document), 413)
        target_is_untouched(target)

    def test_not_json_is_422(self, target: Target) -> None:
        body = assert_problem(post_document(target, b'{"format": "citedb-export",'), 422)
        assert body["errors"][0]["type"] == "json_invalid"
        target_is_untouched(target)


class TestAcrossDatabases:
    def test_sqlite_to_postgresql_and_back_is_byte_identical(
        self,
        backend: str,
        admin: httpx.Client,
        editor: httpx.Client,
        admin_key: str,
        editor_key: str,
        tmp_path: Path,
    ) -> None:
        require_backend("postgresql")
        other = "postgresql" if backend == "sqlite" else "sqlite"
        build_content(admin, editor, [admin_key, editor_key])
        document = export_over_http(admin)
        with fresh_database(other, tmp_path) as there:
            there.migrate()
            restore_into(there.url, document)
            exported_there = export_from(there.url)
            assert exported_there == document
            with fresh_database(backend, tmp_path) as back:
                back.migrate()
                restore_into(back.url, exported_there)
                assert export_from(back.url) == document


class TestCommandLine:
    def test_export_and_import_db_round_trip(
        self,
        admin: httpx.Client,
        editor: httpx.Client,
        admin_key: str,
        editor_key: str,
        clean_database: TestDatabase,
        backend: str,
        tmp_path: Path,
    ) -> None:
        build_content(admin, editor, [admin_key, editor_key])
        document = export_over_http(admin)
        file = tmp_path / "citedb-export.json"
        exported = citedb(clean_database.url, "export", str(file))
        assert exported.exit_code == 0, exported.output
        assert file.read_bytes() == document
        assert not (tmp_path / "citedb-export.json.partial").exists()
        with fresh_database(backend, tmp_path) as target:
            target.migrate()
            restored = citedb(target.url, "import-db", str(file))
            assert restored.exit_code == 0, restored.output
            assert "citedb create-key" in restored.stderr
            again = citedb(target.url, "export")
            assert again.exit_code == 0, again.stderr
            assert again.stdout_bytes == document
            refused = citedb(target.url, "import-db", str(file))
            assert refused.exit_code == 1
            assert "not empty" in refused.stderr

    def test_import_db_reports_invalid_rows(self, backend: str, tmp_path: Path) -> None:
        document = example_document(schema_revision=head_revision() or "")
        document["evidence"][0]["stance"] = "agrees"
        file = tmp_path / "bad.json"
        file.write_bytes(orjson.dumps(document))
        with fresh_database(backend, tmp_path) as target:
            target.migrate()
            result = citedb(target.url, "import-db", str(file))
            assert result.exit_code == 1
            assert "evidence.0.stance" in result.stderr
            assert target.execute("SELECT COUNT(*) FROM claims") == [(0,)]


class TestDocumentFormat:
    def test_every_table_is_exported_unless_named_as_left_out(self) -> None:
        exported = {spec.name for spec in service.TABLES}
        assert exported.isdisjoint(service.UNEXPORTED_TABLES)
        assert set(Base.metadata.tables) == exported | set(service.UNEXPORTED_TABLES)

    def test_every_column_is_exported_unless_derived_or_secret(self) -> None:
        for spec in service.TABLES:
            stored = [column.name for column in spec.table.columns]
            assert set(spec.columns) <= set(stored), spec.name
            left_out = set(stored) - set(spec.columns)
            assert left_out == service.DERIVED_COLUMNS.get(spec.name, set()), spec.name

    def test_a_row_allows_null_exactly_where_its_column_does(self) -> None:
        for spec in service.TABLES:
            for name, info in spec.row.model_fields.items():
                annotation = info.annotation
                nullable = annotation is Any or type(None) in typing.get_args(annotation)
                assert nullable == bool(spec.table.c[name].nullable), (spec.name, name)
                assert info.is_required() == (not nullable), (spec.name, name)

    def test_text_keys_are_ordered_bytewise_on_postgresql(self) -> None:
        slug = service.TABLES[3].table.c.slug
        compiled = service.bytewise(slug, "postgresql").compile(
            dialect=create_engine("postgresql+psycopg://").dialect
        )
        assert str(compiled) == 'claim_slugs.slug COLLATE "C"'
        assert service.bytewise(slug, "sqlite") is slug

    def test_timestamps_keep_microseconds_in_utc(self) -> None:
        assert service.format_timestamp(datetime(2026, 11, 25, 9, 20, 26, tzinfo=UTC)) == (
            "2026-11-25T09:20:26.000000Z"
        )


def test_concurrent_exports_on_a_pool_of_one_connection(
    clean_database: TestDatabase, admin_key: str
) -> None:
    # The key check's connection is given back before the export takes its own: two exports
    # at once on one pooled connection (two on PostgreSQL, which may overflow) both finish.
    settings = server_settings(clean_database.url, db_pool_size=1)
    headers = {"Authorization": f"Bearer {admin_key}"}
    with serve(settings) as server, ThreadPoolExecutor(2) as pool:

        def export(_: int) -> httpx.Response:
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
                return http.get("/v1/export")

        responses = list(pool.map(export, range(2)))
    assert [response.status_code for response in responses] == [200, 200]
    assert responses[0].json()["format"] == "citedb-export"
    assert responses[0].content == responses[1].content
