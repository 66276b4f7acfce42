"""One cache for every public GET: the route's own answer, kept, replayed, and dropped by writes.

The layer sits around the routes (inside the HEAD, CORS and gzip layers). A GET it has not
kept runs the route as usual; when the route answers 200 with an ``ETag`` and a public
``Cache-Control``, its status, headers and body are kept under the request's URL, host,
scheme and ``Accept`` (``HEAD`` is a GET by then). Conditional requests are answered from
the kept 200 with the same rule the routes use (:func:`app.http_cache.not_modified_headers`),
so an answer is the same byte for byte with the cache on or off. Answers that depend on the
caller's key are private (``Cache-Control: private``) and never kept; a path whose answers
are public answers everyone alike, so a kept one serves callers with or without a key.

Each kept answer records what it was made from: the services that render it call
:func:`depends_on` (``("claim", 7)``, ``("study", 3)``...); an answer that records nothing,
and every list, depends on :data:`EVERYTHING`. A write drops only what depends on what it
changed: the session collects the entities it flushed (a claim, an evidence link names its
claim and study, an author its study...) and drops them when it commits (each commit, also
those a long import makes along the way), so no answer is older than this process's own last
write.

Writes made by other processes (another worker, the CLI) are found at most ``ttl`` seconds
later by reading the change feed after the last ``seq`` seen: its entries name entities the
same way. A content write that is not in the feed (the generation counter moved while the
feed did not, or the feed went back) drops everything.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from fastapi import Depends
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http_cache import none_match, not_modified_headers

if TYPE_CHECKING:
    from app.db import Database

Dependency = tuple[str, int] | tuple[str]
EVERYTHING: Dependency = ("*",)
# The entity a table's rows are, for the dependencies a write names.
ENTITIES = {
    "claims": "claim",
    "studies": "study",
    "topics": "topic",
    "evidence": "evidence",
    "sources": "source",
}
# Columns that name the entity a row belongs to (an alias its claim, an author its study).
OWNERS = {"claim_id": "claim", "study_id": "study", "topic_id": "topic", "source_id": "source"}
# Feed entries read in one check; more than this drops everything instead.
FEED_BATCH = 1000
# What a kept answer costs besides its bytes (key, objects, index slots), measured roughly.
ENTRY_OVERHEAD = 600
CHANGED = "citedb.changed"
RESPONSES = "citedb.responses"
# Tables whose rows public answers show; a bulk write to one names no entity by itself. The
# migrations give exactly these the triggers that bump the content generation (a test holds it).
CONTENT_TABLES = frozenset(
    {
        "claims",
        "claim_aliases",
        "claim_slugs",
        "claim_topics",
        "topics",
        "studies",
        "study_authors",
        "evidence",
        "verdicts",
        "review_reasons",
        "sources",
        "source_appearances",
        "source_citations",
    }
)
UNKNOWN: Dependency = ("?",)


@dataclass(slots=True)
class Recording:
    """What the answer being rendered was made from."""

    depends: set[Dependency]
    scoped: bool = False

    def dependencies(self) -> frozenset[Dependency]:
        """Return the entities the answer depends on; everything unless the route is scoped."""
        if self.scoped and self.depends:
            return frozenset(self.depends)
        return frozenset({EVERYTHING})


_reads: ContextVar[Recording | None] = ContextVar("citedb_reads", default=None)


def depends_on(entity: str, ids: Iterable[int]) -> None:
    """Record that the answer being rendered shows these entities."""
    recorded = _reads.get()
    if recorded is not None:
        recorded.depends.update((entity, int(entity_id)) for entity_id in ids)


async def scoped_by_entities() -> None:
    """Declare that the route's answer depends only on the entities its services record.

    Routes without it (lists, counts, pages that gather many claims) depend on everything:
    any write drops them.
    """
    recorded = _reads.get()
    if recorded is not None:
        recorded.scoped = True


ScopedByEntities = Depends(scoped_by_entities)


@contextmanager
def recording() -> Iterator[Recording]:
    """Collect what the answer rendered inside the block depends on."""
    recorded = Recording(depends=set())
    token = _reads.set(recorded)
    try:
        yield recorded
    finally:
        _reads.reset(token)


def _written(instance: Any) -> set[Dependency]:
    table = getattr(instance, "__tablename__", "")
    names: set[Dependency] = set()
    entity = ENTITIES.get(table)
    if entity is not None and getattr(instance, "id", None) is not None:
        names.add((entity, instance.id))
    for column, owner in OWNERS.items():
        owner_id = getattr(instance, column, None)
        if isinstance(owner_id, int):
            names.add((owner, owner_id))
    return names


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context: Any) -> None:
    """Remember the entities a flush wrote, for the cache to drop after the commit."""
    changed: set[Dependency] = session.info.setdefault(CHANGED, set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        if getattr(instance, "__tablename__", "") in CONTENT_TABLES:
            changed |= _written(instance) or {UNKNOWN}
    if not changed:
        del session.info[CHANGED]


@event.listens_for(Session, "do_orm_execute")
def _statement(state: Any) -> None:
    """Note a bulk write to content: if no flushed entity names it, everything is dropped.

    The bulk writes of the services (review reasons, versions of citing claims) go with a
    flushed entity that names them (the claim, the study), so they drop no more than it.
    """
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in CONTENT_TABLES:
            state.session.info.setdefault(CHANGED, set()).add(UNKNOWN)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(CHANGED, None)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """Drop the kept answers a committed write made stale, before the next read can see them."""
    changed: set[Dependency] | None = session.info.pop(CHANGED, None)
    cache: ResponseCache | None = session.info.get(RESPONSES)
    if changed is not None and cache is not None:
        cache.written(changed)


def follow_writes(database: "Database", cache: "ResponseCache") -> None:
    """Make the commits of the database's write sessions drop what they change from ``cache``."""
    database.write_sessions.configure(info={RESPONSES: cache})


