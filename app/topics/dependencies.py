"""The write dependency of ``{topic}``: key first, then the locked topic and its before-state."""

from typing import Annotated

from fastapi import Depends, Request

from app.auth.dependencies import CurrentEditor
from app.db import SessionDep
from app.editing import Edit, begin_edit
from app.models import Topic
from app.params import TopicPath
from app.topics import service
from app.topics.schemas import TopicDetail


async def topic_edit(
    topic: TopicPath, request: Request, session: SessionDep, actor: CurrentEditor
) -> Edit[Topic, TopicDetail]:
    """Return the topic locked for a change, with its before-state; 412 on a stale `If-Match`."""
    found = await service.get(session, ref=topic, for_update=True)
    before = await service.read(session, topic=found)
    return begin_edit(request, entity=found, before=before, actor=actor)


TopicEdit = Annotated[Edit[Topic, TopicDetail], Depends(topic_edit)]
