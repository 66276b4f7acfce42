"""`citedb worker`: send webhook deliveries from the change feed, and prune the feed.

Several workers may run against one database: the fan-out cursor and each due delivery are
taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite serialises writers), so each
attempt is made by one worker. Transactions are short and no lock is held while a POST is
in flight, so the API never waits for a receiver.
"""

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

import httpx
from standardwebhooks.webhooks import Webhook as Signer

from app.changes import service as changes_service
from app.config import Settings
from app.db import Database
from app.models.base import utcnow
from app.webhooks import service
from app.webhooks.targets import UnsafeTarget, check_target

logger = logging.getLogger("citedb.worker")

PRUNE_EVERY = 600.0  # seconds between two prunings of the feed


def lease(settings: Settings) -> timedelta:
    """Return how long a taken delivery is kept from other workers: past any POST's end."""
    return timedelta(seconds=2 * settings.webhook_timeout + 5)


def signed_headers(taken: service.Taken) -> dict[str, str]:
    """Return the Standard Webhooks headers of one attempt (signed now, same message id)."""
    now = utcnow()
    signature = Signer(taken.secret).sign(taken.message_id, now, taken.body)
    return {
        "content-type": "application/json",
        "user-agent": "citedb-webhooks",
        "webhook-id": taken.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


class Worker:
    """One worker process's loop."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.stopping = asyncio.Event()
        self._pruned_at = 0.0

    async def run(self, *, once: bool = False) -> None:
        """Work until stopped (or, with ``once``, until nothing is left to do now)."""
        async with httpx.AsyncClient(
            follow_redirects=False, trust_env=False, timeout=self.settings.webhook_timeout
        ) as http:
            while not self.stopping.is_set():
                busy = await self.step(http)
                if busy:
                    continue
                if once:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self.stopping.wait(), timeout=self.settings.worker_poll_interval
                    )

    async def step(self, http: httpx.AsyncClient) -> bool:
        """Fan out new changes, send the due deliveries; tell whether there was work."""
        async with self.database.write_sessions() as session, session.begin():
            dispatched = await service.dispatch(session)
        async with self.database.write_sessions() as session, session.begin():
            taken = await service.take(
                session, limit=self.settings.worker_concurrency, lease=lease(self.settings)
            )
        if taken:
            await asyncio.gather(*(self.send(http, delivery) for delivery in taken))
        if time.monotonic() - self._pruned_at > PRUNE_EVERY:
            await self.prune()
        return bool(dispatched or taken)

    async def send(self, http: httpx.AsyncClient, taken: service.Taken) -> None:
        """POST one delivery once and record the outcome."""
        settings = self.settings
        attempted_at = utcnow()
        started = time.monotonic()
        status_code: int | None = None
        error: str | None = None
        try:
            await check_target(taken.url, allow_private=settings.webhook_allow_private_targets)
            async with asyncio.timeout(settings.webhook_timeout):
                response = await http.post(
                    taken.url, content=taken.body.encode(), headers=signed_headers(taken)
                )
            status_code = response.status_code
            if response.is_redirect:
                error = "a redirect, not followed"
        except UnsafeTarget as exc:
            error = f"refused: {exc.detail}"
        except TimeoutError:
            error = f"no answer within {settings.webhook_timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = round((time.monotonic() - started) * 1000)
        async with self.database.write_sessions() as session, session.begin():
            outcome = await service.record_attempt(
                session,
                delivery_id=taken.id,
                attempted_at=attempted_at,
                status_code=status_code,
                error=error,
                duration_ms=duration_ms,
                settings=settings,
            )
        answer = str(status_code) if status_code is not None else "no answer"
        logger.info(
            "%s to %s: %s%s -> %s",
            taken.message_id,
            taken.url,
            answer,
            f" ({error})" if error else "",
            outcome.value if outcome else "gone",
        )

    async def prune(self) -> None:
        """Remove changes older than the retention, once webhooks have them."""
        self._pruned_at = time.monotonic()
        async with self.database.write_sessions() as session, session.begin():
            removed = await changes_service.prune(
                session,
                older_than=changes_service.retention_cutoff(self.settings.changes_retention_days),
                keep_after=await service.dispatched_through(session),
            )
        if removed:
            logger.info("removed %d changes older than the retention", removed)
