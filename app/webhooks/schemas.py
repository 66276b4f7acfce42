"""Webhook schemas."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class WebhookEvent(StrEnum):
    """The events a subscription can ask for."""

    claim_created = "claim.created"
    claim_updated = "claim.updated"
    claim_deleted = "claim.deleted"
    claim_restored = "claim.restored"
    claim_needs_review = "claim.needs_review"
    verdict_created = "verdict.created"
    evidence_created = "evidence.created"
    evidence_updated = "evidence.updated"
    evidence_deleted = "evidence.deleted"
    study_created = "study.created"
    study_updated = "study.updated"
    study_deleted = "study.deleted"
    study_retracted = "study.retracted"


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


EXAMPLE_WEBHOOK: dict[str, Any] = {
    "id": 1,
    "url": "https://factcheck.example.org/hooks/citedb",
    "events": ["verdict.created", "claim.updated"],
    "description": "Refresh our verdict boxes.",
    "created_at": "2026-11-28T09:30:00.123456Z",
}


class WebhookCreate(BaseModel):
    """A subscription to make."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": EXAMPLE_WEBHOOK["url"],
                    "events": EXAMPLE_WEBHOOK["events"],
                    "description": EXAMPLE_WEBHOOK["description"],
                }
            ]
        },
    )

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="An http(s) URL that answers a POST with a 2xx. Addresses that are "
        "loopback, private or link-local are refused.",
    )
    events: list[WebhookEvent] = Field(
        min_length=1, max_length=len(WebhookEvent), description="The events to receive."
    )
    description: str | None = Field(default=None, max_length=1000)


class WebhookRead(BaseModel):
    """A subscription as listed: never its secret."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [EXAMPLE_WEBHOOK]}
    )

    id: int
    url: str
    events: list[WebhookEvent]
    description: str | None
    created_at: datetime


class WebhookCreated(WebhookRead):
    """A subscription just made, with its signing secret: shown this once."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**EXAMPLE_WEBHOOK, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]
        }
    )

    secret: str = Field(
        description="The Standard Webhooks signing secret (`whsec_` and base64). Store it now: "
        "it is not shown again."
    )


class AttemptRead(BaseModel):
    """One POST of a delivery."""

    model_config = ConfigDict(from_attributes=True)

    attempted_at: datetime
    status_code: int | None = Field(description="The receiver's answer; null if none came.")
    error: str | None = Field(description="Why no 2xx came: timeout, refused address, ...")
    duration_ms: int
    retry_at: datetime | None = Field(description="When the next attempt was scheduled.")


class DeliveryRead(BaseModel):
    """One event sent (or to send) to one subscription, with every attempt."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "message_id": "msg_42_verdict_created",
                    "event": "verdict.created",
                    "seq": 42,
                    "status": "delivered",
                    "attempt_count": 2,
                    "attempts": [
                        {
                            "attempted_at": "2026-11-28T09:30:01.2Z",
                            "status_code": 500,
                            "error": None,
                            "duration_ms": 35,
                            "retry_at": "2026-11-28T09:30:33.9Z",
                        },
                        {
                            "attempted_at": "2026-11-28T09:30:34.0Z",
                            "status_code": 200,
                            "error": None,
                            "duration_ms": 21,
                            "retry_at": None,
                        },
                    ],
                    "next_attempt_at": None,
                    "created_at": "2026-11-28T09:30:00.5Z",
                    "delivered_at": "2026-11-28T09:30:34.0Z",
                }
            ]
        },
    )

    id: int
    message_id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    event: WebhookEvent
    seq: int = Field(description="The change of the feed this event comes from.")
    status: DeliveryStatus
    attempt_count: int
    attempts: list[AttemptRead] = Field(description="Every attempt, oldest first.")
    next_attempt_at: datetime | None = Field(description="The next retry, while pending.")
    created_at: datetime
    delivered_at: datetime | None
