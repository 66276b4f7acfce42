"""Opaque keyset cursors: stable pages while rows are added or removed."""

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import QueryableAttribute

from app.errors import InvalidInput

T = TypeVar("T")

LimitQuery = Annotated[int, Query(ge=1, le=100, description="Items a page (1 to 100).")]
CursorQuery = Annotated[
    str | None,
    Query(max_length=1000, description="The `next_cursor` of the previous page."),
]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"dt"}:
        return datetime.fromisoformat(value["dt"])
    return value


def encode_cursor(sort: str, values: Sequence[Any]) -> str:
    """Encode the sort key of the last item of a page as an opaque cursor."""
    raw = orjson.dumps({"s": sort, "k": [_encode_value(value) for value in values]})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, width: int) -> list[Any]:
    """Decode a cursor made by :func:`encode_cursor` for the same sort, or raise 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = orjson.loads(raw)
        values = [_decode_value(value) for value in payload["k"]]
        if payload["s"] != sort or len(values) != width:
            raise ValueError("cursor made for another sort")
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError) as exc:
        raise InvalidInput(
            "The cursor is not valid for this list and sort; start again without it.",
            loc=["query", "cursor"],
        ) from exc
    return values


SortKey = tuple[ColumnElement[Any] | QueryableAttribute[Any], bool]


def after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Return the condition "comes after ``values``" for sort ``keys`` of (column, descending)."""
    clauses = []
    for index, (column, descending) in enumerate(keys):
        equal_prefix = [keys[i][0] == values[i] for i in range(index)]
        beyond = column < values[index] if descending else column > values[index]
        clauses.append(and_(*equal_prefix, beyond))
    return or_(*clauses)


def link_header(request: Request, next_cursor: str | None) -> dict[str, str]:
    """Return the ``Link: <…>; rel="next"`` header of a page, if there is a next page."""
    if next_cursor is None:
        return {}
    url = request.url.include_query_params(cursor=next_cursor)
    return {"Link": f'<{url}>; rel="next"'}
