"""Webhook subscriptions, their deliveries and every attempt at one."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, JSONDocument, utcnow


class Webhook(Base):
    """A URL that receives signed POSTs for the events it subscribed to."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list[str]] = mapped_column(JSONDocument)
    description: Mapped[str | None] = mapped_column(sa.String(1000))
    # The signing key, base64; it must be kept to sign, and is shown to the admin only once.
    secret: Mapped[str] = mapped_column(sa.String(100))
    # The feed's newest seq when the subscription was made: only later changes are sent.
    after_seq: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class WebhookDelivery(Base):
    """One event for one subscription: a message with a fixed id, tried until a 2xx or the limit."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhooks.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(sa.String(100))
    event: Mapped[str] = mapped_column(sa.String(32))
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    # Attempts made before the last redelivery: the backoff and the limit count from there.
    attempts_before_round: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_status_code: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        sa.UniqueConstraint("webhook_id", "seq", "event"),
        sa.Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name="status_vocabulary"
        ),
        {"sqlite_autoincrement": True},
    )


class WebhookAttempt(Base):
    """One POST of a delivery: when, the answer's status (or the error), and the next retry."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column()
    status_code: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(sa.String(500))
    duration_ms: Mapped[int] = mapped_column()
    retry_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        sa.Index("ix_webhook_attempts_delivery_id", "delivery_id"),
        {"sqlite_autoincrement": True},
    )


class WebhookCursor(Base):
    """A single row: the last change of the feed turned into deliveries."""

    __tablename__ = "webhook_cursor"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    dispatched_through: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)
