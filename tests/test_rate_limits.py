"""Rate limits: per key and per address, for writes and expensive reads; 429 with the headers."""

import re
import socket
import uuid
from collections.abc import Iterator

import httpx
import pytest

from app.config import Settings
from tests.conftest import insert_key, skip_unless_ci
from tests.databases import TestDatabase
from tests.problems import assert_problem
from tests.server import LiveServer, serve, server_settings

REDIS_URL = "redis://127.0.0.1:6379/0"
POLICY_ITEM = re.compile(r'"(?P<name>[a-z-]+)";q=(?P<q>\d+);w=(?P<w>\d+)')
CURRENT_ITEM = re.compile(r'"(?P<name>[a-z-]+)";r=(?P<r>\d+);t=(?P<t>\d+)')


def limited(database: TestDatabase, **limits: str) -> Settings:
    """Return settings for the database with the given limits, the others generous."""
    return server_settings(database.url, cache_ttl=0, **limits)


@pytest.fixture(scope="module")
def strict_server(database: TestDatabase) -> Iterator[LiveServer]:
    """A server with small budgets: 3 writes per address, 2 per key, 2 expensive per address."""
    settings = limited(
        database,
        rate_limit_writes_per_address="3/minute",
        rate_limit_writes_per_key="2/minute",
        rate_limit_expensive_per_address="2/minute",
    )
    with serve(settings) as server:
        yield server


def address() -> str:
    """Return a client address of the test's own (sent as X-Forwarded-For from loopback)."""
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:6]}"


def client_from(server: LiveServer, where: str, key: str | None = None) -> httpx.Client:
    """Return a client whose requests come from ``where``, with ``key`` if given."""
    headers = {"X-Forwarded-For": where}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=30)


def assert_too_many(response: httpx.Response) -> None:
    """Assert a 429 problem with Retry-After and the RateLimit headers."""
    body = assert_problem(response, 429)
    assert body["type"] == "urn:citedb:problem:too-many-requests"
    assert int(response.headers["Retry-After"]) >= 1
    assert POLICY_ITEM.search(response.headers["RateLimit-Policy"])
    spent = [m for m in CURRENT_ITEM.finditer(response.headers["RateLimit"]) if m["r"] == "0"]
    assert spent, response.headers["RateLimit"]


class TestWrites:
    def test_per_address_the_fourth_write_is_429_and_not_stored(
        self, strict_server: LiveServer, clean_database: TestDatabase
    ) -> None:
        keys = [insert_key(clean_database, name=f"k{n}", role="editor") for n in range(2)]
        where = address()
        answers = []
        for n in range(4):  # two keys, so only the address budget (3) runs out
            with client_from(strict_server, where, keys[n % 2]) as http:
                answers.append(http.post("/v1/topics", json={"name": f"Topic {n}"}))
        assert [a.status_code for a in answers] == [201, 201, 201, 429]
        assert_too_many(answers[3])
        assert clean_database.execute("SELECT count(*) FROM topics") == [(3,)]

    def test_per_key_a_spent_key_is_429_and_another_key_goes_on(
        self, strict_server: LiveServer, clean_database: TestDatabase
    ) -> None:
        spent, fresh = (insert_key(clean_database, name=n, role="editor") for n in ("a", "b"))
        with client_from(strict_server, address(), spent) as http:
            statuses = [
                http.post("/v1/topics", json={"name": f"T{n}"}).status_code for n in range(3)
            ]
        assert statuses == [201, 201, 429]
        with client_from(strict_server, address(), fresh) as http:
            assert http.post("/v1/topics", json={"name": "Other key"}).status_code == 201

    def test_wrong_keys_are_held_by_their_address(
        self, strict_server: LiveServer, clean_database: TestDatabase
    ) -> None:
        where = address()
        statuses = []
        for n in range(5):
            with client_from(strict_server, where, f"cdb_wrong{n}") as http:
                statuses.append(http.post("/v1/topics", json={"name": "x"}).status_code)
        assert statuses == [401, 401, 401, 429, 429]

    def test_a_counted_answer_says_what_is_left(
        self, strict_server: LiveServer, clean_database: TestDatabase
    ) -> None:
        key = insert_key(clean_database, name="k", role="editor")
        with client_from(strict_server, address(), key) as http:
            response = http.post("/v1/topics", json={"name": "Counted"})
        assert response.status_code == 201
        policies = {
            m["name"]: (int(m["q"]), int(m["w"]))
            for m in POLICY_ITEM.finditer(response.headers["RateLimit-Policy"])
        }
        assert policies == {"writes-per-address": (3, 60), "writes-per-key": (2, 60)}
        left = {
            m["name"]: int(m["r"]) for m in CURRENT_ITEM.finditer(response.headers["RateLimit"])
        }
        assert left == {"writes-per-address": 2, "writes-per-key": 1}

    def test_plain_reads_are_not_counted(
        self, strict_server: LiveServer, clean_database: TestDatabase
    ) -> None:
        with client_from(strict_server, address()) as http:
            answers = [http.get("/v1/claims") for _ in range(6)]
        assert {a.status_code for a in answers} == {200}
        assert "RateLimit" not in answers[0].headers


