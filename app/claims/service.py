"""Claims: resolve, read, list and search, create, update, delete and restore; stats."""

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import service as audit_service
from app.auth.actor import Actor
from app.claims.schemas import (
    ClaimCreate,
    ClaimMatch,
    ClaimRead,
    ClaimUpdate,
    Stats,
    TopicRef,
)
from app.claims.search import ranked_matches, scored_claims, search_terms, selective_terms
from app.config import get_settings
from app.editing import Edit
from app.errors import Conflict, InvalidInput, NotFound
from app.evidence import service as evidence_service
from app.evidence.schemas import EvidenceSummary
from app.models import Claim, ClaimAlias, ClaimSlug, Evidence, Study, Topic, Verdict, claim_topics
from app.models.base import utcnow
from app.pagination import Page, PageRequest, Sort, SortKey, paginate
from app.params import as_id
from app.response_cache import depends_on
from app.review import service as review_service
from app.review.schemas import Review
from app.semantic import index as semantic_index
from app.semantic import service as semantic_service
from app.semantic import similar
from app.semantic.embedder import Vectors
from app.slugs import slugify, with_suffix
from app.topics import service as topic_service
from app.verdicts import service as verdict_service
from app.verdicts.schemas import VerdictRead
from app.vocabularies import Certainty, Rating, ReviewReasonKind

CLAIM_SORTS = ("relevance", "updated_at", "-updated_at", "statement")
# Claims closest in meaning that the near-duplicate rule looks at.
SIMILAR_CANDIDATES = 10
# A search ranks this many claims at most (by meaning and words), before filters and paging.
SEARCH_CANDIDATES = 1000


class ClaimNotFound(NotFound):
    """No (undeleted) claim with that id or slug."""


class ClaimNotDeleted(Conflict):
    """Only a deleted claim can be restored."""


class DuplicateClaim(Conflict):
    """A claim with that statement or slug exists."""


class SimilarClaim(Conflict):
    """Claims that mean the same as the new one exist; `allow_similar=true` adds it anyway."""

    def __init__(self, detail: str, *, similar: builtins.list[dict[str, Any]]) -> None:
        super().__init__(detail, existing=similar[0]["url"])
        self.extra["similar"] = similar


class _Slugged(Protocol):
    """A claim, or a row of one, with its slug."""

    @property
    def slug(self) -> str: ...


def claim_url(claim: _Slugged) -> str:
    """Return the canonical path of a claim."""
    return f"/v1/claims/{claim.slug}"


def _with_children(statement: Select[Any]) -> Select[Any]:
    return statement.options(selectinload(Claim.aliases), selectinload(Claim.topics))


async def get(
    session: AsyncSession,
    *,
    ref: str,
    deleted: bool = False,
    for_update: bool = False,
    children: bool = True,
) -> Claim:
    """Return the claim with this id, slug or former slug; deleted claims only if ``deleted``.

    ``children=False`` leaves its aliases and topics unloaded (two statements fewer), for
    reads of what hangs from a claim.
    """

    def claim_where(condition: sa.ColumnElement[bool]) -> Select[Any]:
        statement = select(Claim).where(condition)
        if children:
            statement = _with_children(statement)
        if for_update:
            statement = statement.with_for_update(of=Claim)
        return statement

    claim: Claim | None = None
    claim_id = as_id(ref)
    if claim_id is None:
        # By slug, in one statement when a claim has it now; a former slug only when none
        # has (two indexed lookups: an OR across both tables makes PostgreSQL scan every
        # claim). Whether it is deleted is checked here, as the query by id checks it.
        claim = (await session.execute(claim_where(Claim.slug == ref))).scalars().first()
        if claim is not None and (claim.deleted_at is not None) != deleted:
            claim = None
        elif claim is None:
            claim_id = (
                await session.execute(select(ClaimSlug.claim_id).where(ClaimSlug.slug == ref))
            ).scalar_one_or_none()
    if claim is None and claim_id is not None:
        visibility = Claim.deleted_at.is_not(None) if deleted else Claim.deleted_at.is_(None)
        claim = (
            (await session.execute(claim_where((Claim.id == claim_id) & visibility)))
            .scalars()
            .first()
        )
    if claim is None:
        state = "deleted " if deleted else ""
        raise ClaimNotFound(f"No {state}claim '{ref}'.")
    depends_on("claim", [claim.id])
    return claim


