"""Rate limits per API key and per client address, for writes and for expensive reads.

Requests fall into two budgets: ``expensive`` (claims and studies search with ``q``, the
citation check, the bibliographic import and the restore) and ``writes`` (every other POST,
PUT, PATCH or DELETE). Other reads are not counted. Each budget is counted per client address
and, when the request carries a bearer key, per key too (a hash of it: the key is not checked
here, so a flood of wrong keys is held by its address). The limits are strings in the `limits`
package's notation (``120/minute``, ``10/second;1000/hour``; empty: no limit).

Counts live in the process (``memory://``, the default) or in a store that several processes
share: Redis (``redis://host:6379/0``), or any other storage URI the `limits` package knows.
A request over a budget is answered 429 problem+json with ``Retry-After`` before it reaches
the app; answers of counted requests carry ``RateLimit-Policy`` and ``RateLimit`` (IETF
draft-ietf-httpapi-ratelimit-headers).
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.errors import problem_response

logger = logging.getLogger("citedb")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# POSTs that read (they write nothing) but cost far more than a page of a list.
EXPENSIVE_POSTS = frozenset({"/v1/sources/check", "/v1/claims/match"})
EXPENSIVE_WRITES = frozenset({"/v1/studies/import", "/v1/import"})
SEARCHES = frozenset({"/v1/claims", "/v1/studies"})


class Budget(StrEnum):
    """What a request is counted against."""

    writes = "writes"
    expensive = "expensive"


def budget_of(scope: Scope) -> Budget | None:
    """Return the budget a request counts against, or None if it is not counted."""
    method, path = scope["method"], scope["path"].rstrip("/") or "/"
    if method == "POST" and path in EXPENSIVE_POSTS | EXPENSIVE_WRITES:
        return Budget.expensive
    if method in WRITE_METHODS:
        return Budget.writes
    if method in ("GET", "HEAD") and path in SEARCHES and _has_query_text(scope):
        return Budget.expensive
    return None


def _has_query_text(scope: Scope) -> bool:
    """Tell whether the query string holds a non-empty ``q``."""
    for pair in scope.get("query_string", b"").split(b"&"):
        name, _, value = pair.partition(b"=")
        if name == b"q" and value.strip(b"+ "):
            return True
    return False


def storage_uri(uri: str) -> str:
    """Return the async form of a storage URI (``redis://`` → ``async+redis://``)."""
    return uri if uri.startswith("async+") else f"async+{uri}"


@dataclass(frozen=True)
class Policy:
    """One limit of one budget for one kind of identity, as it is named in the headers."""

    name: str
    item: RateLimitItem

    def header_item(self) -> str:
        """Return the policy as an item of ``RateLimit-Policy``."""
        return f'"{self.name}";q={self.item.amount};w={self.item.get_expiry()}'


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go on, and the headers that say how much of its budget is left."""

    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """The budgets of one process, counted in the configured storage."""

    def __init__(self, settings: Settings) -> None:
        storage = storage_from_string(storage_uri(settings.rate_limit_storage))
        if not isinstance(storage, Storage):
            raise ValueError(f"{settings.rate_limit_storage} is not an asyncio storage")
        self.storage = storage
        self.limiter = SlidingWindowCounterRateLimiter(storage)
        self.policies: dict[tuple[Budget, str], list[Policy]] = {}
        for budget, by, limits in (
            (Budget.writes, "key", settings.rate_limit_writes_per_key),
            (Budget.writes, "address", settings.rate_limit_writes_per_address),
            (Budget.expensive, "key", settings.rate_limit_expensive_per_key),
            (Budget.expensive, "address", settings.rate_limit_expensive_per_address),
        ):
            items = parse_many(limits) if limits.strip() else []
            self.policies[(budget, by)] = [
                Policy(f"{budget.value}-per-{by}-{n}" if n else f"{budget.value}-per-{by}", item)
                for n, item in enumerate(items)
            ]

    async def check(self, budget: Budget, *, address: str, key: str | None) -> Verdict:
        """Count one request against its budget; refuse it when any of its limits is spent."""
        identities = [("address", address)] + ([("key", key)] if key else [])
        policy_items: list[str] = []
        current: list[str] = []
        retry_after = 0
        allowed = True
        for by, identity in identities:
            for policy in self.policies[(budget, by)]:
                policy_items.append(policy.header_item())
                if allowed and not await self.limiter.hit(policy.item, budget.value, by, identity):
                    allowed = False
                stats = await self.limiter.get_window_stats(policy.item, budget.value, by, identity)
                reset = max(0, math.ceil(stats.reset_time - time.time()))
                current.append(f'"{policy.name}";r={stats.remaining};t={reset}')
                if stats.remaining == 0:
                    retry_after = max(retry_after, reset, 1)
        headers: dict[str, str] = {}
        if policy_items:
            headers = {"RateLimit-Policy": ", ".join(policy_items), "RateLimit": ", ".join(current)}
        if not allowed:
            headers["Retry-After"] = str(max(retry_after, 1))
        return Verdict(allowed, headers)


def key_identity(scope: Scope) -> str | None:
    """Return a stable, non-secret name of the request's bearer key, if it sends one."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return hashlib.sha256(token.strip()).hexdigest()[:32]
    return None


class RateLimits:
    """ASGI layer that counts requests against their budgets and answers 429 beyond them.

    When the shared store cannot be reached the request goes on uncounted (and a warning is
    logged): a limit that is down must not take the service down with it.
    """

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        budget = budget_of(scope) if scope["type"] == "http" else None
        if budget is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        try:
            verdict = await self.limiter.check(budget, address=address, key=key_identity(scope))
        except Exception as exc:  # the store is away: serve uncounted rather than fail
            logger.warning("rate limit storage unavailable: %r", exc)
            await self.app(scope, receive, send)
            return
        if not verdict.allowed:
            response = problem_response(
                429,
                code="too-many-requests",
                detail=f"Too many {budget.value} requests from this key or address; "
                f"retry in {verdict.headers['Retry-After']} s.",
                headers=verdict.headers,
            )
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in verdict.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
