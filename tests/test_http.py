"""HTTP details every path shares: HEAD, OPTIONS and Allow, CORS, negotiation, gzip."""

import gzip
import re
from typing import Any

import httpx
import pytest

from tests.conftest import WRITER_ORIGIN
from tests.factories import STUDY_DARLOW, created, decide, link, make_claim, make_study, make_topic
from tests.problems import assert_problem

OTHER_ORIGIN = "http://reader.example"
# Headers that must be the same on HEAD as on GET (Date may tick between the two).
SAME_HEADERS = (
    "etag",
    "content-type",
    "content-length",
    "content-encoding",
    "cache-control",
    "link",
    "vary",
    "access-control-allow-origin",
)


@pytest.fixture
def content(editor: httpx.Client) -> dict[str, str]:
    """Make one of everything; return the values of the path parameters."""
    topic = make_topic(editor, "Glutes")
    claim = make_claim(editor, "Sitting switches your glutes off", topics=[topic["slug"]])
    study = make_study(editor, **STUDY_DARLOW)
    evidence = link(editor, claim["slug"], study["id"], "contradicts")
    verdict = decide(editor, claim["slug"], "mostly_refuted")
    source = created(
        editor.post(
            "/v1/sources",
            json={
                "url": "https://example.org/glute-amnesia",
                "title": "Glute amnesia?",
                "appearances": [{"claim": claim["slug"], "stance": "refutes"}],
            },
        )
    )
    return {
        "source": str(source["id"]),
        "claim": claim["slug"],
        "study": str(study["id"]),
        "evidence": str(evidence["id"]),
        "topic": topic["slug"],
        "verdict": str(verdict["id"]),
    }


def operations(client: httpx.Client) -> dict[str, set[str]]:
    """Return each path of the OpenAPI document with its methods, upper-case."""
    paths: dict[str, dict[str, Any]] = client.get("/openapi.json").json()["paths"]
    return {path: {method.upper() for method in ops} for path, ops in paths.items()}


