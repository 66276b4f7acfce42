"""Entity tags, conditional requests and cache headers."""

import hashlib

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from app.config import Settings
from app.errors import PreconditionFailed


def etag_for(body: bytes) -> str:
    """Return the strong entity tag of a representation."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def encode(model: BaseModel) -> bytes:
    """Return the JSON body of a representation: the bytes its ETag is computed from."""
    return model.model_dump_json().encode()


def _tags(header: str) -> list[str]:
    return [tag for tag in (part.strip() for part in header.split(",")) if tag]


def none_match(header: str | None, etag: str) -> bool:
    """Tell whether ``If-None-Match`` names ``etag`` (weak comparison, RFC 9110 13.1.2)."""
    if header is None:
        return False
    for tag in _tags(header):
        if tag == "*" or tag.removeprefix("W/") == etag.removeprefix("W/"):
            return True
    return False


def match(header: str, etag: str) -> bool:
    """Tell whether ``If-Match`` names ``etag`` (strong comparison, RFC 9110 13.1.1).

    A weak tag (``W/"…"``) never matches: it cannot vouch for the bytes a write would replace.
    """
    if etag.startswith("W/"):
        return False
    return any(tag == "*" or tag == etag for tag in _tags(header))


def cache_control(settings: Settings, *, public: bool) -> str:
    """Return the ``Cache-Control`` value of a public or a private GET."""
    if public:
        return f"public, max-age={settings.cache_max_age}"
    return "private, no-store"


# A 304 carries the 200's headers but these: no body, so no length or type, and no `Link`.
NOT_MODIFIED_OMITS = frozenset({b"content-length", b"content-type", b"link"})


def not_modified_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Return the headers of the 304 that stands for a 200 with ``headers``."""
    return [(name, value) for name, value in headers if name.lower() not in NOT_MODIFIED_OMITS]


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
    settings: Settings = request.app.state.settings
    all_headers = {"ETag": etag, "Cache-Control": cache_control(settings, public=public)}
    if headers:
        all_headers.update(headers)
    response = Response(
        content=body, status_code=status_code, media_type=media_type, headers=all_headers
    )
    if request.method in ("GET", "HEAD") and none_match(request.headers.get("if-none-match"), etag):
        not_modified = Response(status_code=304)
        not_modified.raw_headers = not_modified_headers(response.raw_headers)
        return not_modified
    return response


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
        request, encode(model), public=public, status_code=status_code, headers=headers
    )


def write_response(
    model: BaseModel, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Answer a write with the new representation and its ETag."""
    body = encode(model)
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
    etag = etag_for(encode(current))
    if not match(header, etag):
        raise PreconditionFailed(
            f"The resource has changed, or the tag sent is weak: its ETag is now {etag}. "
            "Fetch it again and retry with that tag."
        )
