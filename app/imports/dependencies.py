"""Dependencies of the import endpoint: the body's format and its text."""

from typing import Annotated

from fastapi import Depends, Query, Request

from app.bibliography import ImportFormat, detect_format
from app.config import Settings
from app.errors import InvalidInput, UnsupportedMediaType


class UnknownImportMediaType(UnsupportedMediaType):
    """The body's media type does not name a bibliographic format, and no format was given."""


async def import_format(
    request: Request,
    fmt: Annotated[
        ImportFormat | None,
        Query(
            alias="format",
            description="The body's format; without it, the `Content-Type` decides "
            "(`application/x-bibtex`, `application/x-research-info-systems`, "
            "`application/vnd.citationstyles.csl+json`, `application/nbib`).",
        ),
    ] = None,
) -> ImportFormat:
    """Return the format of the body: the `format` parameter, else the media type; 415."""
    if fmt is not None:
        return fmt
    try:
        return detect_format(request.headers.get("content-type"), None)
    except ValueError as exc:
        reason = str(exc)
        raise UnknownImportMediaType(f"{reason[:1].upper()}{reason[1:]}.") from exc


async def import_text(request: Request) -> str:
    """Return the request body as text; 422 when it is not UTF-8."""
    body = await request.body()
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"The body is not UTF-8 (invalid byte at offset {exc.start}): "
            "export the file as UTF-8 and send it again.",
            loc=["body"],
        ) from exc


async def import_max_records(request: Request) -> int:
    """Return the most records one import may hold (``CITEDB_IMPORT_MAX_RECORDS``)."""
    settings: Settings = request.app.state.settings
    return settings.import_max_records


async def import_batch_records(request: Request) -> int:
    """Return the records an import commits at a time (``CITEDB_IMPORT_BATCH_RECORDS``)."""
    settings: Settings = request.app.state.settings
    return settings.import_batch_records


ImportFormatDep = Annotated[ImportFormat, Depends(import_format)]
ImportTextDep = Annotated[str, Depends(import_text)]
ImportMaxRecordsDep = Annotated[int, Depends(import_max_records)]
ImportBatchRecordsDep = Annotated[int, Depends(import_batch_records)]
