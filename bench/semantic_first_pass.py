"""The first pass of a search by meaning: its speed, and how often it ranks as the full scan.

``python -m bench.semantic_first_pass [--dimensions 32 48 64 96] [--repeats 5]``

Loads the claim index of the benchmark's SQLite data (``bench/data/db.sqlite3``, with its
vectors: ``python -m bench.generate`` builds it) in this process, as the API does, and ranks
questions two ways: every vector compared in full (``exact_rows`` above the vectors kept), and
the first pass over their projection, then the claims it picks compared in full. The questions
are the relevance benchmark's (seed and HealthFC) and kept claim texts (a statement or an
alias, as a near-duplicate check asks). For each width of the projection and number of spare
claims it prints how much of the full scan's answer the first pass keeps (its first claim,
its top 10 when 10 are asked, as a near-duplicate check does, and the first page of 20 when
1,000 are asked, as a search does), and the time of one ranking, the question's embedding
excluded (medians of ``--repeats`` rounds; the ratio to the full scan in the same rounds).
"""

import argparse
import asyncio
import os
import random
import statistics
import time
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.semantic import index as semantic_index
from app.semantic.embedder import Vectors, get_embedder
from app.semantic.index import ClaimIndex
from app.semantic.words import stems
from bench import generate
from bench.relevance.run import questions

LIMITS = (10, 1000)  # a near-duplicate check asks 10 claims; a search 1,000
ARGUMENTS = {"word_weight": semantic_index.WORD_WEIGHT, "floor": 0.3, "margin": 0.25}


async def load(sample: int) -> tuple[ClaimIndex, list[str]]:
    """Return the index of the benchmark's SQLite data and ``sample`` of its claim texts."""
    engine = create_async_engine(generate.sqlite_url())
    try:
        async with async_sessionmaker(engine)() as session:
            index = await semantic_index.current(session)
            rows = (
                await session.execute(
                    sa.text("SELECT statement, aliases_text FROM claims ORDER BY id")
                )
            ).all()
    finally:
        await engine.dispose()
    picker = random.Random(5)
    texts = []
    for row in picker.sample(rows, sample):
        choices = [row.statement, *[alias for alias in row.aliases_text.split("\n") if alias]]
        texts.append(picker.choice(choices))
    return index, texts


def ranked(index: ClaimIndex, query: Vectors, terms: list[str], limit: int, exact: bool) -> Any:
    """Rank as a search does, with or without the first pass."""
    exact_rows = index.used if exact else 0
    return index.ranked(query, terms, limit=limit, exact_rows=exact_rows, **ARGUMENTS)


def kept(full: Any, first_pass: Any, count: int) -> float:
    """Return the share of the full scan's first ``count`` results the first pass also has.

    A result counts as kept when the first pass answers a claim with the same score: the
    benchmark's grown claims share texts, and claims of equal score may come in either order.
    """
    wanted, got = full[2][:count], first_pass[2][:count]
    if not len(wanted):
        return 1.0
    return sum(bool(np.any(np.abs(got - score) < 1e-5)) for score in wanted) / len(wanted)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dimensions", type=int, nargs="+", default=[32, 48, 64, 96])
    parser.add_argument("--spare", type=int, nargs="+", default=[semantic_index.FIRST_PASS_SPARE])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--claim-texts", type=int, default=300)
    arguments = parser.parse_args()
    started = time.perf_counter()
    index, claim_texts = asyncio.run(load(arguments.claim_texts))
    print(
        f"index of {index.claims:,} claims, {index.live:,} text vectors, loaded in "
        f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f}"
    )
    asked = [question for question, _ in questions("seed_questions.yaml", "claim")]
    asked += [question for question, _ in questions("healthfc_questions.yaml", "row")]
    texts = asked + claim_texts
    model = get_embedder()
    pairs = list(zip(model.embed(texts), [stems(text) for text in texts], strict=True))
    full = {
        limit: [ranked(index, query, words, limit, True) for query, words in pairs]
        for limit in LIMITS
    }
    print(f"{len(texts)} questions ({len(asked)} written, {len(claim_texts)} claim texts)")
    print(
        "| width | spare | first claim kept | top 10 kept (limit 10) | first page of 20 kept "
        "(limit 1,000) | projection MB | limit 10 ms | full / first | limit 1,000 ms "
        "| full / first |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for width in arguments.dimensions:
        for spare in arguments.spare:
            semantic_index.FIRST_PASS_DIMENSIONS = width
            semantic_index.FIRST_PASS_SPARE = spare
            index.basis = None
            ranked(index, pairs[0][0], pairs[0][1], 10, False)  # projects every vector
            first = [ranked(index, query, words, 10, False) for query, words in pairs]
            page = [ranked(index, query, words, 1000, False) for query, words in pairs]
            shares = [
                statistics.mean(kept(a, b, 1) for a, b in zip(full[10], first, strict=True)),
                statistics.mean(kept(a, b, 10) for a, b in zip(full[10], first, strict=True)),
                statistics.mean(kept(a, b, 20) for a, b in zip(full[1000], page, strict=True)),
            ]
            times: dict[tuple[int, bool], list[float]] = {}
            for _ in range(arguments.repeats):
                for limit in LIMITS:
                    for exact in (True, False):
                        start = time.perf_counter()
                        for query, words in pairs:
                            ranked(index, query, words, limit, exact)
                        elapsed = (time.perf_counter() - start) / len(pairs)
                        times.setdefault((limit, exact), []).append(elapsed)
            median = {key: statistics.median(values) * 1000 for key, values in times.items()}
            cells = [f"{width}", f"{spare}", *(f"{share:.3f}" for share in shares)]
            cells.append(f"{index.projected[: index.used].nbytes / 1e6:.0f}")
            for limit in LIMITS:
                cells.append(f"{median[(limit, False)]:.1f} (full {median[(limit, True)]:.1f})")
                cells.append(f"{median[(limit, True)] / median[(limit, False)]:.2f}x")
            print("| " + " | ".join(cells) + " |", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
