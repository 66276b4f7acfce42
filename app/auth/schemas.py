"""API key schemas."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.vocabularies import Role


class ApiKeyCreate(BaseModel):
    """A key to create."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "curator-ana", "role": "editor"}]}
    )

    name: str = Field(min_length=1, max_length=200, description="Who uses the key.")
    role: Role = Field(description="`editor` curates content; `admin` also manages keys.")


class ApiKeyRead(BaseModel):
    """A key as listed: never its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: Role
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    """A key just created, with its secret: shown this once and never again."""

    secret: str = Field(description="The bearer key. Store it now: it cannot be shown again.")
