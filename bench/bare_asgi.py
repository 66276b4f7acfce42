"""The ceilings of this stack: a bare ASGI app and a FastAPI app answering constant JSON.

Both answer ``GET`` with the same small JSON body and its ETag, and 304 when ``If-None-Match``
names it, so they bound both workloads (a) and (b). Serve with uvicorn like citedb:
``uvicorn bench.bare_asgi:app`` or ``uvicorn bench.bare_asgi:fastapi_app``.
"""

from typing import Annotated, Any

from fastapi import FastAPI, Header
from fastapi.responses import Response

BODY = b'{"id":1,"slug":"prolonged-sitting-switches-your-glutes-off","verdict":"refuted"}'
ETAG = '"bench-constant-1"'
_ETAG_BYTES = ETAG.encode()
_HEADERS_200 = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
    (b"etag", _ETAG_BYTES),
    (b"cache-control", b"public, max-age=60"),
]
_HEADERS_304 = [(b"etag", _ETAG_BYTES), (b"cache-control", b"public, max-age=60")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer every HTTP request with the constant body, or 304 when the client has it."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    fresh = any(
        name == b"if-none-match" and value == _ETAG_BYTES for name, value in scope["headers"]
    )
    if fresh:
        await send({"type": "http.response.start", "status": 304, "headers": _HEADERS_304})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS_200})
    await send({"type": "http.response.body", "body": BODY})


fastapi_app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@fastapi_app.get("/{path:path}")
async def constant(path: str, if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """Answer the constant body, or 304 when the client has it."""
    headers = {"ETag": ETAG, "Cache-Control": "public, max-age=60"}
    if if_none_match == ETAG:
        return Response(status_code=304, headers=headers)
    return Response(content=BODY, media_type="application/json", headers=headers)
