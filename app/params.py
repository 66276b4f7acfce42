"""Path parameters shared by the routers."""

from typing import Annotated

from fastapi import Path

MAX_ID = 2**31 - 1

KeyIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The API key's id.")]
StudyIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The study's numeric id.")]
EvidenceIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The evidence link's id.")]
TopicPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="The topic's numeric id or its slug.",
        examples=["glute-function"],
    ),
]
ClaimPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="The claim's numeric id or its slug (an earlier slug still works).",
        examples=["prolonged-sitting-switches-your-glutes-off"],
    ),
]


def as_id(value: str) -> int | None:
    """Return ``value`` as a row id if it is one, else None (it is then a slug)."""
    if value.isascii() and value.isdigit():
        number = int(value)
        return number if 1 <= number <= MAX_ID else 0
    return None


VerdictIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The verdict's id.")]
SourceIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The source's numeric id.")]
