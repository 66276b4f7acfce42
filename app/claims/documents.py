"""Claim answers kept ready: `GET /v1/claims/{claim}` and the pages of `GET /v1/claims?...`.

A claim's detail is the most read resource, and rendering it takes five queries; a search
ranks thousands of matching claims before it renders a page. Each API process keeps rendered
claim documents and search/list pages keyed by the database's content generation (a number
that triggers bump on every write to claims, aliases, topics, studies, evidence and
verdicts). A kept answer is served while the generation is unchanged, so it is never older
than the last write this process made, and never older than ``ttl`` seconds for writes made
elsewhere (another process, the CLI). Public GETs are cacheable for ``max-age`` seconds
anyway, so a ``ttl`` of a second or so adds no staleness a client does not already accept.

`ClaimDocumentMiddleware` answers hits, and 304s, before FastAPI's routing. A missed
document is rendered with the same services and schema as the route; a missed page is
answered by the route itself and its 200 kept, so the bytes are identical either way.
"""

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from sqlalchemy import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.claims import service as claim_service
from app.db import Database
from app.http_cache import cache_control, etag_for, none_match
from app.models import ContentGeneration


@dataclass(frozen=True, slots=True)
class ClaimDocument:
    """A rendered claim detail or claims page, valid for one content generation."""

    generation: int
    etag: str
    body: bytes
    link: bytes | None = None  # a page's `Link: <next>; rel="next"`


# What a kept page costs besides its bytes (the key tuple, the objects, the dict's slot), so
# that many small pages under long query strings cannot outgrow the budget: ~280 bytes
# measured with tracemalloc on CPython 3.11, rounded up.
PAGE_ENTRY_OVERHEAD = 400


def _page_size(key: tuple[bytes, ...], page: ClaimDocument) -> int:
    """Return the bytes a kept page counts against ``max_page_bytes``."""
    extra = len(page.etag) + len(page.link or b"") + sum(len(part) for part in key)
    return PAGE_ENTRY_OVERHEAD + len(page.body) + extra


class ClaimDocumentCache:
    """Rendered claim documents and pages of one process, least recently used dropped first.

    Documents are bounded by count (``max_entries``), pages by their total size in bytes
    (``max_page_bytes``): a page of 100 claims weighs as much as a hundred documents.
    """

    def __init__(self, *, ttl: float, max_entries: int, max_page_bytes: int = 0) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.max_page_bytes = max_page_bytes
        self._entries: OrderedDict[str, ClaimDocument] = OrderedDict()
        self._pages: OrderedDict[tuple[bytes, ...], ClaimDocument] = OrderedDict()
        self._page_bytes = 0
        # Renders in progress: concurrent misses of one answer wait for a single render.
        self._flights: dict[Hashable, tuple[int, asyncio.Future[ClaimDocument | None]]] = {}
        self._generation = -1
        self._checked_at = float("-inf")
        # Bumped by every local write; a check that began before a write cannot vouch for it.
        self._epoch = 0
        self._check: tuple[int, asyncio.Future[int]] | None = None

    def mark_stale(self) -> None:
        """Make the next read ask the database for the generation (after a local write)."""
        self._epoch += 1
        self._checked_at = float("-inf")

    async def generation(self, database: Database) -> int:
        """Return the content generation, asking the database at most once every ``ttl``.

        Concurrent readers share one check instead of each sending the same query; a reader
        after a local write never shares a check that began before that write.
        """
        if time.monotonic() - self._checked_at <= self.ttl:
            return self._generation
        epoch = self._epoch
        if self._check is None or self._check[0] != epoch:
            self._check = (epoch, asyncio.ensure_future(self._read_generation(database, epoch)))
        return await asyncio.shield(self._check[1])

    async def _read_generation(self, database: Database, epoch: int) -> int:
        started = time.monotonic()
        try:
            async with database.read_sessions() as session:
                value = (
                    await session.execute(
                        select(ContentGeneration.value).where(ContentGeneration.id == 1)
                    )
                ).scalar_one()
        finally:
            if self._check is not None and self._check[0] == epoch:
                self._check = None
        if self._epoch != epoch:
            # A local write came after this check began: its value may be older than the
            # write, so it answers only the readers who asked before it; a newer check decides.
            return value
        if value != self._generation:
            self._entries.clear()
            self._pages.clear()
            self._page_bytes = 0
            self._generation = value
        self._checked_at = started
        return value

    def get(self, ref: str, generation: int) -> ClaimDocument | None:
        """Return the kept document for ``ref`` if it belongs to ``generation``."""
        document = self._entries.get(ref)
        if document is None or document.generation != generation:
            return None
        self._entries.move_to_end(ref)
        return document

    def put(self, refs: tuple[str, ...], document: ClaimDocument) -> None:
        """Keep ``document`` under each of its refs (id and slug)."""
        if document.generation != self._generation:
            return
        for ref in refs:
            self._entries[ref] = document
            self._entries.move_to_end(ref)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def get_page(self, key: tuple[bytes, ...], generation: int) -> ClaimDocument | None:
        """Return the kept page for ``key`` if it belongs to ``generation``."""
        page = self._pages.get(key)
        if page is None or page.generation != generation:
            return None
        self._pages.move_to_end(key)
        return page

    def put_page(self, key: tuple[bytes, ...], page: ClaimDocument) -> None:
        """Keep ``page`` under ``key``, dropping the least recently used beyond the budget."""
        size = _page_size(key, page)
        if page.generation != self._generation or size > self.max_page_bytes:
            return
        replaced = self._pages.pop(key, None)
        if replaced is not None:
            self._page_bytes -= _page_size(key, replaced)
        self._pages[key] = page
        self._page_bytes += size
        while self._page_bytes > self.max_page_bytes:
            dropped_key, dropped = self._pages.popitem(last=False)
            self._page_bytes -= _page_size(dropped_key, dropped)

    async def once(
        self,
        key: Hashable,
        generation: int,
        produce: Callable[[], Awaitable[ClaimDocument | None]],
    ) -> tuple[ClaimDocument | None, bool]:
        """Run ``produce`` once for concurrent misses of ``key`` in ``generation``.

        Return its result and whether this caller ran it. Followers get the leader's result;
        None (no answer to keep, or the leader failed) leaves each follower to answer itself.
        """
        flight = self._flights.get(key)
        if flight is not None and flight[0] == generation:
            return await asyncio.shield(flight[1]), False
        future: asyncio.Future[ClaimDocument | None] = asyncio.get_running_loop().create_future()
        self._flights[key] = (generation, future)
        result = None
        try:
            result = await produce()
        finally:
            if self._flights.get(key, (0, None))[1] is future:
                del self._flights[key]
            future.set_result(result)
        return result, True

    def __len__(self) -> int:
        return len(self._entries) + len(self._pages)


