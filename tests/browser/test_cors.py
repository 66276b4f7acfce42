"""CORS in a real browser: a page on another origin reads a claim and may not write."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from selenium import webdriver

from tests.factories import make_claim
from tests.server import LiveServer

PAGE = b"<!doctype html><title>Another origin</title><p>A page of another web app.</p>"

FETCH_SCRIPT = """
const [base, key, slug, done] = arguments;
(async () => {
  const out = {};
  try {
    const read = await fetch(`${base}/v1/claims/${slug}`);
    out.read = {status: read.status, etag: read.headers.get("ETag"),
                statement: (await read.json()).statement};
  } catch (error) {
    out.read = error.name;
  }
  try {
    const write = await fetch(`${base}/v1/claims`, {
      method: "POST",
      headers: {"Authorization": `Bearer ${key}`, "Content-Type": "application/json"},
      body: JSON.stringify({statement: "Written from another origin"}),
    });
    out.write = write.status;
  } catch (error) {
    out.write = error.name;
  }
  done(out);
})();
"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def other_origin() -> Iterator[str]:
    """Serve a page on another port of the loopback address: another origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_on_another_origin_reads_a_claim_and_is_refused_a_write(
    chrome: webdriver.Chrome,
    live_server: LiveServer,
    editor: httpx.Client,
    editor_key: str,
    other_origin: str,
) -> None:
    claim = make_claim(editor, "Sitting switches your glutes off")
    chrome.get(f"{other_origin}/")
    chrome.set_script_timeout(30)
    result = chrome.execute_async_script(
        FETCH_SCRIPT, live_server.base_url, editor_key, claim["slug"]
    )
    assert result["read"]["status"] == 200
    assert result["read"]["statement"] == claim["statement"]
    assert result["read"]["etag"] == editor.get(f"/v1/claims/{claim['slug']}").headers["etag"]
    assert result["write"] == "TypeError"  # the browser's own refusal: a failed preflight
    statements = [item["statement"] for item in editor.get("/v1/claims").json()["items"]]
    assert statements == [claim["statement"]]
