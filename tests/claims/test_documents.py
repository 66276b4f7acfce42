"""Kept claim documents: never older than this process's last write, or the TTL for others."""

from collections.abc import Iterator

import httpx
import pytest

from app.config import Settings
from tests.databases import TestDatabase
from tests.factories import STUDY_DARLOW, decide, link, make_claim, make_study, make_topic
from tests.server import LiveServer, serve

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
