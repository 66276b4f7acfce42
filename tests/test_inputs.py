"""Hostile input: every request answers a problem from the contract, never a 500.

NUL characters (PostgreSQL cannot store them) and lone UTF-16 surrogates (no database can)
are refused where they enter, with a 422 naming the field, on both databases alike.
"""

import socket
from collections.abc import Iterator
from typing import Any, BinaryIO

import httpx
import pytest

from tests.bibliography.test_limits import chained_macros
from tests.factories import make_topic
from tests.problems import assert_problem
from tests.server import LiveServer


def assert_refused_at(response: httpx.Response, loc: list[Any]) -> None:
    """Assert a 422 problem whose errors name ``loc``."""
    body = assert_problem(response, 422)
    assert loc in [error["loc"] for error in body["errors"]], body


@pytest.mark.parametrize(
    ("path", "loc"),
    [
        ("/v1/claims/a%00b", ["path", "claim"]),
        ("/v1/claims/a%00b/evidence", ["path", "claim"]),
        ("/v1/topics/a%00b", ["path", "topic"]),
        ("/v1/claims?topic=a%00b", ["query", "topic"]),
        ("/v1/claims?q=glute%00s", ["query", "q"]),
        ("/v1/studies?q=a%00b", ["query", "q"]),
        ("/v1/studies?doi=10.1%00/x", ["query", "doi"]),
    ],
)
def test_a_nul_in_a_public_read_is_refused_naming_the_parameter(
    client: httpx.Client, path: str, loc: list[Any]
) -> None:
    assert_refused_at(client.get(path), loc)


def test_a_nul_in_an_admin_filter_is_refused(admin: httpx.Client) -> None:
    assert_refused_at(admin.get("/v1/audit?who=a%00b"), ["query", "who"])


@pytest.mark.parametrize(
    ("escape", "kind"), [("\\u0000", "NUL"), ("\\ud800", "surrogate"), ("\\udfff", "surrogate")]
)
def test_unstorable_text_in_a_json_body_is_refused_and_nothing_is_written(
    editor: httpx.Client, escape: str, kind: str
) -> None:
    statement = f"Sitting {escape} switches your glutes off."
    body = f'{{"statement": "{statement}", "aliases": ["ok", "a{escape}b"]}}'
    response = editor.post("/v1/claims", content=body, headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 422)
    locs = [error["loc"] for error in problem["errors"]]
    assert locs == [["body", "statement"], ["body", "aliases", 1]], problem
    assert kind in problem["errors"][0]["msg"]
    assert editor.get("/v1/claims").json()["items"] == []


def test_a_valid_surrogate_pair_and_an_escaped_backslash_are_text(editor: httpx.Client) -> None:
    body = r'{"statement": "Sitting \ud83d\ude00 switches your \\u0000 glutes off."}'
    response = editor.post("/v1/claims", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    assert response.json()["statement"] == "Sitting \U0001f600 switches your \\u0000 glutes off."


def test_a_nul_in_a_patch_is_refused(editor: httpx.Client) -> None:
    topic = make_topic(editor, "Glute function")
    response = editor.patch(
        f"/v1/topics/{topic['slug']}",
        content='{"description": "bad\\u0000"}',
        headers={"Content-Type": "application/json"},
    )
    assert_refused_at(response, ["body", "description"])


def test_an_imported_record_with_a_nul_is_an_error_and_the_others_are_created(
    editor: httpx.Client,
) -> None:
    bibtex = (
        "@article{bad, title = {Glute \x00 amnesia in runners}, year = {2020}}\n"
        "@article{good, title = {Gluteal activation while sitting}, year = {2021}}\n"
    )
    response = editor.post("/v1/studies/import?format=bibtex", content=bibtex.encode())
    assert response.status_code == 200, response.text
    records = response.json()["records"]
    assert [record["status"] for record in records] == ["error", "created"]
    assert "NUL" in records[0]["reason"]
    assert "title" in records[0]["reason"]


def test_a_time_out_of_range_once_in_utc_is_refused(admin: httpx.Client) -> None:
    for since in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        assert_refused_at(admin.get("/v1/audit", params={"since": since}), ["query", "since"])
    assert admin.get("/v1/audit", params={"since": "2026-01-01T00:00:00+14:00"}).status_code == 200


def test_csl_json_nested_ten_thousand_deep_is_refused(editor: httpx.Client) -> None:
    for body in ("[" * 10_000 + "]" * 10_000, '[{"title": ' + "[" * 10_000 + "]" * 10_000 + "}]"):
        response = editor.post(
            "/v1/studies/import",
            content=body,
            headers={"Content-Type": "application/vnd.citationstyles.csl+json"},
        )
        assert_refused_at(response, ["body"])


def test_a_number_of_4500_digits_is_refused(editor: httpx.Client, admin: httpx.Client) -> None:
    huge = "9" * 4_500
    response = editor.post(
        "/v1/studies/import",
        content=f'[{{"title": "Glute amnesia", "issued": {{"date-parts": [[{huge}]]}}}}]',
        headers={"Content-Type": "application/vnd.citationstyles.csl+json"},
    )
    assert_refused_at(response, ["body"])
    response = editor.post(
        "/v1/claims",
        content=f'{{"statement": "Sitting switches your glutes off.", "topics": [{huge}]}}',
        headers={"Content-Type": "application/json"},
    )
    assert_refused_at(response, ["body"])
    for path in (f"/v1/studies/{huge}", f"/v1/claims/{huge}", f"/v1/studies?year_from={huge}"):
        assert_problem(editor.get(path), 422)


def test_a_chunked_body_over_the_limit_is_413(editor: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"statement": "'
        for _ in range(300):  # 300 kB: the test server takes 200 kB
            yield b"x" * 1000
        yield b'"}'

    for path, media_type in (
        ("/v1/claims", "application/json"),
        ("/v1/studies/import?format=bibtex", "application/x-bibtex"),
    ):
        response = editor.post(path, content=chunks(), headers={"Content-Type": media_type})
        assert_problem(response, 413)


def test_one_keep_alive_connection_serves_requests_after_refused_input(
    live_server: LiveServer, editor_key: str
) -> None:
    host, port = live_server.base_url.removeprefix("http://").split(":")
    body = b'{"statement": "Sitting \\ud800 switches your glutes off."}'
    bad = (
        b"POST /v1/claims HTTP/1.1\r\nHost: citedb\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + editor_key.encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    good = b"GET /healthz HTTP/1.1\r\nHost: citedb\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        stream = sock.makefile("rb")
        for request, status in ((bad, 422), (good, 200), (bad, 422), (good, 200)):
            sock.sendall(request)
            head = read_response(stream)
            assert head[0].split()[1] == str(status).encode(), head
            assert b"connection: close" not in [line.lower() for line in head]


def read_response(stream: BinaryIO) -> list[bytes]:
    """Read one HTTP/1.1 response with a Content-Length; return its status line and headers."""
    head: list[bytes] = []
    while (line := stream.readline()) not in (b"\r\n", b""):
        head.append(line.rstrip(b"\r\n"))
    assert head, "the server closed the connection"
    length = next(int(h.split(b":", 1)[1]) for h in head if h.lower().startswith(b"content-length"))
    stream.read(length)
    return head


def test_an_import_of_chained_string_macros_is_refused(editor: httpx.Client) -> None:
    response = editor.post("/v1/studies/import?format=bibtex", content=chained_macros())
    problem = assert_problem(response, 422)
    assert "macro expands past" in problem["detail"]
    assert editor.get("/v1/studies").json()["items"] == []
