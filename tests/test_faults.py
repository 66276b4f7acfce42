"""Faults: the database away or behind answers 503 with Retry-After, never 500, and recovers."""

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.clusters import Cluster, cluster_unavailable, private_cluster
from tests.conftest import insert_key, require_backend
from tests.databases import TestDatabase, fresh_database
from tests.problems import assert_problem
from tests.server import serve, server_settings

FIRST_REVISION = "f86f9a70e72f"  # the initial schema: behind head whatever comes after


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this test's own: stopping it leaves the shared server alone."""
    reason = cluster_unavailable()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: the outage test is required)", pytrace=False)
        pytest.skip(reason)
    with private_cluster() as cluster:
        yield cluster


def assert_unavailable(response: httpx.Response) -> None:
    """Assert a 503 problem that tells the client when to retry."""
    assert_problem(response, 503)
    assert int(response.headers["Retry-After"]) > 0


class Load:
    """Clients reading and writing in a loop over keep-alive connections, counting answers."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url, self.key = base_url, key
        self.statuses: Counter[int] = Counter()
        self.bad: list[str] = []  # 5xx other than 503 with Retry-After, and dropped connections
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(4)]

    def _run(self, worker: int) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as http:
            n = 0
            while not self.stop.is_set():
                n += 1
                try:
                    if n % 3:
                        response = http.get("/v1/claims" if worker % 2 else "/v1/topics")
                    else:
                        response = http.post("/v1/topics", json={"name": f"T {worker} {n}"})
                except httpx.TransportError as exc:
                    self.bad.append(f"transport error: {exc!r}")
                    continue
                self.statuses[response.status_code] += 1
                if response.status_code >= 500 and not (
                    response.status_code == 503 and response.headers.get("Retry-After")
                ):
                    self.bad.append(f"{response.status_code} {response.text[:200]}")

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def wait_ready(http: httpx.Client) -> None:
    """Wait (up to a minute) until /readyz answers 200."""
    deadline = time.monotonic() + 60
    while http.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "the server did not recover"
        time.sleep(0.2)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_postgresql_outage_answers_503_with_retry_after_and_200_after(
    own_cluster: Cluster, backend: str
) -> None:
    dsn, url = own_cluster.create_database(f"citedb_{uuid.uuid4().hex[:8]}")
    database = TestDatabase(backend, url, dsn)
    database.migrate()
    key = insert_key(database, name="outage-editor", role="editor")
    settings = server_settings(url, cache_ttl=0, cache_bytes=0)
    with (
        serve(settings) as server,
        httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        ) as http,
    ):
        assert http.post("/v1/topics", json={"name": "Glute function"}).status_code == 201
        assert http.get("/readyz").status_code == 200
        with Load(server.base_url, key) as load:
            time.sleep(0.5)
            own_cluster.stop()
            time.sleep(0.5)
            # During the outage: only 503, with Retry-After, on one kept connection.
            for _ in range(3):
                assert_unavailable(http.get("/v1/claims"))
                assert_unavailable(http.get("/v1/topics/glute-function"))
                assert_unavailable(http.post("/v1/topics", json={"name": "Hamstrings"}))
                ready = http.get("/readyz")
                assert_unavailable(ready)
                assert ready.json()["state"] == "unreachable"
            own_cluster.start()
            wait_ready(http)
            time.sleep(0.5)
        assert load.bad == []
        assert load.statuses[503] > 0
        assert set(load.statuses) <= {200, 201, 503}, load.statuses
        # After: the same kept connection works again.
        assert http.get("/v1/topics/glute-function").status_code == 200
        assert http.post("/v1/topics", json={"name": "Hamstrings"}).status_code == 201
        assert http.get("/readyz").json()["status"] == "ready"


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_readiness_tells_no_schema_from_schema_behind(
    backend_name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    require_backend(backend_name)
    directory = tmp_path_factory.mktemp("ready")
    with (
        fresh_database(backend_name, directory) as database,
        serve(server_settings(database.url)) as server,
    ):
        response = httpx.get(f"{server.base_url}/readyz")
        assert_unavailable(response)
        assert response.json()["state"] == "no_schema"
        database.migrate(FIRST_REVISION)
        response = httpx.get(f"{server.base_url}/readyz")
        assert_unavailable(response)
        assert response.json()["state"] == "schema_behind"
        database.migrate()
        assert httpx.get(f"{server.base_url}/readyz").status_code == 200