class TestExpensiveReads:
    def test_search_is_counted_per_address(
        self, strict_server: LiveServer, clean_database: TestDatabase
    ) -> None:
        with client_from(strict_server, address()) as http:
            statuses = [http.get("/v1/claims", params={"q": "glute"}).status_code for _ in range(3)]
            studies = http.get("/v1/studies", params={"q": "trial"})
            plain = http.get("/v1/claims")
        assert statuses == [200, 200, 429]
        assert_too_many(studies)
        assert plain.status_code == 200

    def test_citation_check_and_import_are_counted(
        self, strict_server: LiveServer, clean_database: TestDatabase
    ) -> None:
        key = insert_key(clean_database, name="k", role="editor")
        with client_from(strict_server, address(), key) as http:
            first = http.post("/v1/sources/check", json={"text": "Nothing cited here."})
            second = http.post(
                "/v1/studies/import",
                content=b"TY  - JOUR\nTI  - One record\nER  - \n",
                headers={"Content-Type": "application/x-research-info-systems"},
            )
            third = http.post("/v1/sources/check", json={"text": "Nothing cited here."})
        assert (first.status_code, second.status_code) == (200, 200), second.text
        assert_too_many(third)


def redis_reachable() -> None:
    """Skip (or fail under CI) when the Redis the shared mode needs is not there."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            answer = connection.recv(16)
    except OSError as exc:
        skip_unless_ci(f"Redis at {REDIS_URL} is unreachable: {exc}", "Redis")
    if not answer.startswith(b"+PONG"):
        skip_unless_ci(f"Redis at {REDIS_URL} answered {answer!r} to PING", "Redis")


class TestSharedStorage:
    @pytest.mark.parametrize(
        ("storage", "expected"),
        [
            ("memory://", [201, 201, 201, 201]),
            (REDIS_URL, [201, 201, 429, 429]),
        ],
    )
    def test_two_servers_share_a_budget_only_through_redis(
        self,
        storage: str,
        expected: list[int],
        database: TestDatabase,
        clean_database: TestDatabase,
    ) -> None:
        if storage.startswith("redis"):
            redis_reachable()
        key = insert_key(clean_database, name="k", role="editor")
        settings = limited(
            database, rate_limit_storage=storage, rate_limit_writes_per_address="2/minute"
        )
        where = address()
        statuses = []
        with serve(settings) as one, serve(settings) as two:
            for n in range(4):
                with client_from((one, two)[n % 2], where, key) as http:
                    statuses.append(http.post("/v1/topics", json={"name": f"T{n}"}).status_code)
        assert statuses == expected
