"""Every ORM model, re-exported so that Alembic sees the whole schema."""

from app.models.api_keys import ApiKey
from app.models.audit import AuditEntry
from app.models.base import Base
from app.models.changes import Change, ChangeCounter
from app.models.claims import Claim, ClaimAlias, ClaimSlug
from app.models.embeddings import ClaimEmbedding
from app.models.evidence import Evidence
from app.models.generation import ContentGeneration
from app.models.review import ReviewReason
from app.models.sources import Source, SourceAppearance, SourceCitation
from app.models.studies import Study, StudyAuthor
from app.models.topics import Topic, claim_topics
from app.models.verdicts import Verdict
from app.models.webhooks import Webhook, WebhookAttempt, WebhookCursor, WebhookDelivery

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "Change",
    "ChangeCounter",
    "Claim",
    "ClaimAlias",
    "ClaimEmbedding",
    "ClaimSlug",
    "ContentGeneration",
    "Evidence",
    "ReviewReason",
    "Source",
    "SourceAppearance",
    "SourceCitation",
    "Study",
    "StudyAuthor",
    "Topic",
    "Verdict",
    "Webhook",
    "WebhookAttempt",
    "WebhookCursor",
    "WebhookDelivery",
    "claim_topics",
]
