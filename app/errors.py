"""Typed domain errors, rendered once as RFC 9457 ``application/problem+json``."""

import logging
import sqlite3
from http import HTTPStatus
from typing import Any

import asyncpg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.encoding import dumps

logger = logging.getLogger("citedb")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ValidationIssue(BaseModel):
    """One reason a request was not valid."""

    loc: list[str | int] = Field(description="Where the problem is: body, query, path, ...")
    msg: str = Field(description="What is wrong, for a person.")
    type: str | None = Field(default=None, description="A machine-readable code.")


class Problem(BaseModel):
    """An RFC 9457 problem: the body of every error response."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:citedb:problem:not-found",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "No claim 'sitting-is-the-new-smoking'.",
                }
            ]
        }
    )

    type: str = Field(description="A URI that identifies the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(default=None, description="What went wrong in this case.")
    existing: str | None = Field(
        default=None, description="On 409: the URL of the resource that already exists."
    )
    errors: list[ValidationIssue] | None = Field(
        default=None, description="On 422: each invalid part of the request."
    )
    state: str | None = Field(
        default=None,
        description="On 503 from `/readyz`: `unreachable`, `no_schema` or `schema_behind`.",
    )


class CitedbError(Exception):
    """A domain error with the HTTP status and problem type it is rendered as."""

    status: int = 500
    code: str = "internal-error"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}

    @property
    def title(self) -> str:
        """Return the standard phrase of the status."""
        return HTTPStatus(self.status).phrase


class NotFound(CitedbError):
    status = 404
    code = "not-found"


class Conflict(CitedbError):
    status = 409
    code = "conflict"

    def __init__(self, detail: str, *, existing: str | None = None) -> None:
        super().__init__(detail, existing=existing)


class PreconditionFailed(CitedbError):
    status = 412
    code = "precondition-failed"


class Unauthorized(CitedbError):
    status = 401
    code = "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers["WWW-Authenticate"] = "Bearer"


class Forbidden(CitedbError):
    status = 403
    code = "forbidden"


class InvalidInput(CitedbError):
    status = 422
    code = "invalid-input"

    def __init__(self, detail: str, *, loc: list[str | int] | None = None) -> None:
        super().__init__(detail)
        if loc is not None:
            self.extra["errors"] = [{"loc": loc, "msg": detail, "type": "value_error"}]


class PayloadTooLarge(CitedbError):
    status = 413
    code = "payload-too-large"


class NotAcceptable(CitedbError):
    status = 406
    code = "not-acceptable"


class UnsupportedMediaType(CitedbError):
    status = 415
    code = "unsupported-media-type"


# Seconds a client is told to wait before it retries a 503 (the database away or busy).
RETRY_AFTER_SECONDS = 2


class ServiceUnavailable(CitedbError):
    status = 503
    code = "service-unavailable"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)


def problem_response(
    status: int,
    *,
    code: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": f"urn:citedb:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
    body.update({key: value for key, value in extra.items() if value is not None})
    return Response(
        content=dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Document the given error statuses of an operation with the problem schema."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def _validation_loc(loc: tuple[Any, ...]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def _handle_domain_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CitedbError)
    return problem_response(
        exc.status, code=exc.code, detail=exc.detail, headers=exc.headers, **exc.extra
    )


async def _handle_validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": _validation_loc(tuple(error["loc"])), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    return problem_response(
        422, code="validation-error", detail="The request is not valid.", errors=errors
    )


async def _handle_http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
        # FastAPI's answer to a body that is not UTF-8: malformed input, so 422 like bad JSON.
        return problem_response(
            422,
            code="validation-error",
            detail="The request is not valid.",
            errors=[
                {"loc": ["body"], "msg": "The body is not UTF-8 JSON.", "type": "json_invalid"}
            ],
        )
    codes = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = "No such resource."
    return problem_response(
        exc.status_code,
        code=codes.get(exc.status_code, "http-error"),
        detail=detail,
        headers=dict(exc.headers or {}),
    )


async def _handle_integrity_error(_request: Request, exc: Exception) -> Response:
    # A race that a service's own checks could not see (two writers at once): a conflict.
    logger.info("integrity error rendered as 409: %s", exc)
    return problem_response(
        409, code="conflict", detail="The change conflicts with data stored meanwhile; retry."
    )


# Errors that say the database cannot be reached or is too busy to answer now: connection
# refused or lost, the server starting or stopping, too many connections, no pooled connection
# or lock free in time. Each is transient: the client is told to retry.
_UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # connection refused, reset or timed out (TimeoutError is an OSError)
    sqlalchemy.exc.TimeoutError,  # no pooled connection free in time
    sqlalchemy.exc.OperationalError,  # SQLite "database is locked", PostgreSQL admin shutdown
    sqlite3.OperationalError,  # the same, read on the driver itself (app.row_reads)
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.InterfaceError,  # "connection is closed"
)


def is_database_unavailable(exc: BaseException) -> bool:
    """Tell whether ``exc`` (or an error it was raised from) says the database is away or busy."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _UNAVAILABLE_ERRORS):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


def unavailable_response() -> Response:
    """Answer 503: the database cannot be reached or is too busy; retry after a moment."""
    return problem_response(
        503,
        code="database-unavailable",
        detail="The database cannot be reached or is too busy; retry later.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def unexpected_error_response(exc: BaseException) -> Response:
    """Answer an error no handler knew: 503 if the database is away, else a logged 500."""
    if is_database_unavailable(exc):
        logger.warning("database unavailable: %r", exc)
        return unavailable_response()
    logger.error("unhandled error", exc_info=exc)
    return problem_response(
        500, code="internal-error", detail="An unexpected error occurred; it has been logged."
    )


async def _handle_unexpected(_request: Request, exc: Exception) -> Response:
    return unexpected_error_response(exc)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as problem+json."""
    app.add_exception_handler(CitedbError, _handle_domain_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_error)
    app.add_exception_handler(IntegrityError, _handle_integrity_error)
    # Any other error is rendered by the UnexpectedErrors middleware, which (unlike
    # Starlette's outermost handler) does not re-raise it, so the connection stays usable.
    app.add_exception_handler(DBAPIError, _handle_unexpected)
