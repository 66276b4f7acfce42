"""Entity tags, conditional requests and cache headers."""

import hashlib

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from app.config import get_settings
from app.errors import PreconditionFailed


def etag_for(body: bytes) -> str:
    """Return the strong entity tag of a representation."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _tags(header: str) -> set[str]:
    tags = set()
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag:
            tags.add(tag)
    return tags


def matches(header: str | None, etag: str) -> bool:
    """Tell whether an ``If-None-Match`` / ``If-Match`` header value names ``etag``."""
    if header is None:
        return False
    tags = _tags(header)
    return "*" in tags or etag in tags


def cache_control(*, public: bool) -> str:
    """Return the ``Cache-Control`` value of a public or a private GET."""
    if public:
        return f"public, max-age={get_settings().cache_max_age}"
    return "private, no-store"


def conditional_response(
    request: Request,
    body: bytes,
    *,
    media_type: str = "application/json",
    public: bool = True,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Answer ``body`` with its ETag, or 304 with no body when the client already has it."""
    etag = etag_for(body)
    all_headers = {"ETag": etag, "Cache-Control": cache_control(public=public)}
    if headers:
        all_headers.update(headers)
    if request.method in ("GET", "HEAD") and matches(request.headers.get("if-none-match"), etag):
        all_headers.pop("Link", None)
        return Response(status_code=304, headers=all_headers)
    return Response(
        content=body, status_code=status_code, media_type=media_type, headers=all_headers
    )


def model_response(
    request: Request,
    model: BaseModel,
    *,
    public: bool = True,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Serialise ``model`` as JSON and answer it conditionally with its ETag."""
    return conditional_response(
        request,
        model.model_dump_json().encode(),
        public=public,
        status_code=status_code,
        headers=headers,
    )


def write_response(
    model: BaseModel, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Answer a write with the new representation and its ETag."""
    body = model.model_dump_json().encode()
    all_headers = {"ETag": etag_for(body)}
    if headers:
        all_headers.update(headers)
    return Response(
        content=body, status_code=status_code, media_type="application/json", headers=all_headers
    )


def require_match(request: Request, current: BaseModel) -> None:
    """Raise 412 when ``If-Match`` is sent and does not name the current representation."""
    header = request.headers.get("if-match")
    if header is None:
        return
    etag = etag_for(current.model_dump_json().encode())
    if not matches(header, etag):
        raise PreconditionFailed(
            f"The resource has changed: its ETag is now {etag}. Fetch it again and retry."
        )