def _to_read(
    claim: Claim, verdict: VerdictRead | None, summary: EvidenceSummary, review: Review
) -> ClaimRead:
    return ClaimRead(
        id=claim.id,
        slug=claim.slug,
        statement=claim.statement,
        aliases=[alias.alias for alias in claim.aliases],
        summary=claim.summary,
        topics=[
            TopicRef(slug=topic.slug, name=topic.name)
            for topic in sorted(claim.topics, key=lambda topic: topic.slug)
        ],
        verdict=verdict,
        evidence_summary=summary,
        review=review,
        created_at=claim.created_at,
        updated_at=claim.updated_at,
        version=claim.version,
    )


async def read_many(session: AsyncSession, *, claims: Sequence[Claim]) -> builtins.list[ClaimRead]:
    """Return the representations of claims (loaded with their children) in three more queries."""
    ids = [claim.id for claim in claims]
    depends_on("claim", ids)
    depends_on("topic", [topic.id for claim in claims for topic in claim.topics])
    verdicts = await verdict_service.current_for(session, claim_ids=ids)
    summaries = await evidence_service.summaries(session, claim_ids=ids)
    reviews = await review_service.reviews_for(
        session, created={claim.id: claim.created_at for claim in claims}, with_verdict=verdicts
    )
    return [
        _to_read(claim, verdicts.get(claim.id), summaries[claim.id], reviews[claim.id])
        for claim in claims
    ]


def read_new(claim: Claim) -> ClaimRead:
    """Return the representation of a claim this transaction added (with its children), read
    from nothing: no verdict, evidence or stored review reason can hang from it yet."""
    depends_on("claim", [claim.id])
    depends_on("topic", [topic.id for topic in claim.topics])
    return _to_read(claim, None, EvidenceSummary(), review_service.review_of_new(claim.created_at))


async def read(session: AsyncSession, *, claim: Claim) -> ClaimRead:
    """Return one claim's representation."""
    return (await read_many(session, claims=[claim]))[0]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


SORTS = {
    sort.name: sort
    for sort in (
        Sort("updated_at", (SortKey(Claim.updated_at, kind=datetime), SortKey(Claim.id))),
        Sort(
            "-updated_at",
            (SortKey(Claim.updated_at, True, datetime), SortKey(Claim.id, True)),
        ),
        Sort("statement", (SortKey(Claim.statement, kind=str), SortKey(Claim.id))),
    )
}


async def list(
    session: AsyncSession,
    page: PageRequest,
    *,
    q: str | None,
    topics: Sequence[str],
    verdicts: Sequence[Rating],
    certainty: Certainty | None,
    sort: str | None,
    needs_review: bool | None = None,
) -> Page[ClaimRead]:
    """Return a page of undeleted claims, searched, filtered and sorted."""
    sort = sort or ("relevance" if q else "-updated_at")
    if sort == "relevance" and not q:
        raise InvalidInput("sort=relevance needs a search: add `q`.", loc=["query", "sort"])
    statement = select(Claim).where(Claim.deleted_at.is_(None))
    if topics:
        tagged = (
            select(claim_topics.c.claim_id)
            .join(Topic, Topic.id == claim_topics.c.topic_id)
            .where(Topic.slug.in_(topics))
        )
        statement = statement.where(Claim.id.in_(tagged))
    if verdicts or certainty is not None:
        current = select(Verdict.claim_id).where(Verdict.is_current)
        if verdicts:
            current = current.where(Verdict.rating.in_(verdicts))
        if certainty is not None:
            current = current.where(Verdict.certainty == certainty)
        statement = statement.where(Claim.id.in_(current))
    if needs_review is not None:
        condition = review_service.needing_review()
        statement = statement.where(condition if needs_review else ~condition)

    if q:
        terms = search_terms(q)
        if not terms:
            return Page[ClaimRead](items=[], next_cursor=None)
        ranking = await ranked_search(session, q=q)
        if ranking is not None:
            ranked = scored_claims(_dialect(session), ranking.claim_ids, ranking.scores).subquery(
                "ranked"
            )
        else:
            terms = await selective_terms(session, terms)
            ranked = ranked_matches(_dialect(session), terms).subquery("ranked")
        statement = statement.join(ranked, ranked.c.claim_id == Claim.id)
        relevance = Sort(
            "relevance",
            (SortKey(ranked.c.relevance, True, float), SortKey(Claim.id)),
        )
    order = relevance if sort == "relevance" else SORTS[sort]
    return await _page(session, _with_children(statement), sort=order, page=page)


