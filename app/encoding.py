"""JSON encoding of response bodies."""

from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    """Encode ``value`` as compact UTF-8 JSON."""
    return orjson.dumps(value)
