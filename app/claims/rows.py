"""A claim's document read as plain rows: two statements, no ORM objects, encoded once.

The most read answer, ``GET /v1/claims/{claim}``, is built here from the claim's row and one
``UNION ALL`` of everything it shows (aliases, topics, the current verdict, the evidence
links' stances and designs, the review reasons), and encoded with orjson into the same bytes
as ``ClaimRead.model_dump_json()`` (a test holds the two together). The two statements run
on the driver itself in one snapshot (:mod:`app.row_reads`).

A search ranked by meaning with no filter (``GET /v1/claims?q=``, sorted by relevance) is
built the same way, a page of such documents: the ranking comes from the process's index,
and the page's claims and their parts are read in one statement each. Other lists and writes
go through :func:`app.claims.service.read_many`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims import service
from app.claims.search import search_terms
from app.claims.service import ClaimNotFound
from app.models.base import UTCDateTime
from app.pagination import PageRequest, Sort, SortKey, decode_cursor, page_of
from app.params import as_id
from app.response_cache import depends_on
from app.row_reads import Fetch, RowReader, Statement
from app.vocabularies import DESIGN_RANK, RATING_VALUES, Design, Rating, ReviewReasonKind

_TIMES = {"created_at": UTCDateTime(), "updated_at": UTCDateTime(), "deleted_at": UTCDateTime()}
BY_ID = sa.text(
    "SELECT id, slug, statement, summary, created_at, updated_at, version, deleted_at "
    "FROM claims WHERE id = :ref"
).columns(**_TIMES)
BY_SLUG = sa.text(
    "SELECT id, slug, statement, summary, created_at, updated_at, version, deleted_at "
    "FROM claims WHERE slug = :ref"
).columns(**_TIMES)
BY_FORMER_SLUG = sa.text(
    "SELECT id, slug, statement, summary, created_at, updated_at, version, deleted_at "
    "FROM claims WHERE id = (SELECT claim_id FROM claim_slugs WHERE slug = :ref)"
).columns(**_TIMES)

ALIAS, TOPIC, VERDICT, EVIDENCE, REASON = range(5)
# Everything a claim's document shows, in one statement: (kind, n1, n2, t1...t6, at). The
# first branch names the columns' types: PostgreSQL types a UNION branch by branch.
_PARTS_SQL = """
    SELECT 0 AS kind, position AS n1, CAST(NULL AS INTEGER) AS n2, alias AS t1,
           CAST(NULL AS TEXT) AS t2, CAST(NULL AS TEXT) AS t3, CAST(NULL AS TEXT) AS t4,
           CAST(NULL AS TEXT) AS t5, CAST(NULL AS TEXT) AS t6,
           CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS at
      FROM claim_aliases WHERE claim_id = :claim
    UNION ALL
    SELECT 1, topics.id, NULL, topics.slug, topics.name, NULL, NULL, NULL, NULL, NULL
      FROM claim_topics JOIN topics ON topics.id = claim_topics.topic_id
     WHERE claim_topics.claim_id = :claim
    UNION ALL
    SELECT 2, id, NULL, rating, certainty, rationale, decided_by, assessed_rating,
           assessed_certainty, decided_at
      FROM verdicts WHERE claim_id = :claim AND is_current = :current
    UNION ALL
    SELECT 3, evidence.id, evidence.study_id, evidence.stance, studies.design, NULL, NULL,
           NULL, NULL, NULL
      FROM evidence JOIN studies ON studies.id = evidence.study_id
     WHERE evidence.claim_id = :claim
    UNION ALL
    SELECT 4, id, study_id, reason, NULL, NULL, NULL, NULL, NULL, since
      FROM review_reasons WHERE claim_id = :claim
    """
PARTS = sa.text(_PARTS_SQL).columns(at=UTCDateTime())

STANCES = ("supports", "contradicts", "mixed", "mentions")


def _time(value: datetime) -> str:
    """Write a UTC timestamp as pydantic does: ``2026-11-29T03:56:51.522036Z``."""
    return value.isoformat().replace("+00:00", "Z")


class ClaimRow(NamedTuple):
    """A claim's row as :data:`BY_ID` selects it."""

    id: int
    slug: str
    statement: str
    summary: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    deleted_at: datetime | None


async def _claim_row(fetch: Fetch, ref: str) -> ClaimRow:
    claim_id = as_id(ref)
    if claim_id is not None:
        found = await fetch(BY_ID, {"ref": claim_id})
    else:
        found = await fetch(BY_SLUG, {"ref": ref})
        if not found:
            found = await fetch(BY_FORMER_SLUG, {"ref": ref})
    if not found or found[0][7] is not None:
        raise ClaimNotFound(f"No claim '{ref}'.")
    return ClaimRow(*found[0])


