"""Fixtures: every test runs over HTTP against a live server, on SQLite and on PostgreSQL."""

import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

from app.auth.keys import generate_secret
from tests.databases import TestDatabase, fresh_database, postgres_available
from tests.server import LiveServer, serve, server_settings

BACKENDS = ("sqlite", "postgresql")
REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
# The one other origin whose pages the test server lets write (CITEDB_CORS_WRITE_ORIGINS).
WRITER_ORIGIN = "http://writer.example:8080"


def under_ci() -> bool:
    """Tell whether the run is CI's (``CI=true``), where nothing may be skipped for lack of it."""
    return os.environ.get("CI", "").lower() == "true"


def skip_unless_ci(reason: str, required: str) -> NoReturn:
    """Skip the test for ``reason``; under CI=true, fail it instead: ``required`` must be there."""
    if under_ci():
        pytest.fail(f"{reason} (CI=true: {required} is required)", pytrace=False)
    pytest.skip(reason)


def require_backend(backend: str) -> None:
    """Skip (or, under CI=true, fail) when the backend's database is not reachable."""
    if backend != "postgresql":
        return
    reason = postgres_available()
    if reason is not None:
        skip_unless_ci(reason, "PostgreSQL")


def require_shared(*parts: str) -> Path:
    """Return ``../shared/<parts>``, the third-party data beside the clone.

    A bare clone has no ``../shared``: the test is skipped, saying what is missing; under
    CI=true it fails. Mark a test, class or module with ``pytest.mark.shared("corpora/x")``
    to check its paths before it runs, or call this where the path is needed.
    """
    path = SHARED.joinpath(*parts)
    if not path.exists():
        skip_unless_ci(
            f"{path} is missing: this test reads third-party data from ../shared/ beside the "
            "repository",
            "../shared/",
        )
    return path


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``shared`` marker."""
    config.addinivalue_line(
        "markers", "shared(*paths): the test reads these paths of ../shared/ (require_shared)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip (or fail under CI) a test marked ``shared`` whose data is not there."""
    for marker in item.iter_markers("shared"):
        for part in marker.args:
            require_shared(part)


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
    settings = server_settings(
        database.url,
        cache_max_age=60,
        max_body_bytes=200_000,
        cache_ttl=0,
        webhook_allow_private_targets=True,  # the tests' receivers listen on 127.0.0.1
        cors_write_origins=WRITER_ORIGIN,
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
