"""Ranked full-text search over claims: FTS5 on SQLite, tsvector on PostgreSQL, side by side.

The index is kept in step with every write by triggers in the database (see the initial
migration); this module turns a question into terms and ranks the claims that match any of
them. Relevance puts claims that match more of the question's words first (coverage), then
orders by the engine's own score: bm25 on SQLite (statement 10x, aliases 5x, summary 1x),
ts_rank on PostgreSQL (statement A, aliases B, summary C).

Common words are treated like stop words: in a collection of at least
``COMMON_MIN_CLAIMS`` claims, a word found in more than ``COMMON_FRACTION`` of them
("covid" in a COVID collection) neither selects nor ranks claims when the question has rarer
words. Scoring every claim that mentions such a word is what makes a search slow, and it
changes no ranking a reader would notice. Document frequencies are counted once per content
generation and kept in the process.
"""

import re
from typing import Any

import orjson
from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    TextClause,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.models import Claim, ContentGeneration

# Words that carry no meaning for matching a claim ("does sitting turn my glutes off?").
_STOP_WORDS_TEXT = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
really actually true truth
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
MAX_TERMS = 12
# Coverage dominates the score: one more matched word outranks any difference in score.
COVERAGE_WEIGHT = 1000.0
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

COMMON_FRACTION = 0.05
COMMON_MIN_CLAIMS = 2000
MAX_KEPT_TERMS = 50_000

claims_fts = table("claims_fts", column("rowid"), column("claim_id"), column("document"))


class CorpusStatistics:
    """How many claims there are and how many match each term, for one content generation."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.claims: int | None = None
        self.matching: dict[str, int] = {}


_statistics: dict[str, CorpusStatistics] = {}


async def selective_terms(session: AsyncSession, terms: list[str]) -> list[str]:
    """Return the terms that select claims: all of them, less the common ones if any is rarer."""
    bind = session.get_bind()
    key = str(bind.engine.url)
    generation = (
        await session.execute(select(ContentGeneration.value).where(ContentGeneration.id == 1))
    ).scalar_one()
    statistics = _statistics.get(key)
    if statistics is None or statistics.generation != generation:
        statistics = _statistics[key] = CorpusStatistics(generation)
    if statistics.claims is None:
        statistics.claims = (
            await session.execute(select(func.count()).where(Claim.deleted_at.is_(None)))
        ).scalar_one()
    if statistics.claims < COMMON_MIN_CLAIMS:
        return terms
    for term in terms:
        if term not in statistics.matching:
            if len(statistics.matching) >= MAX_KEPT_TERMS:
                statistics.matching.clear()
            match = ranked_matches(bind.dialect.name, [term]).subquery()
            statistics.matching[term] = (
                await session.execute(select(func.count()).select_from(match))
            ).scalar_one()
    limit = COMMON_FRACTION * statistics.claims
    rare = [term for term in terms if statistics.matching[term] <= limit]
    return rare or terms


def search_terms(question: str) -> list[str]:
    """Return the meaningful words of a question, lower-case, first occurrence first."""
    words = [word.lower() for word in _WORD.findall(question)]
    meaningful = [word for word in words if word not in STOP_WORDS and len(word) > 1]
    return list(dict.fromkeys(meaningful))[:MAX_TERMS]


def _fts5_phrase(term: str) -> str:
    # Quoted, so FTS5 operators in user input are matched as plain words.
    return '"' + term.replace('"', '""') + '"'


def _sqlite_match(terms: list[str], name: str) -> TextClause:
    clause: TextClause = text(f"claims_fts MATCH :{name}").bindparams(
        **{name: " OR ".join(_fts5_phrase(term) for term in terms)}
    )
    return clause


def ranked_matches(dialect: str, terms: list[str]) -> Select[Any]:
    """Return ``SELECT claim_id, relevance`` over claims matching any term; higher is better."""
    if dialect == "sqlite":
        coverage: ColumnElement[Any] = sum(
            (
                cast(
                    claims_fts.c.rowid.in_(
                        select(claims_fts.c.rowid)
                        .select_from(claims_fts)
                        .where(_sqlite_match([term], f"term_{index}"))
                    ),
                    Integer,
                )
                for index, term in enumerate(terms)
            ),
            start=literal_column("0"),
        )
        # bm25() is lower for better matches.
        score = -func.bm25(literal_column("claims_fts"), 10.0, 5.0, 1.0)
        return (
            select(
                claims_fts.c.rowid.label("claim_id"),
                cast(coverage * COVERAGE_WEIGHT + score, Float).label("relevance"),
            )
            .select_from(claims_fts)
            .where(_sqlite_match(terms, "any_term"))
        )
    english: ColumnElement[Any] = literal_column("'english'::regconfig")
    query = func.to_tsquery(english, " | ".join(terms))
    coverage = sum(
        (
            cast(claims_fts.c.document.op("@@")(func.to_tsquery(english, term)), Integer)
            for term in terms
        ),
        start=literal_column("0"),
    )
    return select(
        claims_fts.c.claim_id.label("claim_id"),
        cast(coverage * COVERAGE_WEIGHT + func.ts_rank(claims_fts.c.document, query), Float).label(
            "relevance"
        ),
    ).where(claims_fts.c.document.op("@@")(query))


def scored_claims(dialect: str, claim_ids: list[int], scores: list[float]) -> Select[Any]:
    """Return ``SELECT claim_id, relevance`` over scores computed in the process."""
    if dialect == "sqlite":
        scored = orjson.dumps(dict(zip(map(str, claim_ids), scores, strict=True))).decode()
        pairs = func.json_each(literal(scored, String)).table_valued("key", "value")
        return select(
            cast(pairs.c.key, Integer).label("claim_id"),
            cast(pairs.c.value, Float).label("relevance"),
        )
    pairs = (
        func.unnest(
            cast(literal(claim_ids, ARRAY(Integer)), ARRAY(Integer)),
            cast(literal(scores, ARRAY(Float)), ARRAY(Float)),
        )
        .table_valued("claim_id", "relevance")
        .render_derived(with_types=False)
    )
    return select(pairs.c.claim_id.label("claim_id"), pairs.c.relevance.label("relevance"))