async def ranked_search(session: AsyncSession, *, q: str) -> semantic_index.Ranking | None:
    """Return the claims a search ranks for ``q`` by meaning and words (SEARCH_CANDIDATES at
    most), or None when it ranks by words alone (semantic search off, or no vectors yet)."""
    if not get_settings().semantic_search:
        return None
    return await semantic_index.rank(session, question=q, limit=SEARCH_CANDIDATES)


async def review_queue(
    session: AsyncSession, page: PageRequest, *, reasons: Sequence[ReviewReasonKind]
) -> Page[ClaimRead]:
    """Return a page of the claims that need review (for one of ``reasons``), oldest first."""
    oldest = review_service.oldest_reasons(reasons)
    order = Sort("oldest", (SortKey(oldest.c.oldest, False, datetime), SortKey(Claim.id)))
    statement = (
        select(Claim).join(oldest, oldest.c.claim_id == Claim.id).where(Claim.deleted_at.is_(None))
    )
    return await _page(session, _with_children(statement), sort=order, page=page)


async def _page(
    session: AsyncSession, statement: Select[Any], *, sort: Sort, page: PageRequest
) -> Page[ClaimRead]:
    """Return ``page`` of the claims ``statement`` selects, in ``sort`` order."""
    rows, next_cursor = await paginate(session, statement, sort=sort, page=page)
    items = await read_many(session, claims=[row[0] for row in rows])
    return Page[ClaimRead](items=items, next_cursor=next_cursor)


async def _slug_taken(session: AsyncSession, slug: str, *, claim_id: int | None = None) -> bool:
    current = select(Claim.id).where(Claim.slug == slug)
    former = select(ClaimSlug.claim_id).where(ClaimSlug.slug == slug)
    if claim_id is not None:
        current = current.where(Claim.id != claim_id)
        former = former.where(ClaimSlug.claim_id != claim_id)
    found = (await session.execute(current.union_all(former).limit(1))).first()
    return found is not None


async def _free_slug(session: AsyncSession, statement: str, *, claim_id: int | None = None) -> str:
    base = slugify(statement, prefix="claim")
    slug, number = base, 1
    while await _slug_taken(session, slug, claim_id=claim_id):
        number += 1
        slug = with_suffix(base, number)
    return slug


async def _ensure_new_statement(
    session: AsyncSession, statement: str, *, claim_id: int | None = None
) -> None:
    query = select(Claim).where(
        func.lower(Claim.statement) == statement.lower(), Claim.deleted_at.is_(None)
    )
    if claim_id is not None:
        query = query.where(Claim.id != claim_id)
    existing = (await session.execute(query.limit(1))).scalar_one_or_none()
    if existing is not None:
        raise DuplicateClaim(
            f"A claim with this statement exists: {claim_url(existing)}",
            existing=claim_url(existing),
        )


def _set_aliases(claim: Claim, aliases: builtins.list[str]) -> None:
    claim.aliases.extend(
        ClaimAlias(position=position, alias=alias) for position, alias in enumerate(aliases)
    )
    claim.aliases_text = "\n".join(aliases)


async def _live_by_id(session: AsyncSession, claim_ids: Sequence[int]) -> dict[int, Claim]:
    rows = (
        await session.execute(
            _with_children(select(Claim).where(Claim.id.in_(claim_ids), Claim.deleted_at.is_(None)))
        )
    ).scalars()
    return {claim.id: claim for claim in rows}


