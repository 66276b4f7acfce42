"""Webhook subscriptions, and deliveries made from the change feed.

The feed is the outbox: ``dispatch`` turns the changes after the ``webhook_cursor`` into one
delivery per subscribed URL and event, and moves the cursor, in one transaction. Workers then
``take`` due deliveries (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so each is taken by one),
leasing them by pushing ``next_attempt_at`` past the time a POST may take; a worker killed
mid-delivery leaves the lease to run out, and the delivery is taken again with the same
``webhook-id``. ``record_attempt`` stores the answer and schedules the retry.
"""

import base64
import builtins
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.auth.actor import Actor
from app.changes import service as changes_service
from app.config import Settings
from app.errors import NotFound
from app.models import (
    AuditEntry,
    Change,
    ChangeCounter,
    Verdict,
    Webhook,
    WebhookAttempt,
    WebhookCursor,
    WebhookDelivery,
)
from app.models.base import utcnow
from app.pagination import Page, PageRequest, Sort, SortKey, paginate
from app.webhooks.schemas import (
    AttemptRead,
    DeliveryRead,
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)
from app.webhooks.targets import check_target

# The feed's (entity, action) pairs that are webhook events; study.retracted and
# claim.needs_review are derived.
EVENTS = {
    ("claim", "created"): "claim.created",
    ("claim", "updated"): "claim.updated",
    ("claim", "deleted"): "claim.deleted",
    ("claim", "restored"): "claim.restored",
    ("verdict", "created"): "verdict.created",
    ("evidence", "created"): "evidence.created",
    ("evidence", "updated"): "evidence.updated",
    ("evidence", "deleted"): "evidence.deleted",
    ("study", "created"): "study.created",
    ("study", "updated"): "study.updated",
    ("study", "deleted"): "study.deleted",
}


class WebhookNotFound(NotFound):
    """No webhook with that id."""


class DeliveryNotFound(NotFound):
    """No delivery with that id for that webhook."""


def new_secret() -> str:
    """Return a Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def format_time(value: datetime) -> str:
    """Return an RFC 3339 UTC timestamp with a ``Z``."""
    return value.isoformat().replace("+00:00", "Z")


# Subscriptions.


async def create(
    session: AsyncSession, *, data: WebhookCreate, actor: Actor, settings: Settings
) -> WebhookCreated:
    """Subscribe a URL to events from now on; return it with its secret (shown once)."""
    await check_target(data.url, allow_private=settings.webhook_allow_private_targets)
    last_seq = (
        await session.execute(select(ChangeCounter.last_seq).where(ChangeCounter.id == 1))
    ).scalar_one()
    webhook = Webhook(
        url=data.url,
        events=sorted({event.value for event in data.events}),
        description=data.description,
        secret=new_secret(),
        after_seq=last_seq,
    )
    session.add(webhook)
    await session.flush()
    read = WebhookRead.model_validate(webhook)
    await audit_service.created(session, actor=actor, entity="webhook", after=read)
    return WebhookCreated(**read.model_dump(), secret=webhook.secret)


async def get(session: AsyncSession, *, webhook_id: int) -> WebhookRead:
    """Return one subscription, or 404."""
    webhook = await session.get(Webhook, webhook_id)
    if webhook is None:
        raise WebhookNotFound(f"No webhook {webhook_id}.")
    return WebhookRead.model_validate(webhook)


OLDEST_FIRST = Sort("id", (SortKey(Webhook.id),))
NEWEST_DELIVERY_FIRST = Sort("-id", (SortKey(WebhookDelivery.id, descending=True),))


async def list(session: AsyncSession, page: PageRequest) -> Page[WebhookRead]:
    """Return a page of subscriptions, oldest first."""
    rows, next_cursor = await paginate(session, select(Webhook), sort=OLDEST_FIRST, page=page)
    items = [WebhookRead.model_validate(row[0]) for row in rows]
    return Page[WebhookRead](items=items, next_cursor=next_cursor)


async def delete(session: AsyncSession, *, webhook_id: int, actor: Actor) -> None:
    """Remove a subscription with its deliveries; nothing more is sent to it."""
    before = await get(session, webhook_id=webhook_id)
    await session.execute(sa.delete(Webhook).where(Webhook.id == webhook_id))
    await audit_service.record(
        session,
        actor=actor,
        action="delete",
        entity="webhook",
        entity_id=webhook_id,
        before=before,
        after=None,
    )


# Delivery log.


def _delivery_read(delivery: WebhookDelivery, attempts: builtins.list[AttemptRead]) -> DeliveryRead:
    return DeliveryRead(
        id=delivery.id,
        message_id=delivery.message_id,
        event=delivery.event,
        seq=delivery.seq,
        status=DeliveryStatus(delivery.status),
        attempt_count=delivery.attempts,
        attempts=attempts,
        next_attempt_at=delivery.next_attempt_at
        if delivery.status == DeliveryStatus.pending
        else None,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
    )


async def _attempts_of(
    session: AsyncSession, delivery_ids: Sequence[int]
) -> dict[int, builtins.list[AttemptRead]]:
    attempts: dict[int, builtins.list[AttemptRead]] = {
        delivery_id: [] for delivery_id in delivery_ids
    }
    if not delivery_ids:
        return attempts
    rows = await session.execute(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.id)
    )
    for attempt in rows.scalars():
        attempts[attempt.delivery_id].append(AttemptRead.model_validate(attempt))
    return attempts


async def list_deliveries(
    session: AsyncSession, page: PageRequest, *, webhook_id: int
) -> Page[DeliveryRead]:
    """Return a page of a subscription's deliveries, newest first, with their attempts."""
    await get(session, webhook_id=webhook_id)
    rows, next_cursor = await paginate(
        session,
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id),
        sort=NEWEST_DELIVERY_FIRST,
        page=page,
    )
    deliveries = [row[0] for row in rows]
    attempts = await _attempts_of(session, [row.id for row in deliveries])
    items = [_delivery_read(row, attempts[row.id]) for row in deliveries]
    return Page[DeliveryRead](items=items, next_cursor=next_cursor)


