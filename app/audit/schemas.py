"""Audit log schemas."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditRead(BaseModel):
    """One write: who made it, when, and the entity before and after."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    who: str = Field(description="The name of the API key that made the write.")
    when: datetime = Field(validation_alias="occurred_at")
    action: str = Field(description="create, update, delete, restore, revoke, import, ...")
    entity: str = Field(description="claim, study, evidence, verdict, topic, api_key, ...")
    entity_id: int | None
    before: Any | None = Field(description="The entity's representation before the write.")
    after: Any | None = Field(description="The entity's representation after the write.")
