"""The FastAPI application: routers, error handlers and the OpenAPI document."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.gzip import GZipMiddleware

from app.admin.router import router as admin_router
from app.assessment.router import router as assessment_router
from app.audit.router import router as audit_router
from app.auth.router import router as api_keys_router
from app.changes.router import router as changes_router
from app.claims.router import router as claims_router
from app.config import Settings, get_settings
from app.db import Database
from app.errors import PROBLEM_MEDIA_TYPE, Problem, install_error_handlers
from app.evidence.router import router as evidence_router
from app.factcheck.router import router as factcheck_router
from app.http_methods import HttpMethods
from app.imports.router import router as imports_router
from app.inputs import RequestTextChecked
from app.meta.docs import router as docs_router
from app.meta.router import router as meta_router
from app.middleware import BodySizeLimit, UnexpectedErrors
from app.rate_limits import SEARCHES, RateLimiter, RateLimits
from app.references.renderer import CitationRenderer
from app.references.router import router as references_router
from app.references.schemas import DOCUMENT_SCHEMAS
from app.response_cache import ResponseCache, ResponseCacheLayer, follow_writes
from app.response_headers import RESPONSE_HEADERS, UNCACHED_PATHS, response_headers
from app.review.router import router as review_router
from app.sources.router import router as sources_router
from app.studies.router import router as studies_router
from app.topics.router import router as topics_router
from app.verdicts.router import router as verdicts_router
from app.webhooks.router import router as webhooks_router

DESCRIPTION = """
citedb answers **"what does the evidence say about this claim?"** with the claim, its current
verdict (rating and GRADE certainty), the studies that bear on it and a citable reference list.

* Reads are public. Writes need an API key: press **Authorize** and paste
  `cdb_…` (make the first one with `citedb create-key --role admin --name NAME`).
* `{claim}` takes the numeric id or the slug; `{topic}` too.
* Lists page with `limit` and the opaque `cursor` from `next_cursor` (also in the `Link`
  header). Every GET has an `ETag`; send it back in `If-None-Match` for a 304, and in
  `If-Match` on PATCH or DELETE to avoid overwriting someone else's change (412 if stale).
* Errors are RFC 9457 `application/problem+json`.
"""

TAGS = [
    {"name": "claims", "description": "Claims people make, with their verdicts."},
    {"name": "studies", "description": "The works that bear on claims."},
    {"name": "evidence", "description": "How a study bears on a claim."},
    {"name": "topics", "description": "Subjects that group claims."},
    {"name": "references", "description": "Citations and reference lists, ClaimReview."},
    {
        "name": "sources",
        "description": "The articles, posts and videos that make claims, and the check of "
        "what they say about the works they cite.",
    },
    {"name": "curation", "description": "Bulk curation: bibliographic import."},
    {"name": "admin", "description": "API keys, the audit log, webhooks, export and restore."},
    {"name": "meta", "description": "Health, readiness, statistics and the change feed."},
]


def operation_id(route: APIRoute) -> str:
    """Name an operation ``<tag>-<handler>``, such as ``topics-create``."""
    tag = str(route.tags[0]) if route.tags else "meta"
    return f"{tag}-{route.name.rstrip('_').replace('_', '-')}"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for ``settings`` (by default, those of the environment)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.database = Database.from_settings(settings)
        # Each commit of this process drops the kept answers it made stale.
        follow_writes(app.state.database, app.state.responses)
        try:
            yield
        finally:
            app.state.citations.close()
            await app.state.database.dispose()

    app = FastAPI(
        title="citedb",
        version="1.1.0",
        summary="Evidence behind health and fitness claims, with citable references.",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
        dependencies=[RequestTextChecked],
        docs_url=None,  # served by app.meta.docs from packaged assets, not from a CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.responses = ResponseCache(ttl=settings.cache_ttl, max_bytes=settings.cache_bytes)
    app.state.citations = CitationRenderer(
        kept_entries=settings.citation_entries, worker=settings.citation_worker
    )
    install_error_handlers(app)
    for router in (
        claims_router,
        verdicts_router,
        assessment_router,
        review_router,
        evidence_router,
        references_router,
        factcheck_router,
        imports_router,  # before studies: /v1/studies/import is not a {study}
        studies_router,
        sources_router,
        topics_router,
        api_keys_router,
        audit_router,
        webhooks_router,
        admin_router,
        changes_router,
        meta_router,
        docs_router,
    ):
        app.include_router(router)
    if settings.cache_bytes > 0:
        app.add_middleware(ResponseCacheLayer)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(UnexpectedErrors)
    app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes)
    app.add_middleware(RateLimits, limiter=RateLimiter(settings))
    app.add_middleware(
        HttpMethods, write_origins=settings.write_origins, own_origin=settings.public_base_url
    )
    _register_problem_schema(app)
    return app


def _register_problem_schema(app: FastAPI) -> None:
    """Document every error of every operation as problem+json, with the Problem schema."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in problem.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components["Problem"] = problem
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        for name, model in DOCUMENT_SCHEMAS.items():
            document = model.model_json_schema(
                by_alias=True, ref_template="#/components/schemas/{model}", mode="serialization"
            )
            for nested, definition in document.pop("$defs", {}).items():
                components.setdefault(nested, definition)
            components[name] = document
        problem_content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                if "requestBody" in operation:
                    responses.setdefault("413", {"description": "Content Too Large"})
                responses.setdefault(
                    "431",
                    {
                        "description": "Request Header Fields Too Large: the request line (a "
                        "long query string too) and headers exceed the server's bound."
                    },
                )
                if "{" in path:
                    responses.setdefault(
                        "405",
                        {
                            "description": "Method Not Allowed: a path value holding an encoded "
                            "`/` names another path, which lacks this method (`Allow` lists its "
                            "methods)."
                        },
                    )
                responses.setdefault("500", {"description": "Internal Server Error"})
                responses.setdefault(
                    "503",
                    {
                        "description": "Service Unavailable: the database is away or busy; "
                        "retry after `Retry-After` seconds."
                    },
                )
                if method in ("post", "put", "patch", "delete") or path in SEARCHES:
                    responses.setdefault(
                        "429",
                        {
                            "description": "Too Many Requests: a rate limit is spent; retry after "
                            "`Retry-After` seconds (`RateLimit` says what is left)."
                        },
                    )
                if method == "get" and path not in UNCACHED_PATHS:
                    responses.setdefault(
                        "304",
                        {"description": "Not Modified: the `If-None-Match` tag is current."},
                    )
                for status, response in responses.items():
                    if status.startswith(("4", "5")):
                        response["content"] = dict(problem_content)
                    names = response_headers(path, method, status, operation)
                    if names:
                        response["headers"] = {
                            **{name: RESPONSE_HEADERS[name] for name in names},
                            **response.get("headers", {}),
                        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
