"""Claim vectors and words kept in process memory, ranked by an exact scan.

A search embeds the question, takes its dot product with every kept text vector (one matrix
product), scores each claim by its best texts, and adds the rarity-weighted share of the
question's words that the claim's texts contain:

    score = meaning (a soft maximum of the texts' cosines) + WORD_WEIGHT * word share

Past ``CITEDB_SEMANTIC_EXACT_ROWS`` text vectors the product over all of them is bound by
memory (299,920 vectors of 384 floats are 460 MB to read for each question), so a first pass
takes the product with each vector's projection on the FIRST_PASS_DIMENSIONS directions that
carry most of the kept vectors' inner products (a sixth of the bytes), and only the claims it
ranks best, by that rough cosine and by it plus their words, are scored in full. What a search
answers is scored in full either way; the first pass only chooses which claims are.

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
import itertools
import math
import threading
from array import array
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.claims import search
from app.config import get_settings
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


# The first pass: the projection's width, how many claims it passes on to be scored in full
# beside those asked for, and how many vectors (evenly spread over the kept ones) the
# projection is computed from. Measured at 100,000 claims in bench/semantic_first_pass.py:
# 64 of 384 dimensions and 500 more claims keep the full scan's first claim for 99 % of
# questions at a quarter of its time; 96 dimensions keep all, at a third.
FIRST_PASS_DIMENSIONS = 64
FIRST_PASS_SPARE = 500
BASIS_SAMPLE = 20_000


# Claims read in one statement of a full load: their vectors and texts only are in memory
# beside the index while it fills.
LOAD_CLAIMS = 2000
# Room reserved at once for a full load's vectors (pages never written take no memory).
RESERVE_ROWS = 2_000_000


def _empty_matrix(rows: int, dimensions: int) -> Vectors:
    return np.zeros((rows, dimensions), dtype=np.float32)


@dataclass
class ClaimIndex:
    """The kept vectors and words of one database's claims.

    Claims have slots; a slot's vectors are ``counts[slot]`` consecutive rows of ``vectors``
    from ``starts[slot]`` (0 rows: nothing kept). Its words are a tuple, and each word's
    postings a compact array of slots.
    """

    dimensions: int
    model: str
    generation: int | None = None
    removals: int | None = None
    through: int = -1
    slots: dict[int, int] = field(default_factory=dict)
    claim_ids: list[int] = field(default_factory=list)
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    words: list[tuple[str, ...]] = field(default_factory=list)
    summary_words: list[tuple[str, ...]] = field(default_factory=list)
    claims: int = 0
    vectors: Vectors = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    # Row -> slot + 1; 0 marks a row no longer used.
    owners: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # The first pass's directions (dimensions x FIRST_PASS_DIMENSIONS) and every row's
    # projection on them; None until the index first grows past the exact scan.
    basis: Vectors | None = None
    projected: Vectors = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    used: int = 0
    live: int = 0
    postings: "dict[str, array[int]]" = field(default_factory=dict)
    summary_postings: "dict[str, array[int]]" = field(default_factory=dict)
    # The ends (COMPOUND_LETTERS letters or more, not whole) of statement and alias words.
    word_ends: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.vectors = _empty_matrix(1024, self.dimensions)
        self.owners = np.zeros(1024, dtype=np.int64)
        self.starts = np.zeros(1024, dtype=np.int64)
        self.counts = np.zeros(1024, dtype=np.int64)

    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` vectors in all, so that filling copies nothing."""
        if rows > len(self.owners):
            self._resize(rows)

    def _resize(self, capacity: int) -> None:
        vectors = _empty_matrix(capacity, self.dimensions)
        vectors[: self.used] = self.vectors[: self.used]
        owners = np.zeros(capacity, dtype=np.int64)
        owners[: self.used] = self.owners[: self.used]
        self.vectors, self.owners = vectors, owners
        if self.basis is not None:
            projected = _empty_matrix(capacity, FIRST_PASS_DIMENSIONS)
            projected[: self.used] = self.projected[: self.used]
            self.projected = projected

    def _drop(self, slots: list[int]) -> None:
        """Forget what is kept of ``slots``."""
        statement_words: dict[str, list[int]] = defaultdict(list)
        summary_words: dict[str, list[int]] = defaultdict(list)
        for slot in slots:
            count = int(self.counts[slot])
            if not count:
                continue
            start = int(self.starts[slot])
            self.owners[start : start + count] = 0
            self.counts[slot] = 0
            self.live -= count
            self.claims -= 1
            for word in self.words[slot]:
                statement_words[word].append(slot)
            for word in self.summary_words[slot]:
                summary_words[word].append(slot)
            self.words[slot] = self.summary_words[slot] = ()
        for postings, dropped in (
            (self.postings, statement_words),
            (self.summary_postings, summary_words),
        ):
            for word, gone in dropped.items():
                kept = np.frombuffer(postings[word], dtype=np.int32)
                postings[word] = array("i", kept[~np.isin(kept, gone)].tobytes())

    def _slot_room(self) -> None:
        slots = len(self.claim_ids)
        if slots > len(self.counts):
            capacity = max(len(self.counts) * 2, slots)
            for name in ("starts", "counts"):
                grown = np.zeros(capacity, dtype=np.int64)
                grown[: len(self.counts)] = getattr(self, name)
                setattr(self, name, grown)

    def _room(self, rows: int) -> None:
        if self.used + rows <= len(self.owners):
            return
        if self.live + rows <= len(self.owners) // 2:
            self._compact()
            return
        self._resize(max(len(self.owners) * 2, self.used + rows))

    def _compact(self) -> None:
        keep = np.flatnonzero(self.owners[: self.used])
        position = np.zeros(self.used, dtype=np.int64)
        position[keep] = np.arange(len(keep))
        # In place, a block at a time: a row only moves down, past rows already moved.
        for block in range(0, len(keep), 65536):
            rows = keep[block : block + 65536]
            self.vectors[block : block + len(rows)] = self.vectors[rows]
            self.owners[block : block + len(rows)] = self.owners[rows]
            if self.basis is not None:
                self.projected[block : block + len(rows)] = self.projected[rows]
        self.owners[len(keep) :] = 0
        self.used = len(keep)
        kept = np.flatnonzero(self.counts[: len(self.claim_ids)])
        self.starts[kept] = position[self.starts[kept]]

    def put_many(
        self,
        claim_ids: list[int],
        counts: list[int],
        vectors: Vectors,
        words: list[tuple[str, ...]],
        summary_words: list[tuple[str, ...]],
    ) -> None:
        """Replace what is kept of distinct claims: claim ``i`` has the next ``counts[i]``
        rows of ``vectors``, and the words ``words[i]`` and ``summary_words[i]``."""
        slots = []
        for claim_id in claim_ids:
            slot = self.slots.get(claim_id)
            if slot is None:
                slot = self.slots[claim_id] = len(self.claim_ids)
                self.claim_ids.append(claim_id)
                self.words.append(())
                self.summary_words.append(())
            slots.append(slot)
        self._slot_room()
        self._drop(slots)
        self._room(len(vectors))
        start = self.used
        self.vectors[start : start + len(vectors)] = vectors
        if self.basis is not None:
            self.projected[start : start + len(vectors)] = vectors @ self.basis
        placed = np.asarray(slots, dtype=np.int64)
        sizes = np.asarray(counts, dtype=np.int64)
        self.starts[placed] = start + np.cumsum(sizes) - sizes
        self.counts[placed] = sizes
        self.owners[start : start + len(vectors)] = np.repeat(placed + 1, sizes)
        self.used += len(vectors)
        self.live += len(vectors)
        self.claims += len(slots)
        for slot, statement_words, summary in zip(slots, words, summary_words, strict=True):
            self.words[slot] = statement_words
            self.summary_words[slot] = summary
            for word in statement_words:
                posting = self.postings.get(word)
                if posting is None:
                    posting = self.postings[word] = array("i")
                    for cut in range(1, len(word) - COMPOUND_LETTERS + 1):
                        self.word_ends[word[cut:]].add(word)
                posting.append(slot)
            for word in summary:
                posting = self.summary_postings.get(word)
                if posting is None:
                    posting = self.summary_postings[word] = array("i")
                posting.append(slot)

    def put(
        self, claim_id: int, vectors: Vectors, words: frozenset[str], summary_words: frozenset[str]
    ) -> None:
        """Replace what is kept of one claim."""
        self.put_many([claim_id], [len(vectors)], vectors, [tuple(words)], [tuple(summary_words)])

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

    def project(self) -> None:
        """Find the first pass's directions and project every kept vector on them.

        The directions are the leading eigenvectors of the kept vectors' second-moment matrix:
        of all projections of that width, the one that keeps their inner products best.
        """
        live = np.flatnonzero(self.owners[: self.used])
        picked = live[np.linspace(0, len(live) - 1, min(len(live), BASIS_SAMPLE)).astype(np.int64)]
        sample = self.vectors[picked]
        _, axes = np.linalg.eigh((sample.T @ sample).astype(np.float64))
        basis = np.ascontiguousarray(axes[:, ::-1][:, :FIRST_PASS_DIMENSIONS], dtype=np.float32)
        projected = _empty_matrix(len(self.owners), FIRST_PASS_DIMENSIONS)
        for block in range(0, self.used, 65536):
            end = min(block + 65536, self.used)
            projected[block:end] = self.vectors[block:end] @ basis
        self.basis, self.projected = basis, projected

    @staticmethod
    def _meaning(similarities: Vectors, owners: np.ndarray, slots: int) -> tuple[Vectors, Vectors]:
        """Return per slot (``owners`` gives each similarity's slot + 1): the best cosine and
        the meaning, a soft maximum of the cosines."""
        best = np.full(slots + 1, -1.0, dtype=np.float32)
        total_exp = np.zeros(slots + 1, dtype=np.float32)
        if len(similarities):
            np.maximum.at(best, owners, similarities)
            np.add.at(total_exp, owners, np.exp((similarities - 1.0) / SOFT_MAX_TEMPERATURE))
        with np.errstate(divide="ignore"):
            meaning = 1.0 + SOFT_MAX_TEMPERATURE * np.log(total_exp[1:])
        return best[1:], np.maximum(meaning, -1.0).astype(np.float32)

    def scores(
        self, query: Vectors, terms: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return per slot, every vector compared in full: best cosine, meaning (a soft
        maximum over the texts), word share, and whether a selective word is present."""
        best, meaning = self._meaning(
            self.vectors[: self.used] @ query, self.owners[: self.used], len(self.claim_ids)
        )
        share, selects = self._words(terms)
        return best, meaning, share, selects

    def ranked(
        self,
        query: Vectors,
        terms: list[str],
        *,
        limit: int,
        word_weight: float,
        floor: float,
        margin: float,
        exact_rows: int,
    ) -> tuple[list[int], np.ndarray, np.ndarray]:
        """Return the best ``limit`` claims for a question: their ids, best first, their best
        texts' cosines and their hybrid scores.

        A claim is a result when it has a selective word of the question, or when its best
        cosine is at least ``floor`` and within ``margin`` of the best claim's.
        """
        slots = len(self.claim_ids)
        share, selects = self._words(terms)
        if self.used <= exact_rows or self.dimensions <= FIRST_PASS_DIMENSIONS:
            candidates = np.arange(slots)
            best, meaning = self._meaning(
                self.vectors[: self.used] @ query, self.owners[: self.used], slots
            )
        else:
            if self.basis is None:
                self.project()
            assert self.basis is not None
            owners = self.owners[: self.used]
            rough = np.full(slots + 1, -1.0, dtype=np.float32)
            np.maximum.at(rough, owners, self.projected[: self.used] @ (query @ self.basis))
            rough = rough[1:]
            # Those asked for and FIRST_PASS_SPARE more by the rough hybrid score, and the
            # FIRST_PASS_SPARE closest in meaning alone (the best claim sets the margin).
            candidates = np.union1d(
                _top(rough + word_weight * share, limit + FIRST_PASS_SPARE),
                _top(rough, FIRST_PASS_SPARE),
            )
            counts = self.counts[candidates]
            firsts = np.cumsum(counts) - counts
            rows = np.repeat(self.starts[candidates] - firsts, counts) + np.arange(counts.sum())
            local = np.repeat(np.arange(1, len(candidates) + 1), counts)
            best, meaning = self._meaning(self.vectors[rows] @ query, local, len(candidates))
            share, selects = share[candidates], selects[candidates]
        score = meaning + np.float32(word_weight) * share
        top = float(best.max()) if len(best) else 0.0
        eligible = np.flatnonzero(selects | (best >= max(floor, top - margin)))
        if len(eligible) > limit:
            eligible = eligible[np.argpartition(-score[eligible], limit - 1)[:limit]]
        claim_ids = np.fromiter(
            (self.claim_ids[slot] for slot in candidates[eligible]),
            dtype=np.int64,
            count=len(eligible),
        )
        order = np.lexsort((claim_ids, -score[eligible]))
        return (
            [int(claim_id) for claim_id in claim_ids[order]],
            best[eligible][order],
            score[eligible][order],
        )

    def _words(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return per slot the word share of ``terms`` and whether a selective one is present."""
        slots = len(self.claim_ids)
        claims = max(self.claims, 1)
        share = np.zeros(slots, dtype=np.float32)
        selects = np.zeros(slots, dtype=bool)
        weights: list[tuple[str, float]] = []
        for term in terms:
            if self.postings.get(term) or self.summary_postings.get(term):
                weights.append((term, 1.0))
                continue
            close = self._closest_word(term)
            weights.append((close or term, TYPO_WEIGHT if close else 1.0))
        # Per word: the slots with it in a statement or alias, those with it only in the
        # summary, how many have it, and its weight.
        found: list[tuple[np.ndarray, np.ndarray, int, float]] = []
        total = 0.0
        has_word = np.zeros(slots, dtype=bool)
        for word, weight in weights:
            statement_slots = _slots_of(self.postings.get(word))
            summary_slots = _slots_of(self.summary_postings.get(word))
            # Postings hold distinct slots: a mask, not a sort, leaves out the statement's.
            has_word[statement_slots] = True
            summary_only = summary_slots[~has_word[summary_slots]]
            has_word[statement_slots] = False
            frequency = len(statement_slots) + len(summary_only)
            idf = math.log(1.0 + claims / (frequency + 1))
            total += idf
            found.append((statement_slots, summary_only, frequency, idf * weight))
        common = search.COMMON_FRACTION * claims
        small = claims < search.COMMON_MIN_CLAIMS
        any_rare = any(0 < frequency <= common for _, _, frequency, _ in found)
        for statement_slots, summary_only, frequency, weight in found:
            share[statement_slots] += weight
            share[summary_only] += weight * SUMMARY_WORD_WEIGHT
            if small or not any_rare or frequency <= common:
                selects[statement_slots] = True
                selects[summary_only] = True
        if total:
            share /= total
        return share, selects


def _top(values: np.ndarray, count: int) -> np.ndarray:
    """Return the positions of the ``count`` largest values, in no order."""
    if count >= len(values):
        return np.arange(len(values))
    return np.argpartition(-values, count - 1)[:count]


def _slots_of(posting: "array[int] | None") -> np.ndarray:
    if not posting:
        return np.zeros(0, dtype=np.int32)
    # A copy: an array exporting its buffer cannot grow, and puts append to postings.
    return np.frombuffer(posting, dtype=np.int32).copy()


_indexes: dict[str, ClaimIndex] = {}
_indexes_lock = threading.Lock()


# Aliased: the words of claims being indexed, not claims being rendered.
_CLAIM_WORDS = aliased(Claim, name="claim_words")


async def _claim_texts(session: AsyncSession, which: sa.ColumnElement[bool]) -> dict[int, Any]:
    """Return the statement, aliases and summary of the claims ``which`` picks, by id."""
    claims = _CLAIM_WORDS
    statement = sa.select(claims.id, claims.statement, claims.aliases_text, claims.summary)
    return {row.id: row for row in (await session.execute(statement.where(which))).all()}


def _put_rows(index: ClaimIndex, rows: Sequence[Any], texts: dict[int, Any]) -> None:
    """Put the claims of ``rows`` (sorted by claim and position) that have texts."""
    claim_ids: list[int] = []
    counts: list[int] = []
    blobs: list[bytes] = []
    words: list[tuple[str, ...]] = []
    summary_words: list[tuple[str, ...]] = []
    for claim_id, group in itertools.groupby(rows, key=lambda row: int(row.claim_id)):
        text = texts.get(claim_id)
        if text is None:
            continue
        vectors = [row.vector for row in group]
        claim_ids.append(claim_id)
        counts.append(len(vectors))
        blobs.extend(vectors)
        words.append(tuple(stems(f"{text.statement}\n{text.aliases_text}")))
        summary_words.append(tuple(stems(text.summary or "")))
    if not claim_ids:
        return
    matrix = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), index.dimensions)
    with index.lock:
        index.put_many(claim_ids, counts, matrix, words, summary_words)


