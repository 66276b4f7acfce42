"""A claim's document read as plain rows: two statements, no ORM objects, encoded once.

The most read answer, ``GET /v1/claims/{claim}``, is built here from the claim's row and one
``UNION ALL`` of everything it shows (aliases, topics, the current verdict, the evidence
links' stances and designs, the review reasons), and encoded with orjson into the same bytes
as ``ClaimRead.model_dump_json()`` (a test holds the two together). The two statements run
on the driver itself in one snapshot (:mod:`app.row_reads`). Lists and writes still go
through :func:`app.claims.service.read_many`, where the ORM's cost does not show.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa

from app.claims.service import ClaimNotFound
from app.models.base import UTCDateTime
from app.params import as_id
from app.response_cache import depends_on
from app.row_reads import Fetch, RowReader
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
PARTS = sa.text(
    """
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
).columns(at=UTCDateTime())

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
