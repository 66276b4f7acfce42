"""Slugs: short, readable, URL-safe names made from text."""

from app.folding import fold

MAX_SLUG_LENGTH = 80
# Lower-case words joined by hyphens, and never digits alone: `{claim}` and `{topic}` read a
# path of digits as an id, so an all-digit slug could not be reached.
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)+$|^[0-9]*[a-z][a-z0-9]*$"


def slugify(text: str, *, prefix: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Make a lower-case ASCII slug of ``text``, cut at a word boundary.

    A slug that would be empty or digits alone gets ``prefix`` (``claim-2024``), so that it
    can never be mistaken for an id.
    """
    slug = fold(text, separator="-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    if not slug or slug.isdigit():
        slug = f"{prefix}-{slug}".strip("-")
    return slug


def with_suffix(slug: str, number: int) -> str:
    """Return ``slug`` made distinct by a number: ``slug-2``, ``slug-3``, …"""
    suffix = f"-{number}"
    return slug[: MAX_SLUG_LENGTH - len(suffix)] + suffix