async def claim_row(rows: RowReader, *, ref: str) -> ClaimRow:
    """Return the undeleted claim with this id, slug or former slug as a row; 404 otherwise."""
    async with rows.snapshot() as fetch:
        claim = await _claim_row(fetch, ref)
    depends_on("claim", [claim.id])
    return claim


async def document(rows: RowReader, *, ref: str) -> bytes:
    """Return the JSON of the undeleted claim with this id, slug or former slug; 404 otherwise."""
    async with rows.snapshot() as fetch:
        claim = await _claim_row(fetch, ref)
        parts = await fetch(PARTS, {"claim": claim.id, "current": True})
    body, depends = build(claim, parts)
    for entity, ids in depends.items():
        depends_on(entity, ids)
    return body


def build(claim: Any, parts: Sequence[Sequence[Any]]) -> tuple[bytes, dict[str, list[int]]]:
    """Return a claim's document from its row and the rows of :data:`PARTS`, and what it shows.

    ``claim`` has the columns of :data:`BY_ID`; timestamps are UTC-aware datetimes.
    """
    aliases: list[tuple[int, str]] = []
    topics: list[tuple[str, str]] = []
    verdict: dict[str, Any] | None = None
    counts = dict.fromkeys(STANCES, 0)
    strongest: Design | None = None
    reasons: list[tuple[datetime, int, dict[str, Any]]] = []  # (since, id, reason)
    topic_ids, evidence_ids, study_ids = [], [], []
    for kind, n1, n2, t1, t2, t3, t4, t5, t6, at in parts:
        if kind == ALIAS:
            aliases.append((n1, t1))
        elif kind == TOPIC:
            topic_ids.append(n1)
            topics.append((t1, t2))
        elif kind == VERDICT:
            verdict = _verdict(n1, t1, t2, t3, t4, t5, t6, at)
        elif kind == EVIDENCE:
            evidence_ids.append(n1)
            study_ids.append(n2)
            counts[t1] += 1
            if t2 is not None:
                design = Design(t2)
                if strongest is None or DESIGN_RANK[design] < DESIGN_RANK[strongest]:
                    strongest = design
        else:
            reason = {"reason": t1, "since": _time(at), "study_id": n2}
            reasons.append((at, n1, reason))
    # As the service orders them: no verdict first, the stored ones by (since, id), then all
    # by date (a stable sort).
    dated = [(since, reason) for since, _, reason in sorted(reasons, key=lambda item: item[:2])]
    if verdict is None:
        no_verdict = {
            "reason": ReviewReasonKind.no_verdict.value,
            "since": _time(claim.created_at),
            "study_id": None,
        }
        dated.insert(0, (claim.created_at, no_verdict))
    listed = [reason for _, reason in sorted(dated, key=lambda item: item[0])]
    body = {
        "id": claim.id,
        "slug": claim.slug,
        "statement": claim.statement,
        "aliases": [alias for _, alias in sorted(aliases)],
        "summary": claim.summary,
        "topics": [{"slug": slug, "name": name} for slug, name in sorted(topics)],
        "verdict": verdict,
        "evidence_summary": {
            **counts,
            "studies": len(evidence_ids),
            "strongest_design": strongest.value if strongest is not None else None,
        },
        "review": {"needs_review": bool(listed), "reasons": listed},
        "created_at": _time(claim.created_at),
        "updated_at": _time(claim.updated_at),
        "version": claim.version,
    }
    depends = {"claim": [claim.id], "topic": topic_ids, "evidence": evidence_ids}
    depends["study"] = study_ids
    return orjson.dumps(body), depends


def _verdict(
    verdict_id: int,
    rating: str,
    certainty: str,
    rationale: str,
    decided_by: str,
    assessed_rating: str | None,
    assessed_certainty: str | None,
    decided_at: datetime,
) -> dict[str, Any]:
    assessed = assessed_rating is not None and assessed_certainty is not None
    return {
        "id": verdict_id,
        "rating": rating,
        "rating_value": RATING_VALUES[Rating(rating)],
        "certainty": certainty,
        "rationale": rationale,
        "decided_at": _time(decided_at),
        "decided_by": decided_by,
        "is_current": True,
        "assessment": (
            {"suggested_rating": assessed_rating, "certainty": assessed_certainty}
            if assessed
            else None
        ),
        "agrees_with_assessment": (
            None
            if assessed_rating is None
            else (rating, certainty) == (assessed_rating, assessed_certainty)
        ),
    }


