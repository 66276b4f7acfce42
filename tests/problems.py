"""Assertions on the one error shape: RFC 9457 problem+json."""

from typing import Any

import httpx


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert that ``response`` is a problem+json of ``status`` and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:citedb:problem:")
    assert isinstance(body["title"], str)
    assert body["title"]
    assert "Traceback" not in response.text
    return body