@dataclass(frozen=True, slots=True)
class Kept:
    """A route's 200: its headers and body, and what it was rendered from."""

    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str
    depends: frozenset[Dependency]
    size: int


CacheKey = tuple[bytes, ...]


class ResponseCache:
    """The kept answers of one process, least recently used dropped beyond ``max_bytes``."""

    def __init__(self, *, ttl: float, max_bytes: int) -> None:
        self.ttl = ttl
        self.max_bytes = max_bytes
        self._entries: OrderedDict[CacheKey, Kept] = OrderedDict()
        self._by_dependency: dict[Dependency, set[CacheKey]] = {}
        self._bytes = 0
        # Bumped by every drop: an answer rendered across a drop is not kept.
        self.epoch = 0
        self._flights: dict[CacheKey, asyncio.Future[Kept | None]] = {}
        self._seen: tuple[int, int, int] | None = None  # generation, last seq, pruned through
        self._checked_at = float("-inf")
        self._check: asyncio.Future[None] | None = None

    @property
    def enabled(self) -> bool:
        """Tell whether anything is kept at all."""
        return self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Return the bytes the kept answers count against ``max_bytes``."""
        return self._bytes

    def get(self, key: CacheKey) -> Kept | None:
        """Return the kept answer for ``key``, if any."""
        kept = self._entries.get(key)
        if kept is not None:
            self._entries.move_to_end(key)
        return kept

    def put(self, key: CacheKey, kept: Kept, *, epoch: int) -> None:
        """Keep ``kept`` unless a drop happened since it began rendering (at ``epoch``)."""
        if epoch != self.epoch or kept.size > self.max_bytes:
            return
        self._remove(key)
        self._entries[key] = kept
        self._bytes += kept.size
        for dependency in kept.depends:
            self._by_dependency.setdefault(dependency, set()).add(key)
        while self._bytes > self.max_bytes:
            self._remove(next(iter(self._entries)))

    def _remove(self, key: CacheKey) -> None:
        kept = self._entries.pop(key, None)
        if kept is None:
            return
        self._bytes -= kept.size
        for dependency in kept.depends:
            keys = self._by_dependency.get(dependency)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_dependency[dependency]

    def drop(self, changed: Iterable[Dependency]) -> None:
        """Drop every answer that depends on a changed entity, and every list."""
        self.epoch += 1
        for dependency in {*changed, EVERYTHING}:
            for key in list(self._by_dependency.get(dependency, ())):
                self._remove(key)

    def clear(self) -> None:
        """Drop every kept answer."""
        self.epoch += 1
        self._entries.clear()
        self._by_dependency.clear()
        self._bytes = 0

    def written(self, changed: set[Dependency]) -> None:
        """Follow a write this process committed: drop what it changed (all if unknown)."""
        named = changed - {UNKNOWN}
        if named:
            self.drop(named)
        elif changed:
            self.clear()

    async def check(self, database: "Database") -> None:
        """Follow writes made elsewhere, asking the database at most once every ``ttl``.

        Concurrent readers share one check.
        """
        if time.monotonic() - self._checked_at <= self.ttl:
            return
        if self._check is None:
            self._check = asyncio.ensure_future(self._follow(database))
        check = self._check
        try:
            await asyncio.shield(check)
        finally:
            if self._check is check and check.done():
                self._check = None

    async def _follow(self, database: "Database") -> None:
        started = time.monotonic()
        after = self._seen[1] if self._seen is not None else FEED_UNSEEN
        async with database.read_sessions() as session:
            rows = (await session.execute(FOLLOW, {"after": after, "limit": FEED_BATCH + 1})).all()
        generation, last_seq, pruned_through = rows[0][:3]
        seen = self._seen
        if seen is not None and (generation, last_seq) != seen[:2]:
            if last_seq <= seen[1] or len(rows) > FEED_BATCH:
                # A content write outside the feed, a feed that went back, or too many changes.
                self.clear()
            else:
                self.drop(_named(rows))
        elif seen is not None and pruned_through != seen[2]:
            self.drop(set())  # the feed's own pages (and lists) change when it is pruned
        self._seen = (generation, last_seq, pruned_through)
        self._checked_at = started


# The counters and the feed's changes after :after, with the claim and study of each evidence
# link and verdict: one statement whatever happened. No row of the feed: one row of NULLs.
FOLLOW = sa.text(
    """
    SELECT g.value, c.last_seq, c.pruned_through, ch.entity, ch.entity_id, e.claim_id,
           e.study_id, v.claim_id
      FROM content_generation g
      JOIN change_counter c ON c.id = 1
      LEFT JOIN changes ch ON ch.seq > :after AND ch.seq <= c.last_seq
      LEFT JOIN evidence e ON ch.entity = 'evidence' AND e.id = ch.entity_id
      LEFT JOIN verdicts v ON ch.entity = 'verdict' AND v.id = ch.entity_id
     WHERE g.id = 1
     LIMIT :limit
    """
)
FEED_UNSEEN = 2**62  # before the first look: no change is read, only the counters


def _named(rows: Iterable[Any]) -> set[Dependency]:
    """Return the entities the feed's rows name (an evidence link: also its claim and study)."""
    changed: set[Dependency] = set()
    for _, _, _, entity, entity_id, claim_id, study_id, verdict_claim_id in rows:
        if entity is None:
            continue
        changed.add((entity, entity_id))
        for owner, owner_id in (
            ("claim", claim_id),
            ("study", study_id),
            ("claim", verdict_claim_id),
        ):
            if owner_id is not None:
                changed.add((owner, owner_id))
    return changed


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return b""


