"""Fixtures: every test runs over HTTP against a live server, on SQLite and on PostgreSQL."""

import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.auth.keys import generate_secret
from app.config import Settings
from tests.databases import TestDatabase, fresh_database, postgres_available
from tests.server import LiveServer, serve

BACKENDS = ("sqlite", "postgresql")
REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


def require_backend(backend: str) -> None:
    """Skip (or, under CI=true, fail) when the backend's database is not reachable."""
    if backend != "postgresql":
        return
    reason = postgres_available()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: PostgreSQL is required)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Name the database backend under test."""
    name: str = request.param
    require_backend(name)
    return name


@pytest.fixture(scope="session")
def database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    """Create and migrate a fresh database for the session."""
    with fresh_database(backend, tmp_path_factory.mktemp(backend)) as db:
        db.migrate()
        yield db


@pytest.fixture(scope="session")
def live_server(database: TestDatabase) -> Iterator[LiveServer]:
    """Serve the app against the session's database."""
    settings = Settings(
        database_url=database.url,
        cache_max_age=60,
        max_body_bytes=200_000,
        document_cache_ttl=0,
        webhook_allow_private_targets=True,  # the tests' receivers listen on 127.0.0.1
    )
    with serve(settings) as server:
        yield server


@pytest.fixture
def clean_database(database: TestDatabase, live_server: LiveServer) -> TestDatabase:
    """Empty the database before the test."""
    database.reset()
    return database


@pytest.fixture
def client(live_server: LiveServer, clean_database: TestDatabase) -> Iterator[httpx.Client]:
    """Return an anonymous HTTP client of the live server, on an empty database."""
    with httpx.Client(base_url=live_server.base_url, timeout=30) as http:
        yield http


def insert_key(database: TestDatabase, *, name: str, role: str) -> str:
    """Store a key directly (the bootstrap `citedb create-key` does) and return its secret."""
    new = generate_secret()
    database.execute(
        "INSERT INTO api_keys (name, role, prefix, secret_hash, created_at) "
        "VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)",
        (name, role, new.prefix, new.secret_hash),
    )
    return new.secret


@pytest.fixture
def admin_key(clean_database: TestDatabase) -> str:
    """Return the secret of an admin key."""
    return insert_key(clean_database, name="test-admin", role="admin")


@pytest.fixture
def editor_key(client: httpx.Client, admin_key: str) -> str:
    """Return the secret of an editor key made through the API."""
    response = client.post(
        "/v1/api-keys",
        json={"name": "test-editor", "role": "editor"},
        headers={"Authorization": f"Bearer {admin_key}"},
    )
    assert response.status_code == 201, response.text
    secret: str = response.json()["secret"]
    return secret


@pytest.fixture
def admin(live_server: LiveServer, admin_key: str) -> Iterator[httpx.Client]:
    """Return a client that sends the admin key."""
    with httpx.Client(
        base_url=live_server.base_url, timeout=30, headers={"Authorization": f"Bearer {admin_key}"}
    ) as http:
        yield http


@pytest.fixture
def editor(live_server: LiveServer, editor_key: str) -> Iterator[httpx.Client]:
    """Return a client that sends an editor key."""
    with httpx.Client(
        base_url=live_server.base_url,
        timeout=30,
        headers={"Authorization": f"Bearer {editor_key}"},
    ) as http:
        yield http


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print how many tests ran on each database, so a run shows it covered both."""
    counts: dict[str, Counter[str]] = {backend: Counter() for backend in BACKENDS}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            for backend in BACKENDS:
                if re.search(rf"[\[-]{backend}[\]-]", getattr(report, "nodeid", "")):
                    counts[backend][outcome] += 1
    terminalreporter.section("databases")
    for backend, outcome_counts in counts.items():
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcome_counts.items()))
        terminalreporter.write_line(f"{backend}: {summary or 'no tests'}")