async def _load_all(session: AsyncSession, index: ClaimIndex, generation: int) -> None:
    """Fill an empty index, LOAD_CLAIMS claims a statement (a range of the claim key)."""
    last = (await session.execute(sa.select(sa.func.max(ClaimEmbedding.claim_id)))).scalar()
    top_row = (await session.execute(sa.select(sa.func.max(ClaimEmbedding.id)))).scalar()
    if last is None or top_row is None:
        index.through = generation
        return
    index.reserve(min(top_row, RESERVE_ROWS))
    for low in range(0, last, LOAD_CLAIMS):
        high = low + LOAD_CLAIMS
        rows = (
            await session.execute(
                sa.select(ClaimEmbedding.claim_id, ClaimEmbedding.vector)
                .where(
                    ClaimEmbedding.claim_id > low,
                    ClaimEmbedding.claim_id <= high,
                    ClaimEmbedding.model == index.model,
                )
                .order_by(ClaimEmbedding.claim_id, ClaimEmbedding.position)
            )
        ).all()
        if not rows:
            continue
        texts = await _claim_texts(session, sa.and_(_CLAIM_WORDS.id > low, _CLAIM_WORDS.id <= high))
        _put_rows(index, rows, texts)
        del rows, texts
    if index.used > get_settings().semantic_exact_rows and index.dimensions > FIRST_PASS_DIMENSIONS:
        # Here rather than in the first search that needs it (~1 s at 300,000 vectors).
        with index.lock:
            index.project()
    # Every row committed before ``generation`` was read is at most ``generation``; rows read
    # that are newer are read again by the next catch-up, which is harmless.
    index.through = generation


