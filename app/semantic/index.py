"""Claim vectors and words kept in process memory, ranked by an exact scan.

A search embeds the question, takes its dot product with every kept text vector (one matrix
product: 100,000 claims take a few milliseconds), scores each claim by its best text, and adds
the rarity-weighted share of the question's words that the claim's texts contain:

    score = best cosine + WORD_WEIGHT * word share

The weight was measured on the relevance benchmark (bench/relevance/). Words help with names
and rare terms the small model does not know; a word missing from every claim is matched to
a close one ("tumeric" to "turmeric") or to a known word it compounds or ends ("reactivate" to
"activation", "arthritis" to "osteoarthritis").

The memory follows the database: each request reads the content generation (one row); when
it moved, the rows written since (their ``generation`` is above the highest one loaded, an
indexed range) replace their claims' entries. A write that changes a claim's texts moves all
of the claim's rows to its generation, so an edited text's old vector goes with it. Claims
removed outright (never by the API, which soft-deletes; by an operator or a test emptying the
database) bump the generation row's ``removals``, and the index then starts again.
pgvector would be the path beyond an exact scan on PostgreSQL; it is not installed here.
"""

import difflib
import math
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.claims import search
from app.models import Claim, ClaimEmbedding, ContentGeneration
from app.semantic.embedder import Embedder, Vectors
from app.semantic.service import embedder
from app.semantic.words import stems

WORD_WEIGHT = 0.4
# A claim's meaning score is a soft maximum over its texts (temperature * log-sum-exp of the
# cosines): its best text counts most, and several texts close to the question add a little
# (at most temperature * ln(texts)). Measured on bench/relevance/ against the plain maximum.
SOFT_MAX_TEMPERATURE = 0.05
# Words of a summary count for less than words of the statement or an alias.
SUMMARY_WORD_WEIGHT = 0.5
# A claim with none of the question's (rarer) words is a result only this close in meaning
MEANING_FLOOR = 0.3
# ... and only this far below the best match, so a question that names its subject outright
# ("covid masks") does not list every claim that shares a theme with it.
MEANING_MARGIN = 0.25
# A word found in no claim counts as a close one, for less.
TYPO_WEIGHT = 0.7
TYPO_CUTOFF = 0.8
# ... or as the known word it is a compound of ("reactivate": "activate", "darkfield": "field"),
# or the known compound it is the end of ("arthritis": "osteoarthritis"), matched on at least
# this many letters. A compound's stem may end up to COMPOUND_STEM_CUT letters before the
# word's own ("osteoarthritis" stems to "osteoarthr", "arthritis" to "arthriti").
COMPOUND_LETTERS = 5
COMPOUND_STEM_CUT = 3


@dataclass
class _Entry:
    rows: list[int]
    words: frozenset[str]
    summary_words: frozenset[str]


