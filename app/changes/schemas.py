"""Change feed schemas."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ChangeEntity(StrEnum):
    """The kinds of content the feed reports."""

    claim = "claim"
    study = "study"
    evidence = "evidence"
    verdict = "verdict"
    topic = "topic"
    source = "source"


class ChangeAction(StrEnum):
    """What happened to the entity."""

    created = "created"
    updated = "updated"
    deleted = "deleted"
    restored = "restored"


class ChangeRead(BaseModel):
    """One change to one entity."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "seq": 42,
                    "at": "2026-11-28T09:30:00.123456Z",
                    "entity": "claim",
                    "entity_id": 7,
                    "action": "updated",
                    "version": 3,
                }
            ]
        },
    )

    seq: int = Field(description="The change's place in commit order; only grows.")
    at: datetime = Field(description="When the change was committed.")
    entity: ChangeEntity
    entity_id: int
    action: ChangeAction = Field(description="`deleted` is a tombstone: the entity is gone.")
    version: int | None = Field(
        description="The entity's version after the change, for entities that have one."
    )


class ChangePage(BaseModel):
    """One page of the feed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "seq": 42,
                            "at": "2026-11-28T09:30:00.123456Z",
                            "entity": "claim",
                            "entity_id": 7,
                            "action": "updated",
                            "version": 3,
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[ChangeRead]
    next_cursor: str | None = Field(
        description="The last `seq` of a full page, to pass as `after` for the next page; "
        "null when the page reached the newest change (poll again with `after` set to the last "
        "`seq` you saw)."
    )