async def match(session: AsyncSession, *, text: str, limit: int) -> builtins.list[ClaimMatch]:
    """Return the claims that ``text`` asserts or asks about, best first, with a 0..1 score."""
    # Every claim is a candidate: the client sets its own threshold on the score.
    ranking = await semantic_index.rank(
        session, question=text, limit=limit * 4 + 10, floor=-1.0, margin=2.0
    )
    if ranking is None:
        return []
    live = await _live_by_id(session, ranking.claim_ids)
    picked = [
        (live[claim_id], score)
        for claim_id, score in zip(ranking.claim_ids, ranking.scores, strict=True)
        if claim_id in live
    ][:limit]
    reads = await read_many(session, claims=[claim for claim, _ in picked])
    return [
        ClaimMatch(score=semantic_index.calibrated(score), claim=read)
        for (_, score), read in zip(picked, reads, strict=True)
    ]


async def _ensure_not_similar(session: AsyncSession, statement: str, vector: Vectors) -> None:
    """Raise SimilarClaim when a live claim means the same as ``statement`` (its ``vector``)."""
    ranking = await semantic_index.rank(
        session, question=statement, limit=SIMILAR_CANDIDATES, query=vector
    )
    if ranking is None:
        return
    close = {
        claim_id: cosine
        for claim_id, cosine in zip(ranking.claim_ids, ranking.meaning, strict=True)
        if cosine >= similar.SIMILAR_COSINE
    }
    if not close:
        return
    # Their slugs and statements only: one statement, not the claims with their children.
    live = (
        await session.execute(
            select(Claim.id, Claim.slug, Claim.statement).where(
                Claim.id.in_(builtins.list(close)), Claim.deleted_at.is_(None)
            )
        )
    ).all()
    found = [
        {
            "url": claim_url(row),
            "statement": row.statement,
            "score": round(close[row.id], 4),
        }
        for row in sorted(live, key=lambda row: -close[row.id])
        if similar.same_claim(row.statement, statement, close[row.id])
    ]
    if found:
        raise SimilarClaim(
            f"A claim that means the same exists: {found[0]['url']}. Send "
            "`allow_similar=true` to add this one anyway.",
            similar=found,
        )


async def create(
    session: AsyncSession, *, data: ClaimCreate, actor: Actor, allow_similar: bool = True
) -> ClaimRead:
    """Add a claim; 409 when its statement or chosen slug is taken, or (unless
    ``allow_similar``) when a claim that means the same exists."""
    statement = data.statement
    texts = [statement, *data.aliases]
    # Each text is embedded once, while the checks and inserts run: the statement's vector is
    # the near-duplicate check's question, and all are stored.
    async with semantic_service.embedding_aside(texts) as vectors:
        await _ensure_new_statement(session, statement)
        if not allow_similar and get_settings().semantic_search:
            await _ensure_not_similar(session, statement, (await vectors)[0])
        claim = await _added(session, data)
        embedded = dict(zip(texts, await vectors, strict=True))
    await semantic_service.store(
        session, claims=[semantic_service.texts_of(claim)], embedded=embedded, new=True
    )
    return await audit_service.created(session, actor=actor, entity="claim", after=read_new(claim))


async def _added(session: AsyncSession, data: ClaimCreate) -> Claim:
    """Add the claim ``data`` describes under its chosen slug (409 when taken) or a free one."""
    statement = data.statement
    if data.slug is not None:
        if await _slug_taken(session, data.slug):
            holder = (
                (
                    await session.execute(
                        select(Claim).where(
                            or_(
                                Claim.slug == data.slug,
                                Claim.id.in_(
                                    select(ClaimSlug.claim_id).where(ClaimSlug.slug == data.slug)
                                ),
                            )
                        )
                    )
                )
                .scalars()
                .first()
            )
            existing = claim_url(holder) if holder is not None else None
            raise DuplicateClaim(f"The slug '{data.slug}' is taken.", existing=existing)
        slug = data.slug
    else:
        slug = await _free_slug(session, statement)
    topics = await topic_service.get_by_slugs(session, slugs=data.topics)
    claim = Claim(slug=slug, statement=statement, summary=data.summary, aliases=[], topics=topics)
    _set_aliases(claim, data.aliases)
    session.add(claim)
    await session.flush()
    return claim