async def redeliver(session: AsyncSession, *, webhook_id: int, delivery_id: int) -> DeliveryRead:
    """Send a delivery again now, with the same ``webhook-id``, and a fresh round of retries."""
    delivery = (
        await session.execute(
            select(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == webhook_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if delivery is None:
        await get(session, webhook_id=webhook_id)
        raise DeliveryNotFound(f"Webhook {webhook_id} has no delivery {delivery_id}.")
    delivery.status = DeliveryStatus.pending
    delivery.attempts_before_round = delivery.attempts
    delivery.next_attempt_at = utcnow()
    await session.flush()
    attempts = await _attempts_of(session, [delivery.id])
    return _delivery_read(delivery, attempts[delivery.id])


# Fan-out from the feed.


def events_of(
    entity: str,
    action: str,
    before: Any,
    after: Any,
    review_reasons: builtins.list[str] | None = None,
) -> builtins.list[str]:
    """Return the webhook events of one change of the feed.

    A claim change that newly set review reasons (a link changed under a verdict, a cited study
    retracted, the assessment moved away from the verdict) is also ``claim.needs_review``; a
    claim that needs review only for lacking a verdict is announced by ``claim.created``.
    """
    event = EVENTS.get((entity, action))
    events = [event] if event else []
    if (
        entity == "study"
        and action == "updated"
        and isinstance(after, dict)
        and after.get("retracted")
        and not (isinstance(before, dict) and before.get("retracted"))
    ):
        events.append("study.retracted")
    if entity == "claim" and review_reasons:
        events.append("claim.needs_review")
    return events


async def dispatch(session: AsyncSession, *, batch_size: int = 500) -> int:
    """Turn the next changes of the feed into deliveries; return how many changes were read.

    Only one worker at a time moves the cursor: the others skip the locked row.
    """
    through = (
        await session.execute(
            select(WebhookCursor.dispatched_through)
            .where(WebhookCursor.id == 1)
            .with_for_update(skip_locked=True)
        )
    ).scalar_one_or_none()
    if through is None:
        return 0
    changes = (
        await session.execute(
            changes_service.following(
                through,
                limit=batch_size,
                extra=(AuditEntry.before, AuditEntry.after, Change.review_reasons),
            ).outerjoin(AuditEntry, AuditEntry.id == Change.audit_id)
        )
    ).all()
    if not changes:
        return 0
    hooks = (await session.execute(select(Webhook.id, Webhook.events, Webhook.after_seq))).all()
    verdict_ids = [change.entity_id for change in changes if change.entity == "verdict"]
    claim_of_verdict: dict[int, int] = {}
    if hooks and verdict_ids:
        claim_of_verdict = {
            row.id: row.claim_id
            for row in await session.execute(
                select(Verdict.id, Verdict.claim_id).where(Verdict.id.in_(verdict_ids))
            )
        }
    deliveries: builtins.list[dict[str, Any]] = []
    now = utcnow()
    for change in changes:
        listeners = [hook for hook in hooks if change.seq > hook.after_seq]
        if not listeners:
            continue
        events = events_of(
            change.entity, change.action, change.before, change.after, change.review_reasons
        )
        for event in events:
            data: dict[str, Any] = {
                "seq": change.seq,
                "entity": change.entity,
                "id": change.entity_id,
                "action": change.action,
                "version": change.version,
            }
            if change.entity == "verdict":
                data["claim_id"] = claim_of_verdict.get(change.entity_id)
            data["object"] = change.before if change.action == "deleted" else change.after
            if event == "claim.needs_review":
                data["reasons"] = change.review_reasons
            body = orjson.dumps(
                {"type": event, "timestamp": format_time(change.at), "data": data}
            ).decode()
            for hook in listeners:
                if event in hook.events:
                    deliveries.append(
                        {
                            "webhook_id": hook.id,
                            "message_id": f"msg_{change.seq}_{event.replace('.', '_')}",
                            "event": event,
                            "seq": change.seq,
                            "body": body,
                            "status": DeliveryStatus.pending.value,
                            "attempts": 0,
                            "attempts_before_round": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                        }
                    )
    if deliveries:
        await session.execute(sa.insert(WebhookDelivery), deliveries)
    await session.execute(
        sa.update(WebhookCursor)
        .where(WebhookCursor.id == 1)
        .values(dispatched_through=changes[-1].seq)
    )
    return len(changes)


async def dispatched_through(session: AsyncSession) -> int:
    """Return the last seq of the feed already turned into deliveries."""
    value: int = (
        await session.execute(select(WebhookCursor.dispatched_through).where(WebhookCursor.id == 1))
    ).scalar_one()
    return value


# Sending.


@dataclass(frozen=True)
class Taken:
    """A delivery a worker has leased, with what it needs to send it."""

    id: int
    message_id: str
    body: str
    url: str
    secret: str


async def take(session: AsyncSession, *, limit: int, lease: timedelta) -> builtins.list[Taken]:
    """Lease up to ``limit`` due deliveries to this worker; others skip them."""
    now = utcnow()
    rows = (
        await session.execute(
            select(
                WebhookDelivery.id,
                WebhookDelivery.message_id,
                WebhookDelivery.body,
                Webhook.url,
                Webhook.secret,
            )
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(
                WebhookDelivery.status == DeliveryStatus.pending.value,
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        )
    ).all()
    if rows:
        await session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id.in_([row.id for row in rows]))
            .values(next_attempt_at=now + lease)
        )
    return [Taken(row.id, row.message_id, row.body, row.url, row.secret) for row in rows]


def retry_delay(round_attempts: int, settings: Settings) -> timedelta:
    """Return the wait after the ``round_attempts``-th failed attempt: doubling, with jitter.

    The jitter (a random quarter either way) keeps retries of many deliveries apart; it is
    small enough that each wait is still longer than the one before.
    """
    seconds = min(
        settings.webhook_retry_max, settings.webhook_retry_base * 2 ** (round_attempts - 1)
    )
    return timedelta(seconds=seconds * random.uniform(0.75, 1.25))


async def record_attempt(
    session: AsyncSession,
    *,
    delivery_id: int,
    attempted_at: datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    settings: Settings,
) -> DeliveryStatus | None:
    """Store one attempt's outcome and schedule the next; None if the delivery is gone."""
    delivery = (
        await session.execute(
            select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
        )
    ).scalar_one_or_none()
    if delivery is None:
        return None
    delivery.attempts += 1
    delivery.last_status_code = status_code
    retry_at: datetime | None = None
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = DeliveryStatus.delivered
        delivery.delivered_at = utcnow()
    elif delivery.attempts - delivery.attempts_before_round >= settings.webhook_max_attempts:
        delivery.status = DeliveryStatus.failed
    else:
        delivery.status = DeliveryStatus.pending
        retry_at = attempted_at + retry_delay(
            delivery.attempts - delivery.attempts_before_round, settings
        )
    delivery.next_attempt_at = retry_at
    session.add(
        WebhookAttempt(
            delivery_id=delivery_id,
            attempted_at=attempted_at,
            status_code=status_code,
            error=error[:500] if error else None,
            duration_ms=duration_ms,
            retry_at=retry_at,
        )
    )
    await session.flush()
    return DeliveryStatus(delivery.status)
