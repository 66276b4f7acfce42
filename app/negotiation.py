"""Content negotiation: the ``Accept`` header with its q-values (RFC 9110, section 12.5.1)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class MediaRange:
    """One element of ``Accept``: ``type/subtype``, its parameters and its weight."""

    type: str
    subtype: str
    params: dict[str, str]
    q: float
    position: int

    @property
    def specificity(self) -> int:
        """Rank ranges: ``*/*`` < ``text/*`` < ``text/plain`` < ``text/plain;style=x``."""
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 2 + len(self.params)


@dataclass(frozen=True)
class Offer(Generic[T]):
    """A representation the server can send: its media type, the parameters that tell it
    apart from others of the same type (such as ``style=apa``), and what it stands for."""

    media_type: str
    value: T
    params: dict[str, str] = field(default_factory=dict)


def _weight(text: str) -> float:
    try:
        q = float(text)
    except ValueError:
        return 0.0
    return q if 0.0 <= q <= 1.0 else 0.0


def parse_accept(header: str) -> list[MediaRange]:
    """Read ``Accept`` into media ranges; elements that are not ``type/subtype`` are ignored."""
    ranges = []
    for position, element in enumerate(header.split(",")):
        name, *parameters = element.split(";")
        kind, slash, subtype = name.strip().lower().partition("/")
        if not slash or not kind or not subtype:
            continue
        params: dict[str, str] = {}
        q = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "q":
                q = _weight(value)
            elif key:
                params[key] = value.lower()
        ranges.append(MediaRange(kind, subtype, params, q, position))
    return ranges


def _matches(media_range: MediaRange, offer: Offer[T]) -> bool:
    kind, _, subtype = offer.media_type.partition("/")
    if media_range.type not in ("*", kind):
        return False
    if media_range.subtype not in ("*", subtype):
        return False
    # A parameter the offer distinguishes by (style) must agree; others (charset) are ignored.
    return all(media_range.params.get(key, value) == value for key, value in offer.params.items())


def negotiate(header: str | None, offers: Sequence[Offer[T]]) -> Offer[T] | None:
    """Return the offer the client prefers, or None when it accepts none of them.

    Each offer takes the weight of the most specific range that matches it; ``q=0`` means
    "never", even when a wildcard would match. Among equal weights the range named first in
    the header wins, then the first offer. No header accepts the first offer.
    """
    if not header or not header.strip():
        return offers[0] if offers else None
    ranges = parse_accept(header)
    best: tuple[float, int, int] | None = None
    chosen: Offer[T] | None = None
    for index, offer in enumerate(offers):
        matching = [r for r in ranges if _matches(r, offer)]
        if not matching:
            continue
        top = max(r.specificity for r in matching)
        decisive = [r for r in matching if r.specificity == top]
        q = min(r.q for r in decisive)
        if q <= 0:
            continue
        position = min(r.position for r in decisive)
        rank = (q, -position, -index)
        if best is None or rank > best:
            best, chosen = rank, offer
    return chosen