def fill(path: str, values: dict[str, str]) -> str:
    """Put the values of ``values`` in a path template (``{key_id}`` gets 1)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


def preflight(
    client: httpx.Client, path: str, origin: str, method: str, headers: str | None = None
) -> httpx.Response:
    """Send the CORS preflight a browser sends before ``method`` from a page of ``origin``."""
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=sent)


class TestHead:
    def test_every_get_path_answers_head_with_the_get_headers_and_no_body(
        self, admin: httpx.Client, content: dict[str, str]
    ) -> None:
        hook = created(
            admin.post(
                "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["claim.created"]}
            )
        )
        values = {**content, "webhook_id": str(hook["id"])}
        get_paths = [path for path, methods in operations(admin).items() if "GET" in methods]
        assert len(get_paths) >= 16
        for template in [*get_paths, "/openapi.json", "/docs"]:
            path = fill(template, values)
            got = admin.get(path)
            head = admin.head(path)
            assert got.status_code == 200, (path, got.text)
            assert head.status_code == 200, path
            assert head.content == b"", path
            for name in SAME_HEADERS:
                if name == "etag" and template in ("/readyz", "/healthz", "/v1/export"):
                    continue  # fresh every time, and without a tag
                assert head.headers.get(name) == got.headers.get(name), (path, name)

    def test_head_is_conditional_like_get(self, client: httpx.Client) -> None:
        tag = client.get("/v1/stats").headers["etag"]
        head = client.head("/v1/stats", headers={"If-None-Match": tag})
        assert (head.status_code, head.content) == (304, b"")

    def test_head_of_an_unknown_claim_is_404_without_a_body(self, client: httpx.Client) -> None:
        head = client.head("/v1/claims/no-such-claim")
        assert head.status_code == 404
        assert head.headers["content-type"] == "application/problem+json"
        assert head.content == b""


class TestOptionsAndAllow:
    def test_options_lists_every_method_of_every_path(
        self, client: httpx.Client, content: dict[str, str]
    ) -> None:
        for template, methods in operations(client).items():
            response = client.options(fill(template, content))
            assert response.status_code == 204, template
            expected = methods | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
            assert set(response.headers["allow"].split(", ")) == expected, template
            assert response.content == b""

    def test_405_names_every_method_of_the_path(self, client: httpx.Client) -> None:
        response = client.put("/v1/claims")
        assert_problem(response, 405)
        assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"
        response = client.post("/v1/claims/some-claim")
        assert_problem(response, 405)
        assert response.headers["allow"] == "GET, HEAD, PATCH, DELETE, OPTIONS"

    def test_options_of_an_unknown_path_is_404(self, client: httpx.Client) -> None:
        assert_problem(client.options("/v1/nothing-here"), 404)


class TestCors:
    def test_reads_are_open_to_any_origin(
        self, client: httpx.Client, content: dict[str, str]
    ) -> None:
        response = client.get(f"/v1/claims/{content['claim']}", headers={"Origin": OTHER_ORIGIN})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        exposed = response.headers["access-control-expose-headers"].split(", ")
        assert {"ETag", "Link", "Location"} <= set(exposed)

    def test_preflight_of_a_read_is_allowed_for_any_origin(self, client: httpx.Client) -> None:
        response = preflight(client, "/v1/claims", OTHER_ORIGIN, "GET", "if-none-match")
        assert response.status_code == 204
        assert response.headers["access-control-allow-origin"] == "*"
        assert "GET" in response.headers["access-control-allow-methods"]
        assert response.headers["access-control-allow-headers"] == "if-none-match"

    def test_preflight_of_a_write_from_an_allowed_origin(self, client: httpx.Client) -> None:
        response = preflight(
            client,
            "/v1/claims/some-claim",
            WRITER_ORIGIN,
            "PATCH",
            "authorization, content-type, if-match",
        )
        assert response.status_code == 204
        assert response.headers["access-control-allow-origin"] == WRITER_ORIGIN
        assert response.headers["access-control-allow-methods"] == (
            "GET, HEAD, PATCH, DELETE, OPTIONS"
        )
        assert response.headers["access-control-allow-headers"] == (
            "authorization, content-type, if-match"
        )
        assert "Origin" in response.headers["vary"]

    def test_preflight_of_a_write_from_another_origin_is_refused(
        self, client: httpx.Client
    ) -> None:
        response = preflight(client, "/v1/claims", OTHER_ORIGIN, "POST")
        body = assert_problem(response, 403)
        assert OTHER_ORIGIN in body["detail"]
        assert "access-control-allow-origin" not in response.headers

    def test_a_write_from_another_origin_is_refused_before_it_runs(
        self, editor: httpx.Client
    ) -> None:
        response = editor.post(
            "/v1/claims",
            json={"statement": "Planks fix back pain"},
            headers={"Origin": OTHER_ORIGIN},
        )
        assert_problem(response, 403)
        assert editor.get("/v1/claims").json()["items"] == []

    def test_a_write_from_the_allowed_origin_or_the_service_itself_runs(
        self, editor: httpx.Client, live_server: Any
    ) -> None:
        response = editor.post(
            "/v1/claims",
            json={"statement": "Planks fix back pain"},
            headers={"Origin": WRITER_ORIGIN},
        )
        assert response.status_code == 201, response.text
        assert response.headers["access-control-allow-origin"] == WRITER_ORIGIN
        assert "Location" in response.headers["access-control-expose-headers"]
        own = editor.post(
            "/v1/claims",
            json={"statement": "Squats ruin knees"},
            headers={"Origin": live_server.base_url},
        )
        assert own.status_code == 201, own.text

    def test_writes_without_origin_are_not_browser_requests(self, editor: httpx.Client) -> None:
        response = editor.post("/v1/claims", json={"statement": "Planks fix back pain"})
        assert response.status_code == 201
        assert "access-control-allow-origin" not in response.headers


class TestNegotiation:
    def test_q_zero_means_never(self, client: httpx.Client, content: dict[str, str]) -> None:
        path = f"/v1/claims/{content['claim']}/references"
        assert_problem(client.get(path, headers={"Accept": "application/x-bibtex;q=0"}), 406)
        response = client.get(path, headers={"Accept": "application/x-bibtex;q=0, */*;q=0.1"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert not response.text.startswith("@")

    def test_the_highest_q_wins_whatever_the_order(
        self, client: httpx.Client, content: dict[str, str]
    ) -> None:
        path = f"/v1/claims/{content['claim']}/references"
        response = client.get(
            path, headers={"Accept": "text/plain;q=0.2, application/x-research-info-systems"}
        )
        assert response.headers["content-type"].startswith("application/x-research-info-systems")
        assert response.text.startswith("TY  - ")

    def test_doi_style_bibliography(self, client: httpx.Client, content: dict[str, str]) -> None:
        path = f"/v1/studies/{content['study']}/citation"
        apa = client.get(path, headers={"Accept": "text/x-bibliography; style=apa"})
        assert apa.status_code == 200
        assert apa.headers["content-type"] == "text/x-bibliography; charset=utf-8"
        assert apa.text == client.get(path, params={"format": "apa"}).text
        assert apa.text.startswith("Darlow, B., & Dowell, A. (2013).")
        vancouver = client.get(path, headers={"Accept": "text/x-bibliography; style=vancouver"})
        assert vancouver.text == client.get(path, params={"format": "vancouver"}).text
        assert vancouver.text.startswith("Darlow B, Dowell A.")
        references = client.get(
            f"/v1/claims/{content['claim']}/references",
            headers={"Accept": "text/x-bibliography; style=apa"},
        )
        assert "Darlow, B., & Dowell, A. (2013)." in references.text
        unknown = client.get(path, headers={"Accept": "text/x-bibliography; style=chicago"})
        assert_problem(unknown, 406)


class TestGzip:
    def test_large_bodies_are_compressed_for_clients_that_accept_gzip(
        self, live_server: Any
    ) -> None:
        with httpx.Client(base_url=live_server.base_url, timeout=30) as http:
            plain = http.get("/openapi.json", headers={"Accept-Encoding": "identity"})
            assert "content-encoding" not in plain.headers
            raw = b""
            with http.stream(
                "GET", "/openapi.json", headers={"Accept-Encoding": "gzip"}
            ) as compressed:
                assert compressed.headers["content-encoding"] == "gzip"
                assert "Accept-Encoding" in compressed.headers["vary"]
                raw = b"".join(compressed.iter_raw())
        assert gzip.decompress(raw) == plain.content
        assert len(raw) * 4 < len(plain.content)

    def test_small_bodies_are_sent_as_they_are(self, client: httpx.Client) -> None:
        response = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
        assert len(response.content) < 1024
        assert "content-encoding" not in response.headers
