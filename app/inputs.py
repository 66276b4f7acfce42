"""Text and values checked where they enter, whatever the endpoint: one check for every route.

PostgreSQL cannot store a NUL character, and no database can store a lone UTF-16 surrogate
(JSON allows ``"\\ud800"``), so both are refused at the edge with a 422 naming the field, on
both databases alike, instead of failing deep in a driver.
"""

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import AfterValidator

# A NUL or a surrogate code point: neither is text a database can store.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The JSON escapes that can produce one; a body without them needs no walk.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")

Loc = tuple[str | int, ...]


def unstorable_reason(text: str) -> str | None:
    """Say why ``text`` cannot be stored (a NUL or a lone surrogate), or None if it can."""
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return f"The text holds a NUL character (U+0000) at position {match.start()}."
    return (
        f"The text holds a lone UTF-16 surrogate (U+{ord(match.group()):04X}) at position "
        f"{match.start()}: it is not a character."
    )


def unstorable_text(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Yield ``(loc, reason)`` for each string in ``value`` (keys too) that cannot be stored."""
    if isinstance(value, str):
        reason = unstorable_reason(value)
        if reason is not None:
            yield loc, reason
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and (reason := unstorable_reason(key)) is not None:
                yield (*loc, key), f"The field name is not storable text. {reason}"
            yield from unstorable_text(item, (*loc, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from unstorable_text(item, (*loc, index))


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def check_request_text(request: Request) -> None:
    """Refuse (422) path parameters, query parameters and JSON bodies with unstorable text."""
    problems: list[tuple[Loc, str]] = []
    for name, value in request.path_params.items():
        problems.extend(unstorable_text(value, ("path", name)))
    for name, value in request.query_params.multi_items():
        problems.extend(unstorable_text(value, ("query", name)))
    route = request.scope.get("route")
    # FastAPI has already parsed a JSON body into the route's body field: read it again from
    # the request's cache, and walk it only when its bytes hold an escape that can be unstorable.
    if (
        isinstance(route, APIRoute)
        and route.body_field is not None
        and _is_json(request.headers.get("content-type"))
        and _UNSTORABLE_ESCAPE.search(await request.body())
    ):
        problems.extend(unstorable_text(await request.json(), ("body",)))
    if problems:
        raise RequestValidationError(
            [{"loc": loc, "msg": reason, "type": "string_unstorable"} for loc, reason in problems]
        )


RequestTextChecked = Depends(check_request_text)


def _in_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC (naive means UTC); refuse an instant no database can hold."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("The time is outside the years 1 to 9999 once converted to UTC.") from exc


Instant = Annotated[datetime, AfterValidator(_in_utc)]
"""A point in time from a request, in UTC; 422 when it falls outside the years 1 to 9999."""