def _keepable(start: Message) -> tuple[str, list[tuple[bytes, bytes]]] | None:
    """Return the ETag and headers of a route's answer that may be kept, else None."""
    if start["status"] != 200:
        return None
    headers = [(bytes(name).lower(), bytes(value)) for name, value in start["headers"]]
    found = dict(headers)
    etag = found.get(b"etag")
    if etag is None or not found.get(b"cache-control", b"").startswith(b"public"):
        return None
    return etag.decode("latin-1"), headers


class ResponseCacheLayer:
    """Answer public GETs from kept answers; keep the route's own answers as they pass."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache: ResponseCache | None = getattr(scope.get("app"), "state", None) and getattr(
            scope["app"].state, "responses", None
        )
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or cache is None
            or not cache.enabled
        ):
            await self.app(scope, receive, send)
            return
        key: CacheKey = (
            scope.get("scheme", "http").encode(),
            _header(scope, b"host"),
            scope.get("root_path", "").encode(),
            scope["path"].encode(),
            scope["query_string"],
            _header(scope, b"accept"),
        )
        try:
            await cache.check(scope["app"].state.database)
        except Exception:
            await self.app(scope, receive, send)  # the route answers (503 if the database is away)
            return
        kept = cache.get(key)
        if kept is None:
            flight = cache._flights.get(key)
            if flight is not None:
                kept = await asyncio.shield(flight)
                if kept is None:
                    await self.app(scope, receive, send)
                    return
            else:
                await self._lead(cache, key, scope, receive, send)
                return
        await _replay(scope, send, kept)

    async def _lead(
        self, cache: ResponseCache, key: CacheKey, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run the route for a missed answer; keep it if it may be kept, and answer."""
        future: asyncio.Future[Kept | None] = asyncio.get_running_loop().create_future()
        cache._flights[key] = future
        kept: Kept | None = None
        try:
            kept = await self._run(cache, key, scope, receive, send)
        finally:
            if cache._flights.get(key) is future:
                del cache._flights[key]
            future.set_result(kept)

    async def _run(
        self, cache: ResponseCache, key: CacheKey, scope: Scope, receive: Receive, send: Send
    ) -> Kept | None:
        # The route is asked without If-None-Match, so that it renders the 200 to keep; the
        # client's condition is then answered from it, by the routes' own rule.
        if_none_match = _header(scope, b"if-none-match")
        inner = scope
        if if_none_match:
            inner = {**scope, "headers": [h for h in scope["headers"] if h[0] != b"if-none-match"]}
        epoch = cache.epoch
        start: Message | None = None
        keepable: tuple[str, list[tuple[bytes, bytes]]] | None = None
        chunks: list[bytes] = []
        passed_on = False

        async def capture(message: Message) -> None:
            nonlocal start, keepable, passed_on
            if message["type"] == "http.response.start":
                start = message
                keepable = _keepable(message)
                if keepable is None and not if_none_match:
                    passed_on = True
                    await send(message)
                return
            if passed_on:
                await send(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        with recording() as depends:
            await self.app(inner, receive, capture)
        if passed_on:
            return None
        if keepable is None:
            # Not an answer to keep, and the client's condition was held back: ask again.
            await self.app(scope, receive, send)
            return None
        etag, headers = keepable
        body = b"".join(chunks)
        size = ENTRY_OVERHEAD + len(body) + sum(len(n) + len(v) for n, v in headers)
        size += sum(len(part) for part in key)
        kept = Kept(
            headers=headers,
            body=body,
            etag=etag,
            depends=depends.dependencies(),
            size=size,
        )
        cache.put(key, kept, epoch=epoch)
        await _replay(scope, send, kept)
        return kept


async def _replay(scope: Scope, send: Send, kept: Kept) -> None:
    """Answer the request from a kept 200: 304 when ``If-None-Match`` names it."""
    if_none_match = _header(scope, b"if-none-match")
    if if_none_match and none_match(if_none_match.decode("latin-1"), kept.etag):
        headers = not_modified_headers(kept.headers)
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    # A copy: the layers outside (gzip, CORS) change the headers of the message they pass on.
    await send({"type": "http.response.start", "status": 200, "headers": list(kept.headers)})
    await send({"type": "http.response.body", "body": kept.body})
