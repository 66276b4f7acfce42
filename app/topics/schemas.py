"""Topic schemas."""

from pydantic import BaseModel, ConfigDict, Field

from app.slugs import SLUG_PATTERN


class TopicCreate(BaseModel):
    """A topic to create; the slug is made from the name when not given."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Glute function",
                    "slug": "glute-function",
                    "description": "How the gluteal muscles work, and claims that they stop.",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(default=None, min_length=1, max_length=80, pattern=SLUG_PATTERN)
    description: str | None = Field(default=None, max_length=5000)


class TopicUpdate(BaseModel):
    """Changes to a topic: only the fields sent are changed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"description": "Updated description."}]}
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    slug: str | None = Field(default=None, min_length=1, max_length=80, pattern=SLUG_PATTERN)
    description: str | None = Field(default=None, max_length=5000)


class TopicRead(BaseModel):
    """A topic, with how many (undeleted) claims it tags."""

    id: int
    slug: str
    name: str
    description: str | None
    claim_count: int


class TopicClaim(BaseModel):
    """A claim as listed under its topic."""

    id: int
    slug: str
    statement: str


class TopicDetail(TopicRead):
    """A topic with its claims (the first 100 by statement; `claims_url` pages through all)."""

    claims: list[TopicClaim]
    claims_url: str = Field(description="The claims list filtered by this topic, paged.")
