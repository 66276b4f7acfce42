"""Keyset paging: one helper that sorts a statement, pages it and builds and checks cursors.

A cursor is the sort key of the last item of a page, encoded opaquely. Decoding checks it
fully against the sort it is used with (its name, the number of keys and each value's type
and range), so a forged or damaged cursor is a 422 like any other bad input, never a query
that fails in the database.
"""

import base64
import binascii
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Row, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from app.errors import InvalidInput
from app.http_cache import model_response

T = TypeVar("T")

LimitQuery = Annotated[int, Query(ge=1, le=100, description="Items a page (1 to 100).")]
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=1000,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="The `next_cursor` of the previous page: an opaque string (URL-safe "
        "base64) to pass back as it is; a cursor not made by this list is 422.",
    ),
]


class PageRequest(BaseModel):
    """The page a list is asked for: its size, and the cursor of the page before it."""

    model_config = ConfigDict(frozen=True)

    limit: LimitQuery = 20
    cursor: CursorQuery = None


# The query parameters of every list, read as one model so that they stay in the position of
# the route's signature: in its OpenAPI parameters and in the order of its 422 errors (a
# dependency's parameters would be validated, and reported, before the route's own).
PageParams = Annotated[PageRequest, Query()]
FIRST_PAGE = PageRequest()

# Integers a cursor may carry: what every integer column of the schema holds (PostgreSQL
# refuses to compare an INTEGER column with anything beyond it).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
MAX_TEXT = 2000


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


@dataclass(frozen=True, slots=True)
class SortKey:
    """One column of a sort: the expression, its direction and the type of its values."""

    column: ColumnElement[Any] | QueryableAttribute[Any]
    descending: bool = False
    kind: type = int  # int, float, str or datetime


@dataclass(frozen=True, slots=True)
class Sort:
    """A named sort order; its name is written into its cursors."""

    name: str
    keys: tuple[SortKey, ...]

    def order_by(self) -> list[ColumnElement[Any]]:
        """Return the ORDER BY clauses of the sort."""
        return [key.column.desc() if key.descending else key.column.asc() for key in self.keys]


class InvalidCursor(InvalidInput):
    """The cursor was not made by this list for this sort."""

    def __init__(self) -> None:
        super().__init__(
            "The cursor is not valid for this list and sort; start again without it.",
            loc=["query", "cursor"],
        )


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _decode_value(value: Any, kind: type) -> Any:
    """Return a cursor value as ``kind``; raise ValueError if it is not one, or out of range."""
    if kind is datetime:
        if not (isinstance(value, dict) and set(value) == {"dt"} and isinstance(value["dt"], str)):
            raise ValueError("not a timestamp")
        moment = datetime.fromisoformat(value["dt"])
        if moment.tzinfo is None:
            raise ValueError("a timestamp without a time zone")
        return moment
    if kind is int:
        if type(value) is not int or not INT_MIN <= value <= INT_MAX:
            raise ValueError("not an integer in range")
        return value
    if kind is float:
        if type(value) not in (int, float) or not math.isfinite(value):
            raise ValueError("not a finite number")
        return float(value)
    if kind is str:
        if not isinstance(value, str) or len(value) > MAX_TEXT or "\x00" in value:
            raise ValueError("not a text")
        return value
    raise ValueError(f"no cursor values of type {kind.__name__}")


def encode_cursor(sort: Sort, values: Sequence[Any]) -> str:
    """Encode the sort key of the last item of a page as an opaque cursor."""
    raw = orjson.dumps({"s": sort.name, "k": [_encode_value(value) for value in values]})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> list[Any]:
    """Decode a cursor made by :func:`encode_cursor` for the same sort, or raise 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = orjson.loads(raw)
        if not isinstance(payload, dict) or payload.get("s") != sort.name:
            raise ValueError("cursor made for another sort")
        values = payload["k"]
        if not isinstance(values, list) or len(values) != len(sort.keys):
            raise ValueError("cursor made for another sort")
        return [
            _decode_value(value, key.kind) for value, key in zip(values, sort.keys, strict=True)
        ]
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError) as exc:
        raise InvalidCursor from exc


def after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Return the condition "comes after ``values``" in the order of ``keys``."""
    clauses = []
    for index, key in enumerate(keys):
        equal_prefix = [keys[i].column == values[i] for i in range(index)]
        beyond = key.column < values[index] if key.descending else key.column > values[index]
        clauses.append(and_(*equal_prefix, beyond))
    return or_(*clauses)


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    sort: Sort,
    page: PageRequest,
) -> tuple[list[Row[Any]], str | None]:
    """Run ``page`` of ``statement`` in ``sort`` order; return its rows and the next page's
    cursor (None on the last page).

    The sort key columns are selected after the statement's own columns, and the next cursor
    is made from them, so callers never compute sort values themselves.
    """
    width = len(sort.keys)
    if page.cursor:
        statement = statement.where(after(sort.keys, decode_cursor(page.cursor, sort)))
    statement = (
        statement.add_columns(
            *[key.column.label(f"sort_key_{index}") for index, key in enumerate(sort.keys)]
        )
        .order_by(*sort.order_by())
        .limit(page.limit + 1)
    )
    rows = list((await session.execute(statement)).all())
    next_cursor = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        next_cursor = encode_cursor(sort, list(rows[-1][-width:]))
    return rows, next_cursor


def page_of(rows: list[T], *, sort: Sort, limit: int, key: Any) -> tuple[list[T], str | None]:
    """Cut ``limit + 1`` rows read in ``sort`` order to a page and its next cursor.

    For pages read as plain rows (:mod:`app.row_reads`); ``key(row)`` returns the row's sort
    key values, which the cursor carries as :func:`paginate` makes them.
    """
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(sort, list(key(rows[-1])))


def link_header(
    request: Request, next_cursor: str | None, *, param: str = "cursor"
) -> dict[str, str]:
    """Return the ``Link: <…>; rel="next"`` header of a page, if there is a next page.

    The next page's URL is this one with ``param`` (the change feed's is ``after``) set to
    ``next_cursor``.
    """
    if next_cursor is None:
        return {}
    url = request.url.include_query_params(**{param: next_cursor})
    return {"Link": f'<{url}>; rel="next"'}


def page_response(request: Request, page: Page[Any], *, public: bool = True) -> Response:
    """Answer a page of a list conditionally, with the ``Link`` header of its next page."""
    return model_response(
        request, page, public=public, headers=link_header(request, page.next_cursor)
    )
