"""Topics: get, list, create, update, delete."""

import builtins
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.auth.actor import Actor
from app.editing import Edit
from app.errors import Conflict, InvalidInput, NotFound
from app.models import Claim, Topic, claim_topics
from app.models.base import utcnow
from app.pagination import Page, PageRequest, Sort, SortKey, paginate
from app.params import as_id
from app.slugs import slugify
from app.topics.schemas import TopicClaim, TopicCreate, TopicDetail, TopicRead, TopicUpdate

TOPIC_CLAIMS_SHOWN = 100


class TopicNotFound(NotFound):
    """No topic with that id or slug."""


class DuplicateTopic(Conflict):
    """A topic with that slug exists."""


def topic_url(topic: Topic) -> str:
    """Return the canonical path of a topic."""
    return f"/v1/topics/{topic.slug}"


async def get(session: AsyncSession, *, ref: str, for_update: bool = False) -> Topic:
    """Return the topic with this id or slug; 404 otherwise."""
    topic_id = as_id(ref)
    condition = Topic.id == topic_id if topic_id is not None else Topic.slug == ref
    statement = select(Topic).where(condition)
    if for_update:
        statement = statement.with_for_update()
    topic = (await session.execute(statement)).scalar_one_or_none()
    if topic is None:
        raise TopicNotFound(f"No topic '{ref}'.")
    return topic


async def get_by_slugs(session: AsyncSession, *, slugs: Sequence[str]) -> builtins.list[Topic]:
    """Return the topics with these slugs, in the same order; 422 names any unknown one."""
    if not slugs:
        return []
    rows = (await session.execute(select(Topic).where(Topic.slug.in_(slugs)))).scalars()
    by_slug = {topic.slug: topic for topic in rows}
    missing = [slug for slug in slugs if slug not in by_slug]
    if missing:
        raise InvalidInput(
            f"Unknown topic(s): {', '.join(missing)}. Create them first with POST /v1/topics.",
            loc=["body", "topics"],
        )
    return [by_slug[slug] for slug in dict.fromkeys(slugs)]


async def _claim_counts(session: AsyncSession, topic_ids: Sequence[int]) -> dict[int, int]:
    if not topic_ids:
        return {}
    statement = (
        select(claim_topics.c.topic_id, func.count())
        .join(Claim, Claim.id == claim_topics.c.claim_id)
        .where(claim_topics.c.topic_id.in_(topic_ids), Claim.deleted_at.is_(None))
        .group_by(claim_topics.c.topic_id)
    )
    return {row[0]: row[1] for row in (await session.execute(statement)).all()}


def _read(topic: Topic, claim_count: int) -> TopicRead:
    return TopicRead(
        id=topic.id,
        slug=topic.slug,
        name=topic.name,
        description=topic.description,
        claim_count=claim_count,
    )


async def read(session: AsyncSession, *, topic: Topic) -> TopicDetail:
    """Return a topic's full representation with its first claims."""
    counts = await _claim_counts(session, [topic.id])
    claims = (
        await session.execute(
            select(Claim.id, Claim.slug, Claim.statement)
            .join(claim_topics, claim_topics.c.claim_id == Claim.id)
            .where(claim_topics.c.topic_id == topic.id, Claim.deleted_at.is_(None))
            .order_by(Claim.statement, Claim.id)
            .limit(TOPIC_CLAIMS_SHOWN)
        )
    ).all()
    return TopicDetail(
        **_read(topic, counts.get(topic.id, 0)).model_dump(),
        claims=[TopicClaim(id=row.id, slug=row.slug, statement=row.statement) for row in claims],
        claims_url=f"/v1/claims?topic={topic.slug}",
    )


BY_NAME = Sort("name", (SortKey(Topic.name, kind=str), SortKey(Topic.id)))


async def list(session: AsyncSession, page: PageRequest) -> Page[TopicRead]:
    """Return a page of topics by name, with their claim counts."""
    rows, next_cursor = await paginate(session, select(Topic), sort=BY_NAME, page=page)
    topics = [row[0] for row in rows]
    counts = await _claim_counts(session, [topic.id for topic in topics])
    items = [_read(topic, counts.get(topic.id, 0)) for topic in topics]
    return Page[TopicRead](items=items, next_cursor=next_cursor)


async def _ensure_slug_free(session: AsyncSession, slug: str) -> None:
    existing = (await session.execute(select(Topic).where(Topic.slug == slug))).scalar_one_or_none()
    if existing is not None:
        raise DuplicateTopic(
            f"A topic with slug '{slug}' exists: {topic_url(existing)}",
            existing=topic_url(existing),
        )


async def create(session: AsyncSession, *, data: TopicCreate, actor: Actor) -> TopicDetail:
    """Create a topic; 409 when its slug is taken."""
    slug = data.slug or slugify(data.name, prefix="topic")
    await _ensure_slug_free(session, slug)
    topic = Topic(slug=slug, name=data.name, description=data.description)
    session.add(topic)
    await session.flush()
    return await audit_service.created(
        session, actor=actor, entity="topic", after=await read(session, topic=topic)
    )


async def update(
    session: AsyncSession, *, edit: Edit[Topic, TopicDetail], data: TopicUpdate
) -> TopicDetail:
    """Apply the fields sent to a topic and bump its version."""
    topic = edit.entity
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name") is None:
        changes.pop("name", None)
    if "slug" in changes:
        if changes["slug"] is None:
            changes.pop("slug")
        elif changes["slug"] != topic.slug:
            await _ensure_slug_free(session, changes["slug"])
    for field, value in changes.items():
        setattr(topic, field, value)
    topic.version += 1
    topic.updated_at = utcnow()
    await session.flush()
    return await audit_service.updated(
        session, edit=edit, entity="topic", after=await read(session, topic=topic)
    )


async def delete(session: AsyncSession, *, edit: Edit[Topic, TopicDetail]) -> None:
    """Delete a topic; the claims it tagged lose the tag and stay."""
    topic = edit.entity
    await session.delete(topic)
    await session.flush()
    await audit_service.deleted(session, edit=edit, entity="topic")
