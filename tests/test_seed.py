"""The seed: the article's content, loaded through the services, idempotent, curator-safe."""

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.databases import TestDatabase

CONTENT = Path(__file__).resolve().parent.parent / "seed" / "content"
HEADLINE = "Sitting for hours every day switches your glutes off."


def content(name: str) -> list[dict[str, Any]]:
    """Read one seed file."""
    data: list[dict[str, Any]] = yaml.safe_load((CONTENT / name).read_text(encoding="utf-8"))
    return data


def run_seed(database: TestDatabase) -> str:
    """Run `citedb seed` against the database and return what it printed."""
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "seed"],
        capture_output=True,
        text=True,
        env={**os.environ, "CITEDB_DATABASE_URL": database.url},
        check=True,
    )
    return result.stdout + result.stderr


def audit_count(admin: httpx.Client) -> int:
    """Count the audit log's rows through the API."""
    count, cursor = 0, None
    while True:
        params: dict[str, str | int] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = admin.get("/v1/audit", params=params).json()
        count += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return count


def test_every_identifier_names_where_it_was_seen() -> None:
    for study in content("studies.yaml"):
        for field in ("doi", "pmid", "pmcid"):
            if study.get(field):
                assert study[field].lower() in study.get("provenance", "").lower(), (
                    study["key"],
                    field,
                )
        if study.get("doi"):
            assert re.fullmatch(r"10\.\d{4,9}/\S+", study["doi"])
            assert study["doi"] == study["doi"].lower()


@pytest.fixture
def seeded(clean_database: TestDatabase, admin: httpx.Client) -> TestDatabase:
    """Seed the empty database once."""
    report = run_seed(clean_database)
    assert "created 6 topic" in report or "created" in report
    return clean_database


def test_seed_loads_the_whole_article(seeded: TestDatabase, client: httpx.Client) -> None:
    topics, studies, claims = (content(f"{name}.yaml") for name in ("topics", "studies", "claims"))
    links = sum(len(claim.get("evidence", [])) for claim in claims)
    stats = client.get("/v1/stats").json()
    assert (stats["topics"], stats["studies"], stats["claims"], stats["evidence"]) == (
        len(topics),
        len(studies),
        len(claims),
        links,
    )
    assert stats["verdicts"]["none"] == 0
    expected_ratings: dict[str, int] = {}
    for claim in claims:
        rating = claim["verdict"]["rating"]
        expected_ratings[rating] = expected_ratings.get(rating, 0) + 1
    assert {k: v for k, v in stats["verdicts"].items() if v and k != "none"} == expected_ratings

    found = client.get("/v1/claims", params={"q": "does sitting turn my glutes off?"}).json()
    assert found["items"][0]["statement"] == HEADLINE
    headline = found["items"][0]
    assert "glute amnesia" in headline["aliases"]
    assert headline["verdict"]["decided_by"] == "seed"
    review = client.get(f"/v1/claims/{headline['slug']}/claimreview").json()
    assert review["claimReviewed"] == HEADLINE
    references = client.get(f"/v1/claims/{headline['slug']}/references").text.splitlines()
    assert len(references) == headline["evidence_summary"]["studies"]


def test_second_run_changes_nothing_and_keeps_curators_edits(
    seeded: TestDatabase, admin: httpx.Client, editor: httpx.Client, client: httpx.Client
) -> None:
    headline = client.get("/v1/claims", params={"q": "glute amnesia"}).json()["items"][0]
    slug = headline["slug"]
    edited = editor.patch(f"/v1/claims/{slug}", json={"summary": "Curated summary."})
    assert edited.status_code == 200
    other = client.get("/v1/claims", params={"q": "sitting new smoking"}).json()["items"][0]
    assert editor.delete(f"/v1/claims/{other['slug']}").status_code == 204
    studies = client.get("/v1/studies", params={"limit": 100}).json()["items"]
    uncited = [s for s in studies if not client.get(f"/v1/studies/{s['id']}").json()["cited_for"]]
    for study in uncited:
        assert editor.delete(f"/v1/studies/{study['id']}").status_code == 204
    stats_before = client.get("/v1/stats").json()
    audit_before = audit_count(admin)

    report = run_seed(seeded)

    assert "created 0 topic, 0 study, 0 claim, 0 evidence, 0 verdict" in report
    assert client.get("/v1/stats").json() == stats_before
    assert audit_count(admin) == audit_before
    assert client.get(f"/v1/claims/{slug}").json()["summary"] == "Curated summary."
    assert client.get(f"/v1/claims/{other['slug']}").status_code == 404
