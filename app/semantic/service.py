"""Claim vectors: written with the claim texts they embed, and re-made when text or model change.

Each claim has one vector per text: its statement (position 0) and each alias (1..n). A claim
is scored by its best text, so an alias such as "glute amnesia" is not diluted by a long
statement. Summaries are not embedded (they are long, and take most of a create's time for
little gain in ranking); their words still count in the hybrid ranking.
"""

import asyncio
import hashlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.models import Claim, ClaimEmbedding, ContentGeneration
from app.semantic.embedder import Embedder, Vectors, get_embedder


@dataclass(frozen=True, slots=True)
class ClaimTexts:
    """The texts of one claim that are embedded."""

    claim_id: int
    statement: str
    aliases: tuple[str, ...]

    def positioned(self) -> list[tuple[int, str]]:
        """Return ``(position, text)``: 0 the statement, 1..n the aliases."""
        return [(0, self.statement)] + [
            (index, alias) for index, alias in enumerate(self.aliases, start=1)
        ]


def text_hash(text: str) -> str:
    """Return the SHA-256 of a text, to tell when its vector is stale."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embedder() -> Embedder:
    """Return the configured embedding model, loaded once per process."""
    return get_embedder(get_settings().embedding_model)


@asynccontextmanager
async def embedding_aside(texts: Sequence[str]) -> AsyncIterator["asyncio.Future[Vectors]"]:
    """Embed ``texts`` in a worker thread while the block runs; yield their vectors' future.

    A write's checks and inserts then run while the model works (numpy leaves the GIL in its
    products). The texts go in as one call, the batch :func:`store` would make, so the vectors
    are the same.
    """
    future = asyncio.ensure_future(asyncio.to_thread(embedder().embed, list(texts)))
    try:
        yield future
    finally:
        if not future.done():
            future.cancel()
        elif not future.cancelled():
            future.exception()  # retrieved: a block that failed first never awaited it


async def next_generation(session: AsyncSession) -> int:
    """Bump the content generation in this transaction and return the new value."""
    value: int = (
        await session.execute(
            sa.update(ContentGeneration)
            .where(ContentGeneration.id == 1)
            .values(value=ContentGeneration.value + 1)
            .returning(ContentGeneration.value)
        )
    ).scalar_one()
    return value


async def store(
    session: AsyncSession,
    *,
    claims: Sequence[ClaimTexts],
    model: Embedder | None = None,
    touch: bool = True,
    embedded: Mapping[str, Vectors] | None = None,
    new: bool = False,
) -> int:
    """Write the vectors of ``claims``' texts, embedding only the texts that changed.

    With ``touch``, every claim's rows are marked with a new generation even when no vector
    changed (its summary may have), so processes reload its words. ``embedded`` holds vectors
    the caller made already with ``model``, by text: those texts are not run again. ``new``
    claims were added in this transaction: they have no rows to read or move. Return the
    texts embedded.
    """
    if not claims:
        return 0
    model = model or embedder()
    ids = [claim.claim_id for claim in claims]
    kept: dict[tuple[int, int], tuple[int, str, str]] = {}
    if not new:
        kept = {
            (row.claim_id, row.position): (row.id, row.model, row.text_hash)
            for row in (
                await session.execute(
                    sa.select(
                        ClaimEmbedding.id,
                        ClaimEmbedding.claim_id,
                        ClaimEmbedding.position,
                        ClaimEmbedding.model,
                        ClaimEmbedding.text_hash,
                    ).where(ClaimEmbedding.claim_id.in_(ids))
                )
            ).all()
        }
    wanted: dict[tuple[int, int], tuple[str, str]] = {
        (claim.claim_id, position): (text, text_hash(text))
        for claim in claims
        for position, text in claim.positioned()
    }
    stale = [
        row_id
        for key, (row_id, row_model, row_hash) in kept.items()
        if key not in wanted or row_model != model.name or row_hash != wanted[key][1]
    ]
    missing = [
        key
        for key, (_, digest) in wanted.items()
        if key not in kept or kept[key][1] != model.name or kept[key][2] != digest
    ]
    changed_claims = {key[0] for key in missing} | {
        key[0] for key, (row_id, _, _) in kept.items() if row_id in stale
    }
    if not changed_claims and not touch:
        return 0
    generation = await next_generation(session)
    if stale:
        await session.execute(sa.delete(ClaimEmbedding).where(ClaimEmbedding.id.in_(stale)))
    touched = ids if touch else sorted(changed_claims)
    if not new:
        await session.execute(
            sa.update(ClaimEmbedding)
            .where(ClaimEmbedding.claim_id.in_(touched))
            .values(generation=generation)
        )
    if missing:
        vectors = _vectors_of(model, [wanted[key][0] for key in missing], embedded or {})
        await session.execute(
            sa.insert(ClaimEmbedding),
            [
                {
                    "claim_id": claim_id,
                    "position": position,
                    "model": model.name,
                    "text_hash": wanted[(claim_id, position)][1],
                    "generation": generation,
                    "vector": vector.tobytes(),
                }
                for (claim_id, position), vector in zip(missing, vectors, strict=True)
            ],
        )
    return len(missing)


def _vectors_of(model: Embedder, texts: list[str], embedded: Mapping[str, Vectors]) -> Vectors:
    """Return the vectors of ``texts``, running through ``model`` only those not in ``embedded``."""
    result = np.empty((len(texts), model.dimensions), dtype="<f4")
    run = [row for row, text in enumerate(texts) if text not in embedded]
    if run:
        result[run] = model.embed([texts[row] for row in run])
    for row, text in enumerate(texts):
        if text in embedded:
            result[row] = embedded[text]
    return result


async def touch(session: AsyncSession, *, claim_ids: Sequence[int]) -> None:
    """Move the claims' vectors to a new generation, for a change to words that are not
    embedded (a summary): processes reload the claims' words, and no text is embedded."""
    generation = await next_generation(session)
    await session.execute(
        sa.update(ClaimEmbedding)
        .where(ClaimEmbedding.claim_id.in_(claim_ids))
        .values(generation=generation)
    )


def texts_of(claim: Claim) -> ClaimTexts:
    """Return the embedded texts of a claim loaded with its aliases."""
    return ClaimTexts(
        claim_id=claim.id,
        statement=claim.statement,
        aliases=tuple(alias.alias for alias in claim.aliases),
    )


async def reindex_batch(
    session: AsyncSession, *, after_id: int, size: int, model: Embedder
) -> tuple[int, int, int]:
    """Bring the vectors of the next ``size`` claims after ``after_id`` up to date.

    Return the last claim id seen (0 when there are no more), claims seen and texts embedded.
    """
    rows = (
        await session.execute(
            sa.select(Claim.id, Claim.statement, Claim.aliases_text)
            .where(Claim.id > after_id)
            .order_by(Claim.id)
            .limit(size)
        )
    ).all()
    if not rows:
        return 0, 0, 0
    claims = [
        ClaimTexts(
            claim_id=row.id,
            statement=row.statement,
            aliases=tuple(alias for alias in row.aliases_text.split("\n") if alias),
        )
        for row in rows
    ]
    embedded = await store(session, claims=claims, model=model, touch=False)
    return rows[-1].id, len(rows), embedded


async def count_claims(session: AsyncSession) -> int:
    """Return how many claims (deleted ones too) there are to reindex."""
    count: int = (await session.execute(sa.select(sa.func.count()).select_from(Claim))).scalar_one()
    return count


def vector_of(blob: bytes) -> np.ndarray:
    """Return a stored vector as a float32 array."""
    return np.frombuffer(blob, dtype="<f4")