@dataclass
class ClaimIndex:
    """The kept vectors and words of one database's claims."""

    dimensions: int
    model: str
    generation: int | None = None
    removals: int | None = None
    through: int = -1
    slots: dict[int, int] = field(default_factory=dict)
    claim_ids: list[int] = field(default_factory=list)
    entries: dict[int, _Entry] = field(default_factory=dict)
    vectors: Vectors = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    # Row -> slot + 1; 0 marks a row no longer used.
    owners: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    used: int = 0
    live: int = 0
    postings: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    summary_postings: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    # The ends (COMPOUND_LETTERS letters or more, not whole) of statement and alias words.
    word_ends: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.vectors = np.zeros((1024, self.dimensions), dtype=np.float32)
        self.owners = np.zeros(1024, dtype=np.int64)

    def _drop(self, slot: int) -> None:
        entry = self.entries.pop(slot, None)
        if entry is None:
            return
        self.owners[entry.rows] = 0
        self.live -= len(entry.rows)
        for word in entry.words:
            self.postings[word].discard(slot)
        for word in entry.summary_words:
            self.summary_postings[word].discard(slot)

    def _grow(self, needed: int) -> None:
        if self.used + needed <= len(self.owners):
            return
        if self.live + needed <= len(self.owners) // 2:
            self._compact()
            return
        capacity = max(len(self.owners) * 2, self.used + needed)
        vectors = np.zeros((capacity, self.dimensions), dtype=np.float32)
        vectors[: self.used] = self.vectors[: self.used]
        owners = np.zeros(capacity, dtype=np.int64)
        owners[: self.used] = self.owners[: self.used]
        self.vectors, self.owners = vectors, owners

    def _compact(self) -> None:
        keep = np.flatnonzero(self.owners[: self.used])
        position = np.zeros(self.used, dtype=np.int64)
        position[keep] = np.arange(len(keep))
        self.vectors[: len(keep)] = self.vectors[keep]
        self.owners[: len(keep)] = self.owners[keep]
        self.owners[len(keep) :] = 0
        self.used = len(keep)
        for entry in self.entries.values():
            entry.rows = [int(position[row]) for row in entry.rows]

    def put(
        self, claim_id: int, vectors: Vectors, words: frozenset[str], summary_words: frozenset[str]
    ) -> None:
        """Replace what is kept of one claim."""
        slot = self.slots.get(claim_id)
        if slot is None:
            slot = self.slots[claim_id] = len(self.claim_ids)
            self.claim_ids.append(claim_id)
        self._drop(slot)
        self._grow(len(vectors))
        rows = list(range(self.used, self.used + len(vectors)))
        self.vectors[self.used : self.used + len(vectors)] = vectors
        self.owners[self.used : self.used + len(vectors)] = slot + 1
        self.used += len(vectors)
        self.live += len(vectors)
        self.entries[slot] = _Entry(rows, words, summary_words)
        for word in words:
            if word not in self.postings:
                for start in range(1, len(word) - COMPOUND_LETTERS + 1):
                    self.word_ends[word[start:]].add(word)
            self.postings[word].add(slot)
        for word in summary_words:
            self.summary_postings[word].add(slot)

    def _closest_word(self, word: str) -> str | None:
        if len(word) < 4:
            return None
        candidates = [
            known
            for known, slots in self.postings.items()
            if slots and known[0] == word[0] and abs(len(known) - len(word)) <= 2
        ]
        close = difflib.get_close_matches(word, candidates, n=1, cutoff=TYPO_CUTOFF)
        if close:
            return close[0]
        return self._compound_of(word)

    def _compound_of(self, word: str) -> str | None:
        # Longest first: "reactiv" ends with the known "activ"; "osteoarthr" ends with "arthr",
        # the start of "arthriti".
        for start in range(1, len(word) - COMPOUND_LETTERS + 1):
            if self.postings.get(word[start:]):
                return word[start:]
        for end in range(len(word), max(COMPOUND_LETTERS, len(word) - COMPOUND_STEM_CUT) - 1, -1):
            known = [
                compound
                for compound in self.word_ends.get(word[:end], ())
                if self.postings[compound]
            ]
            if known:
                return min(known, key=lambda compound: (len(compound), compound))
        return None

    def scores(
        self, query: Vectors, terms: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return per slot: best cosine, meaning (a soft maximum over the texts), word share,
        and whether a selective word is present."""
        slots = len(self.claim_ids)
        best = np.full(slots + 1, -1.0, dtype=np.float32)
        total_exp = np.zeros(slots + 1, dtype=np.float32)
        if self.used:
            owners = self.owners[: self.used]
            similarities = self.vectors[: self.used] @ query
            np.maximum.at(best, owners, similarities)
            np.add.at(total_exp, owners, np.exp((similarities - 1.0) / SOFT_MAX_TEMPERATURE))
        best = best[1:]
        with np.errstate(divide="ignore"):
            meaning = 1.0 + SOFT_MAX_TEMPERATURE * np.log(total_exp[1:])
        meaning = np.maximum(meaning, -1.0).astype(np.float32)
        claims = max(len(self.entries), 1)
        share = np.zeros(slots, dtype=np.float32)
        selects = np.zeros(slots, dtype=bool)
        weights: list[tuple[str, float]] = []
        for term in terms:
            if self.postings.get(term) or self.summary_postings.get(term):
                weights.append((term, 1.0))
                continue
            close = self._closest_word(term)
            weights.append((close or term, TYPO_WEIGHT if close else 1.0))
        found: list[tuple[set[int], set[int], float]] = []
        total = 0.0
        for word, weight in weights:
            statement_slots = self.postings.get(word, set())
            summary_slots = self.summary_postings.get(word, set())
            frequency = len(statement_slots | summary_slots)
            idf = math.log(1.0 + claims / (frequency + 1))
            total += idf
            found.append((statement_slots, summary_slots, idf * weight))
        common = search.COMMON_FRACTION * claims
        small = claims < search.COMMON_MIN_CLAIMS
        any_rare = any(len(a | b) <= common for a, b, _ in found if a or b)
        for statement_slots, summary_slots, weight in found:
            in_summary = list(summary_slots - statement_slots)
            in_statement = list(statement_slots)
            share[in_statement] += weight
            share[in_summary] += weight * SUMMARY_WORD_WEIGHT
            if small or not any_rare or len(statement_slots | summary_slots) <= common:
                selects[in_statement] = True
                selects[in_summary] = True
        if total:
            share /= total
        return best, meaning, share, selects


_indexes: dict[str, ClaimIndex] = {}
_indexes_lock = threading.Lock()


async def _load(session: AsyncSession, index: ClaimIndex) -> None:
    rows = (
        await session.execute(
            sa.select(
                ClaimEmbedding.claim_id,
                ClaimEmbedding.position,
                ClaimEmbedding.generation,
                ClaimEmbedding.vector,
            ).where(ClaimEmbedding.generation > index.through, ClaimEmbedding.model == index.model)
        )
    ).all()
    if not rows:
        return
    # Sorted here: an ORDER BY (claim_id, position) leads SQLite to walk that whole index
    # rather than the range of ``generation``.
    rows = sorted(rows, key=lambda row: (row.claim_id, row.position))
    # Aliased: the words of claims being indexed, not claims being rendered.
    texts_of = aliased(Claim, name="claim_words")
    texts = {
        row.id: row
        for row in (
            await session.execute(
                sa.select(
                    texts_of.id, texts_of.statement, texts_of.aliases_text, texts_of.summary
                ).where(
                    texts_of.id.in_(
                        sa.select(ClaimEmbedding.claim_id).where(
                            ClaimEmbedding.generation > index.through
                        )
                    )
                )
            )
        ).all()
    }
    grouped: dict[int, list[bytes]] = defaultdict(list)
    for row in rows:
        grouped[row.claim_id].append(row.vector)
    with index.lock:
        for claim_id, blobs in grouped.items():
            text = texts.get(claim_id)
            if text is None:
                continue
            vectors = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1)
            index.put(
                claim_id,
                vectors,
                frozenset(stems(f"{text.statement}\n{text.aliases_text}")),
                frozenset(stems(text.summary or "")),
            )
        index.through = max(index.through, max(row.generation for row in rows))


async def current(session: AsyncSession, model: Embedder | None = None) -> ClaimIndex:
    """Return the kept index of the session's database, brought up to date."""
    model = model or embedder()
    key = f"{session.get_bind().engine.url}#{model.name}"
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = ClaimIndex(model.dimensions, model.name)
    state = (
        await session.execute(
            sa.select(ContentGeneration.value, ContentGeneration.removals).where(
                ContentGeneration.id == 1
            )
        )
    ).one()
    if state.value == index.generation and state.removals == index.removals:
        return index
    if index.generation is not None and (
        state.removals != index.removals or state.value < index.generation
    ):
        # Claims were removed outright (or the database was made anew): their rows are gone,
        # and nothing written since tells which, so start again.
        index = ClaimIndex(model.dimensions, model.name)
        with _indexes_lock:
            _indexes[key] = index
    # Only the rows written since the last look (an indexed range of ``generation``): a write
    # moves every row of the claims it changes to its generation, so their entries are whole.
    await _load(session, index)
    index.generation = state.value
    index.removals = state.removals
    return index


@dataclass(frozen=True, slots=True)
class Ranking:
    """Claims ranked for a question: ids, best-text cosines and hybrid scores, best first."""

    claim_ids: list[int]
    meaning: list[float]
    scores: list[float]


async def rank(
    session: AsyncSession,
    *,
    question: str,
    limit: int,
    word_weight: float = WORD_WEIGHT,
    floor: float = MEANING_FLOOR,
    margin: float = MEANING_MARGIN,
    model: Embedder | None = None,
) -> Ranking | None:
    """Rank the kept claims for ``question``; None when no claim has vectors yet."""
    model = model or embedder()
    index = await current(session, model)
    if not index.entries:
        return None
    query = model.embed([question])[0]
    with index.lock:
        best, meaning, share, selects = index.scores(query, stems(question))
        claim_ids = np.asarray(index.claim_ids, dtype=np.int64)
    score = meaning + np.float32(word_weight) * share
    top = float(best.max()) if len(best) else 0.0
    eligible = np.flatnonzero(selects | (best >= max(floor, top - margin)))
    if len(eligible) > limit:
        eligible = eligible[np.argpartition(-score[eligible], limit - 1)[:limit]]
    order = eligible[np.lexsort((claim_ids[eligible], -score[eligible]))]
    return Ranking(
        claim_ids=[int(claim_id) for claim_id in claim_ids[order]],
        meaning=[float(value) for value in best[order]],
        scores=[round(float(value), 6) for value in score[order]],
    )


def calibrated(score: float, word_weight: float = WORD_WEIGHT) -> float:
    """Return a hybrid score on a 0..1 scale: 1 is a text equal to a claim's, words and all."""
    return round(min(1.0, max(0.0, score / (1.0 + word_weight))), 4)