# The order of a search: the hybrid score (as the service's SQL compares it), then the id.
RELEVANCE = Sort(
    "relevance", (SortKey(sa.column("relevance"), True, float), SortKey(sa.column("id")))
)
# Claims read in one statement: a page (at most 100) and the one after it. Fewer ids are
# padded with 0, no claim's id, so that each statement is compiled once.
_CHUNK = 101
_IDS = ", ".join(f":id{n}" for n in range(_CHUNK))
BY_IDS = sa.text(
    "SELECT id, slug, statement, summary, created_at, updated_at, version, deleted_at "  # noqa: S608
    f"FROM claims WHERE id IN ({_IDS})"
).columns(**_TIMES)


@cache
def _parts_of_many() -> Statement:
    """Return :data:`PARTS` for up to _CHUNK claims: the claim's id first in each row."""
    branches = _PARTS_SQL.replace("WHERE claim_id = :claim", f"WHERE claim_id IN ({_IDS})")
    branches = branches.replace(
        "WHERE claim_topics.claim_id = :claim", f"WHERE claim_topics.claim_id IN ({_IDS})"
    ).replace("WHERE evidence.claim_id = :claim", f"WHERE evidence.claim_id IN ({_IDS})")
    owners = iter(
        [
            "claim_id AS owner, ",
            "claim_topics.claim_id, ",
            "claim_id, ",
            "evidence.claim_id, ",
            "claim_id, ",
        ]
    )
    selects = branches.split("SELECT ")
    text = selects[0] + "".join(f"SELECT {next(owners)}{branch}" for branch in selects[1:])
    return sa.text(text).columns(at=UTCDateTime())


def _ids(claim_ids: Sequence[int]) -> dict[str, int]:
    padded = [*claim_ids, *[0] * (_CHUNK - len(claim_ids))]
    return {f"id{n}": claim_id for n, claim_id in enumerate(padded)}


@dataclass(frozen=True, slots=True)
class EncodedPage:
    """A page of a list as the JSON of ``Page[...]``, and its next page's cursor."""

    body: bytes
    next_cursor: str | None


async def search(
    session: AsyncSession,
    rows: RowReader,
    page: PageRequest,
    *,
    q: str,
    filtered: bool,
    sort: str | None,
) -> EncodedPage | None:
    """Return a page of the claims a search by meaning ranks for ``q``, as the service's list
    answers it, byte for byte; None when the service must answer (filters, another sort, or
    a ranking by words alone)."""
    if filtered or sort not in (None, "relevance"):
        return None
    if not search_terms(q):
        return EncodedPage(body=b'{"items":[],"next_cursor":null}', next_cursor=None)
    ranking = await service.ranked_search(session, q=q)
    if ranking is None:
        return None
    ranked = sorted(zip(ranking.scores, ranking.claim_ids, strict=True), key=_descending)
    if page.cursor:
        score, last_id = decode_cursor(page.cursor, RELEVANCE)
        ranked = [item for item in ranked if _descending(item) > (-score, last_id)]
    async with rows.snapshot() as fetch:
        found: list[tuple[ClaimRow, tuple[float, int]]] = []
        start = 0
        while len(found) <= page.limit and start < len(ranked):
            chunk = ranked[start : start + _CHUNK]
            start += _CHUNK
            claims = {
                row[0]: ClaimRow(*row) for row in await fetch(BY_IDS, _ids([i for _, i in chunk]))
            }
            found += [
                (claims[claim_id], (score, claim_id))
                for score, claim_id in chunk
                if claim_id in claims and claims[claim_id].deleted_at is None
            ]
        kept, next_cursor = page_of(
            found[: page.limit + 1], sort=RELEVANCE, limit=page.limit, key=lambda item: item[1]
        )
        page_ids = _ids([claim.id for claim, _ in kept])
        parts = await fetch(_parts_of_many(), {**page_ids, "current": True}) if kept else []
    by_claim: dict[int, list[Sequence[Any]]] = {}
    for part in parts:
        by_claim.setdefault(part[0], []).append(part[1:])
    bodies = []
    for claim, _ in kept:
        body, depends = build(claim, by_claim.get(claim.id, []))
        bodies.append(body)
        for entity, shown in depends.items():
            depends_on(entity, shown)
    cursor = b"null" if next_cursor is None else orjson.dumps(next_cursor)
    return EncodedPage(
        body=b'{"items":[' + b",".join(bodies) + b'],"next_cursor":' + cursor + b"}",
        next_cursor=next_cursor,
    )


def _descending(item: tuple[float, int]) -> tuple[float, int]:
    """Order (score, id) pairs as the service's relevance sort does: score down, then id up."""
    return (-item[0], item[1])