async def update(
    session: AsyncSession, *, edit: Edit[Claim, ClaimRead], data: ClaimUpdate
) -> ClaimRead:
    """Apply the fields sent; a new statement gets a new slug and the old one keeps resolving."""
    claim = edit.entity
    changes = data.model_dump(exclude_unset=True)
    if "statement" in changes and changes["statement"] != claim.statement:
        statement = changes["statement"]
        await _ensure_new_statement(session, statement, claim_id=claim.id)
        new_slug = await _free_slug(session, statement, claim_id=claim.id)
        if new_slug != claim.slug:
            await session.execute(sa.delete(ClaimSlug).where(ClaimSlug.slug == new_slug))
            session.add(ClaimSlug(slug=claim.slug, claim_id=claim.id))
            claim.slug = new_slug
        claim.statement = statement
    if "summary" in changes:
        claim.summary = changes["summary"]
    if "aliases" in changes:
        claim.aliases.clear()
        await session.flush()
        _set_aliases(claim, changes["aliases"])
    if "topics" in changes:
        claim.topics = await topic_service.get_by_slugs(session, slugs=changes["topics"])
    claim.version += 1
    claim.updated_at = utcnow()
    await session.flush()
    if changes.keys() & {"statement", "aliases"}:
        await semantic_service.store(session, claims=[semantic_service.texts_of(claim)])
    elif "summary" in changes:
        # No embedded text changed: the claim's vectors only move to a new generation, so
        # that processes reload its words.
        await semantic_service.touch(session, claim_ids=[claim.id])
    # The claim's verdict, evidence and review are not changed by an edit of the claim, and
    # it is locked: they are as read for the before-state.
    before = edit.before
    after = _to_read(claim, before.verdict, before.evidence_summary, before.review)
    return await audit_service.updated(session, edit=edit, entity="claim", after=after)


async def delete(session: AsyncSession, *, edit: Edit[Claim, ClaimRead]) -> None:
    """Soft-delete a claim: hidden from every read, list, count and stat until restored."""
    claim = edit.entity
    claim.deleted_at = utcnow()
    claim.version += 1
    await session.flush()
    await audit_service.deleted(session, edit=edit, entity="claim")


async def restore(session: AsyncSession, *, claim: Claim, actor: Actor) -> ClaimRead:
    """Bring a deleted claim back, with its evidence and verdict history."""
    claim.deleted_at = None
    claim.version += 1
    claim.updated_at = utcnow()
    await session.flush()
    restored = await read(session, claim=claim)
    return await audit_service.created(
        session, actor=actor, entity="claim", after=restored, action="restore"
    )


async def stats(session: AsyncSession) -> Stats:
    """Count claims, studies, evidence and topics, and claims per current verdict rating."""
    live = Claim.deleted_at.is_(None)
    claims = (await session.execute(select(func.count()).where(live))).scalar_one()
    studies = (await session.execute(select(func.count()).select_from(Study))).scalar_one()
    evidence = (
        await session.execute(select(func.count()).select_from(Evidence).join(Claim).where(live))
    ).scalar_one()
    topics = (await session.execute(select(func.count()).select_from(Topic))).scalar_one()
    by_rating = {
        str(rating): count
        for rating, count in (
            await session.execute(
                select(Verdict.rating, func.count())
                .join(Claim, Claim.id == Verdict.claim_id)
                .where(Verdict.is_current, live)
                .group_by(Verdict.rating)
            )
        ).all()
    }
    verdicts = {rating.value: by_rating.get(rating.value, 0) for rating in Rating}
    verdicts["none"] = claims - sum(verdicts.values())
    return Stats(
        claims=claims, studies=studies, evidence=evidence, topics=topics, verdicts=verdicts
    )