async def render(
    database: Database, ref: str, generation: int
) -> tuple[tuple[str, ...], ClaimDocument] | None:
    """Render the document of claim ``ref``; None if there is no such (undeleted) claim."""
    async with database.read_sessions() as session:
        try:
            claim = await claim_service.get(session, ref=ref)
        except claim_service.ClaimNotFound:
            return None
        body = (await claim_service.read(session, claim=claim)).model_dump_json().encode()
    refs = tuple(dict.fromkeys((ref, str(claim.id), claim.slug)))
    return refs, ClaimDocument(generation=generation, etag=etag_for(body), body=body)


_DETAIL_PATH = re.compile(r"^/v1/claims/([^/]{1,200})$")
_LIST_PATH = "/v1/claims"


class ClaimDocumentMiddleware:
    """Answer claim details and claims pages from kept answers; the rest goes to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        cache: ClaimDocumentCache = scope["app"].state.claim_documents
        if scope["path"] == _LIST_PATH and scope["method"] == "GET" and cache.max_page_bytes:
            await self._page(scope, receive, send, cache)
            return
        found = _DETAIL_PATH.match(scope["path"])
        if found is None or scope["query_string"] or not cache.max_entries:
            await self.app(scope, receive, send)
            return
        database: Database = scope["app"].state.database
        ref = found.group(1)
        try:
            generation = await cache.generation(database)
            document = cache.get(ref, generation)
            if document is None:

                async def render_and_keep() -> ClaimDocument | None:
                    rendered = await render(database, ref, generation)
                    if rendered is None:
                        return None
                    cache.put(*rendered)
                    return rendered[1]

                document, _ = await cache.once(ref, generation, render_and_keep)
        except Exception:
            document = None
        if document is None:
            await self.app(scope, receive, send)  # the app answers the 404 (or the error)
            return
        await _respond(scope, send, document)

    async def _page(
        self, scope: Scope, receive: Receive, send: Send, cache: ClaimDocumentCache
    ) -> None:
        # The page's `Link` is an absolute URL made from the request, so the host is in the key.
        host = next((value for name, value in scope["headers"] if name == b"host"), b"")
        key = (scope["scheme"].encode(), host, scope["query_string"])
        try:
            generation = await cache.generation(scope["app"].state.database)
        except Exception:
            await self.app(scope, receive, send)
            return
        page = cache.get_page(key, generation)
        if page is None:

            async def answer_and_keep() -> ClaimDocument | None:
                answer = await _answer_and_keep(self.app, scope, receive, send, generation)
                if answer is not None:
                    cache.put_page(key, answer)
                return answer

            page, led = await cache.once(key, generation, answer_and_keep)
            if page is None:
                if not led:  # the leader's answer was not a page: answer this one afresh
                    await self.app(scope, receive, send)
                return  # the leader's own answer has been sent as the route gave it
        await _respond(scope, send, page)


async def _answer_and_keep(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, generation: int
) -> ClaimDocument | None:
    """Run the route for a page; return its 200 to keep, or send any other answer unchanged.

    The route is asked without ``If-None-Match`` so that it always renders the body; the
    caller answers the client's conditional request from the kept page.
    """
    messages: list[Message] = []

    async def keep(message: Message) -> None:
        messages.append(message)

    unconditional = dict(scope)
    unconditional["headers"] = [(n, v) for n, v in scope["headers"] if n != b"if-none-match"]
    await app(unconditional, receive, keep)
    start = messages[0]
    if start["status"] != 200:
        for message in messages:
            await send(message)
        return None
    headers = dict(start["headers"])
    body = b"".join(message.get("body", b"") for message in messages[1:])
    return ClaimDocument(
        generation=generation,
        etag=headers[b"etag"].decode("latin-1"),
        body=body,
        link=headers.get(b"link"),
    )


async def _respond(scope: Scope, send: Send, document: ClaimDocument) -> None:
    if_none_match = None
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            if_none_match = value.decode("latin-1")
            break
    headers = [
        (b"etag", document.etag.encode()),
        (b"cache-control", cache_control(scope["app"].state.settings, public=True).encode()),
    ]
    if none_match(if_none_match, document.etag):
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    if document.link is not None:
        headers.append((b"link", document.link))
    headers += [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(document.body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    body = b"" if scope["method"] == "HEAD" else document.body
    await send({"type": "http.response.body", "body": body})
