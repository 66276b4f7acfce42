"""HTTP at the edge of the app: HEAD, OPTIONS, a complete ``Allow``, and CORS.

One ASGI layer, outside every other, so that it holds whatever the routes and the layers
inside them do:

* ``HEAD`` runs the ``GET`` of the path and drops the body: the same status and headers
  (``ETag``, ``Content-Length``, ``Content-Encoding``...), no body.
* ``OPTIONS`` answers 204 with ``Allow`` naming every method of the path; a CORS preflight
  (``Origin`` + ``Access-Control-Request-Method``) is answered per the policy below.
* A 405 names in ``Allow`` every method of the path, not only those of the first route.
* CORS: reads are open to any origin (``Access-Control-Allow-Origin: *``); a write that a
  browser sends (it carries ``Origin``) is let through only from the service's own origin
  or one named in ``CITEDB_CORS_WRITE_ORIGINS``, and is refused with 403 before it runs.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem_response

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# Response headers a script on another origin may read.
EXPOSED_HEADERS = (
    "ETag, Link, Location, Retry-After, Content-Disposition, RateLimit, RateLimit-Policy"
)
PREFLIGHT_MAX_AGE = "600"


def origin_of(url: str) -> str:
    """Return the ``scheme://host[:port]`` origin of a URL, lower-cased, as browsers send it."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True)
class PathTemplate:
    """A path of the app (``/v1/claims/{claim}``) and the methods its routes answer."""

    pattern: re.Pattern[str]
    parameters: int
    methods: frozenset[str]


def path_templates(app: object) -> list[PathTemplate]:
    """Return the app's path templates, each with the methods of every route on it."""
    methods: dict[str, set[str]] = {}
    for route in iter_route_contexts(getattr(app, "routes", [])):
        if route.path is None or not route.methods:
            continue
        methods.setdefault(route.path, set()).update(route.methods)
    templates = []
    for path, names in methods.items():
        pattern, _, convertors = compile_path(path)
        templates.append(PathTemplate(pattern, len(convertors), frozenset(names)))
    return templates


def path_methods(scope: Scope) -> set[str]:
    """Return every method the app answers on the request's path (empty: no such path).

    A literal path such as ``/v1/studies/import`` is its own resource: the methods of a
    template that would also match it (``/v1/studies/{study}``) are not counted for it.
    """
    app = scope.get("app")
    state = getattr(app, "state", None)
    templates: list[PathTemplate] | None = getattr(state, "path_templates", None)
    if templates is None:
        templates = path_templates(app)
        if state is not None:
            state.path_templates = templates
    matching = [t for t in templates if t.pattern.match(scope["path"])]
    if not matching:
        return set()
    fewest = min(t.parameters for t in matching)
    methods = {m for t in matching if t.parameters == fewest for m in t.methods}
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")
    return methods


def allow_header(methods: Iterable[str]) -> str:
    """Write an ``Allow`` value in the usual order."""
    present = set(methods)
    return ", ".join(method for method in METHOD_ORDER if method in present)


class HttpMethods:
    """The ASGI layer described in the module docstring."""

    def __init__(self, app: ASGIApp, *, write_origins: Iterable[str], own_origin: str) -> None:
        self.app = app
        self.write_origins = {origin_of(origin) for origin in write_origins if origin.strip()}
        self.write_origins.add(origin_of(own_origin))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if method == "OPTIONS":
            await self._options(scope, receive, send, headers)
            return
        writes = origin is not None and method not in READ_METHODS
        if writes and not self._write_allowed(str(origin), headers, scope):
            await self._refuse(str(origin), scope, receive, send)
            return
        cors = self._cors_headers(method, origin)

        async def edge_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                if message["status"] == 405:
                    methods = path_methods(scope)
                    if methods:
                        response_headers["Allow"] = allow_header(methods)
                for name, value in cors.items():
                    if name == "Vary":
                        response_headers.add_vary_header(value)
                    else:
                        response_headers[name] = value
            elif message["type"] == "http.response.body" and method == "HEAD":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        inner = {**scope, "method": "GET"} if method == "HEAD" else scope
        await self.app(inner, receive, edge_send)

    def _write_allowed(self, origin: str, headers: Headers, scope: Scope) -> bool:
        wanted = origin.strip().lower()
        if wanted in self.write_origins:
            return True
        host = headers.get("host")
        return host is not None and wanted == f"{scope.get('scheme', 'http')}://{host}".lower()

    def _cors_headers(self, method: str, origin: str | None) -> dict[str, str]:
        if method in READ_METHODS:
            return {
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers": EXPOSED_HEADERS,
            }
        if origin is None:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": EXPOSED_HEADERS,
            "Vary": "Origin",
        }

    async def _options(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        methods = path_methods(scope)
        origin = headers.get("origin")
        requested = headers.get("access-control-request-method")
        if origin is None or requested is None:
            if not methods:  # no such path: the app's own 404
                await self.app(scope, receive, send)
                return
            await Response(status_code=204, headers={"Allow": allow_header(methods)})(
                scope, receive, send
            )
            return
        requested = requested.strip().upper()
        allow = allow_header(methods) if methods else ""
        answer = {
            "Access-Control-Allow-Headers": headers.get("access-control-request-headers", ""),
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        }
        if allow:
            answer["Allow"] = allow
        if requested in READ_METHODS:
            answer["Access-Control-Allow-Origin"] = "*"
            answer["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        elif self._write_allowed(origin, headers, scope):
            answer["Access-Control-Allow-Origin"] = origin
            answer["Access-Control-Allow-Methods"] = allow or requested
            answer["Vary"] = "Origin"
        else:
            await self._refuse(origin, scope, receive, send)
            return
        if not answer["Access-Control-Allow-Headers"]:
            del answer["Access-Control-Allow-Headers"]
        await Response(status_code=204, headers=answer)(scope, receive, send)

    async def _refuse(self, origin: str, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            403,
            code="origin-not-allowed",
            detail=f"Writes from the origin {origin} are not allowed. Reads are open to any "
            "origin; the origins that may write are set by CITEDB_CORS_WRITE_ORIGINS.",
            headers={"Vary": "Origin"},
        )
        await response(scope, receive, send)
