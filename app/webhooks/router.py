"""Webhook subscriptions and their delivery logs, for admins."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app.auth.dependencies import CurrentAdmin
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import model_response, write_response
from app.pagination import FIRST_PAGE, Page, PageParams, page_response
from app.params import MAX_ID
from app.webhooks import service
from app.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead

router = APIRouter(prefix="/v1/webhooks", tags=["admin"])

WebhookIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The webhook's id.")]
DeliveryIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The delivery's id.")]


@router.post(
    "",
    summary="Subscribe a URL to events",
    status_code=201,
    response_model=WebhookCreated,
    responses=problem_responses(401, 403, 422),
)
async def create_webhook(
    request: Request, data: WebhookCreate, session: SessionDep, actor: CurrentAdmin
) -> Response:
    """Subscribe a URL to content events from now on, and show its signing secret once.

    Each event is POSTed as `{"type", "timestamp", "data"}` and signed the Standard Webhooks
    way: `webhook-id` (the same on every retry), `webhook-timestamp` and `webhook-signature`
    (`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` keyed with the secret). A
    delivery is retried with growing waits until the URL answers 2xx, up to a limit; redirects
    are not followed. A URL whose host resolves to a loopback, private or link-local address is
    refused (422) unless the server allows it (`CITEDB_WEBHOOK_ALLOW_PRIVATE_TARGETS`).

    `data` holds the change of the feed (`seq`, `entity`, `id`, `action`, `version`) and the
    entity as written (`object`; null for a claim changed through its evidence or studies).
    `claim.needs_review` is sent when a write newly flags a claim with a verdict (a link
    added, changed or removed, a cited study retracted, the assessment moving away from the
    verdict); `data.reasons` names the reasons set. A new claim, which needs review for lacking
    a verdict, is announced by `claim.created` only.
    """
    created = await service.create(
        session, data=data, actor=actor, settings=request.app.state.settings
    )
    return write_response(
        created,
        status_code=201,
        headers={"Location": f"/v1/webhooks/{created.id}", "Cache-Control": "no-store"},
    )


@router.get(
    "",
    summary="List webhooks",
    response_model=Page[WebhookRead],
    responses=problem_responses(401, 403, 422),
)
async def list_webhooks(
    request: Request,
    session: SessionDep,
    _actor: CurrentAdmin,
    page: PageParams = FIRST_PAGE,
) -> Response:
    """List subscriptions, oldest first; never their secrets."""
    return page_response(request, await service.list(session, page), public=False)


@router.get(
    "/{webhook_id}",
    summary="Read one webhook",
    response_model=WebhookRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_webhook(
    request: Request, webhook_id: WebhookIdPath, session: SessionDep, _actor: CurrentAdmin
) -> Response:
    """Read one subscription: its URL, events and description; never its secret."""
    webhook = await service.get(session, webhook_id=webhook_id)
    return model_response(request, webhook, public=False)


@router.delete(
    "/{webhook_id}",
    summary="Delete a webhook",
    status_code=204,
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_webhook(
    webhook_id: WebhookIdPath, session: SessionDep, actor: CurrentAdmin
) -> Response:
    """Remove a subscription and its delivery log; nothing more is sent to its URL."""
    await service.delete(session, webhook_id=webhook_id, actor=actor)
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    summary="Read a webhook's delivery log",
    response_model=Page[DeliveryRead],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_deliveries(
    request: Request,
    webhook_id: WebhookIdPath,
    session: SessionDep,
    _actor: CurrentAdmin,
    page: PageParams = FIRST_PAGE,
) -> Response:
    """List the subscription's deliveries, newest first: status, every attempt with the answer's
    status code (or the error), and the next retry while one is due."""
    found = await service.list_deliveries(session, page, webhook_id=webhook_id)
    return page_response(request, found, public=False)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    summary="Send a delivery again",
    status_code=202,
    response_model=DeliveryRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def redeliver(
    webhook_id: WebhookIdPath,
    delivery_id: DeliveryIdPath,
    session: SessionDep,
    _actor: CurrentAdmin,
) -> Response:
    """Queue a delivery (delivered, failed or pending) to be sent again now, with the same
    `webhook-id`, and a fresh round of retries; a worker sends it."""
    delivery = await service.redeliver(session, webhook_id=webhook_id, delivery_id=delivery_id)
    return write_response(delivery, status_code=202)
