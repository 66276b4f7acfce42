"""The request head is bounded (CITEDB_MAX_HEADER_BYTES): 431 problem+json beyond it."""

import json
import socket
from urllib.parse import urlsplit

import httpx

from tests.problems import assert_problem
from tests.server import LiveServer

LIMIT = 16 * 1024  # the default of CITEDB_MAX_HEADER_BYTES, which the test server keeps


def raw_exchange(server: LiveServer, head: bytes, *, chunk: int = 65536) -> bytes:
    """Send ``head`` over a raw connection, in pieces, and return all the server answered."""
    parts = urlsplit(server.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        try:
            for start in range(0, len(head), chunk):
                sock.sendall(head[start : start + chunk])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: its answer is already on the way
        answer = b""
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            answer += data
    return answer


class TestHeaderLimit:
    def test_headers_within_the_limit_are_served(self, client: httpx.Client) -> None:
        response = client.get("/v1/topics", headers={"X-Padding": "a" * (LIMIT // 2)})
        assert response.status_code == 200

    def test_one_header_over_the_limit_is_431(self, client: httpx.Client) -> None:
        response = client.get("/v1/topics", headers={"X-Padding": "a" * (LIMIT + 1)})
        body = assert_problem(response, 431)
        assert body["title"] == "Request Header Fields Too Large"
        assert str(LIMIT) in body["detail"]
        assert response.headers["connection"] == "close"

    def test_many_headers_that_add_up_past_the_limit_are_431(self, client: httpx.Client) -> None:
        headers = {f"X-Padding-{n}": "a" * 1000 for n in range(20)}
        assert_problem(client.get("/v1/topics", headers=headers), 431)

    def test_a_request_line_past_the_limit_is_431(self, client: httpx.Client) -> None:
        assert_problem(client.get("/v1/topics", params={"q": "a" * (LIMIT + 1)}), 431)

    def test_an_endless_head_is_cut_off_with_431(
        self, live_server: LiveServer, client: httpx.Client
    ) -> None:
        head = b"GET /v1/topics HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 5_000_000
        answer = raw_exchange(live_server, head)
        status_line, _, rest = answer.partition(b"\r\n")
        assert status_line == b"HTTP/1.1 431 Request Header Fields Too Large"
        assert json.loads(rest.partition(b"\r\n\r\n")[2])["status"] == 431
        assert client.get("/v1/topics").status_code == 200  # the server serves on

    def test_every_operation_documents_431(self, client: httpx.Client) -> None:
        """Any request can have a head too large (a long query string): the document says so."""
        paths = client.get("/openapi.json").json()["paths"]
        undocumented = [
            (method, path)
            for path, operations in paths.items()
            for method, operation in operations.items()
            if "431" not in operation["responses"]
        ]
        assert undocumented == []
