"""The response headers the OpenAPI document names, and which responses carry each.

Every GET answer (but the few in ``UNCACHED_PATHS``) is sent by ``http_cache`` with its ETag and
Cache-Control, a 304 repeats them, a page of a list links the next one (``pagination``), a
negotiated answer varies with Accept, a create answers 201 with the new resource's Location,
and every write answers the new representation's ETag.
"""

from typing import Any

# Paths whose GET answers are never cached or tagged.
UNCACHED_PATHS = ("/healthz", "/readyz", "/v1/export")


def _header(description: str, example: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}, "example": example}


RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "ETag": _header(
        "The representation's entity tag: send it in `If-None-Match` to revalidate a read, "
        "or in `If-Match` to make a change only if nobody changed it since (412 otherwise).",
        '"3f1c2a9e0b7d4c65"',
    ),
    "Cache-Control": _header(
        "How long the answer may be kept; private for answers that depend on the API key.",
        "public, max-age=60",
    ),
    "Link": _header(
        "The next page, when there is one (RFC 8288).",
        '</v1/claims?cursor=eyJrIjpbMTJdfQ>; rel="next"',
    ),
    "Vary": _header("The answer depends on the request's `Accept` header.", "Accept"),
    "Location": _header("The path of the resource just created.", "/v1/studies/42"),
}


def response_headers(path: str, method: str, status: str, operation: dict[str, Any]) -> list[str]:
    """Return the names of the headers a response of an operation carries."""
    if method == "get" and path not in UNCACHED_PATHS:
        if status == "304":
            return ["ETag", "Cache-Control"]
        if status == "200":
            names = ["ETag", "Cache-Control"]
            parameters = operation.get("parameters", [])
            if any(p.get("in") == "query" and p.get("name") == "cursor" for p in parameters):
                names.append("Link")
            if len(operation["responses"]["200"].get("content", {})) > 1:
                names.append("Vary")
            return names
    if status == "201":
        return ["Location", "ETag"]
    if status == "200" and method == "patch":
        return ["ETag"]
    return []