async def _catch_up(session: AsyncSession, index: ClaimIndex) -> None:
    """Put the claims whose rows were written since the index last looked."""
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
    changed = sa.select(ClaimEmbedding.claim_id).where(ClaimEmbedding.generation > index.through)
    texts = await _claim_texts(session, _CLAIM_WORDS.id.in_(changed))
    _put_rows(index, rows, texts)
    index.through = max(index.through, max(row.generation for row in rows))


async def current(session: AsyncSession, model: Embedder | None = None) -> ClaimIndex:
    """Return the kept index of the session's database, brought up to date."""
    model = model or embedder()
    key = f"{session.get_bind().engine.url}#{model.name}"
    with _indexes_lock:
        index = _indexes.get(key)
    state = (
        await session.execute(
            sa.select(ContentGeneration.value, ContentGeneration.removals).where(
                ContentGeneration.id == 1
            )
        )
    ).one()
    if index is not None and (state.value, state.removals) == (index.generation, index.removals):
        return index
    if index is None or state.removals != index.removals or state.value < index.generation:
        # A first load; or claims were removed outright (or the database was made anew):
        # their rows are gone, and nothing written since tells which, so start again. The
        # new index fills aside and replaces the old one when whole.
        index = ClaimIndex(model.dimensions, model.name)
        await _load_all(session, index, state.value)
        with _indexes_lock:
            _indexes[key] = index
    else:
        # Only the rows written since the last look (an indexed range of ``generation``): a
        # write moves every row of the claims it changes to its generation, so their entries
        # are whole.
        await _catch_up(session, index)
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
    query: Vectors | None = None,
) -> Ranking | None:
    """Rank the kept claims for ``question``; None when no claim has vectors yet.

    ``query`` is the question's vector when the caller has it already (it is not embedded
    again)."""
    model = model or embedder()
    index = await current(session, model)
    if not index.claims:
        return None
    if query is None:
        query = model.embed([question])[0]
    with index.lock:
        claim_ids, best, score = index.ranked(
            query,
            stems(question),
            limit=limit,
            word_weight=word_weight,
            floor=floor,
            margin=margin,
            exact_rows=get_settings().semantic_exact_rows,
        )
    return Ranking(
        claim_ids=claim_ids,
        meaning=[float(value) for value in best],
        scores=[round(float(value), 6) for value in score],
    )


def calibrated(score: float, word_weight: float = WORD_WEIGHT) -> float:
    """Return a hybrid score on a 0..1 scale: 1 is a text equal to a claim's, words and all."""
    return round(min(1.0, max(0.0, score / (1.0 + word_weight))), 4)
