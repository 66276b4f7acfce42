"""The first pass of a search by meaning: its speed, and how often it ranks as the full scan.

``python -m bench.semantic_first_pass [--dimensions 32 48 64 96] [--repeats 5]``

Loads the claim index of the benchmark's SQLite data (``bench/data/db.sqlite3``, with its
vectors: ``python -m bench.generate`` builds it) in this process, as the API does, and ranks
questions two ways: every vector compared in full (``exact_rows`` above the vectors kept), and
the first pass over their projection, then the claims it picks compared in full. The questions
are the relevance benchmark's (seed and HealthFC) and kept claim texts (a statement or an
alias, as a near-duplicate check asks). For each width of the projection it prints how many
questions get the same top 10 (ids and order) and the same 1,000 claims (the candidates a
search passes to SQL), and the time of one ranking, the question's embedding excluded
(medians of ``--repeats`` rounds, and the ratio to the full scan measured in the same rounds).
"""

import argparse
import asyncio
import os
import random
import statistics
import time
from typing import Any

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


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dimensions", type=int, nargs="+", default=[32, 48, 64, 96])
    parser.add_argument("--repeats", type=int, default=5)
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
    queries = model.embed(texts)
    terms = [stems(text) for text in texts]

    pairs = list(zip(queries, terms, strict=True))
    exact = {
        limit: [ranked(index, query, words, limit, True) for query, words in pairs]
        for limit in LIMITS
    }
    print(
        f"{len(texts)} questions ({len(asked)} written, {len(claim_texts)} claim texts); "
        f"first pass keeps 2 x limit + {semantic_index.FIRST_PASS_SPARE} claims"
    )
    print(
        "| width | same top 10 | same 1,000 | projection MB | limit 10 ms | ratio "
        "| limit 1,000 ms | ratio |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for width in arguments.dimensions:
        semantic_index.FIRST_PASS_DIMENSIONS = width
        index.basis = None
        ranked(index, queries[0], terms[0], 10, False)  # projects every vector
        same = {
            limit: sum(
                ranked(index, query, words, limit, False)[0] == full[0]
                if limit == 10
                else set(ranked(index, query, words, limit, False)[0]) == set(full[0])
                for query, words, full in zip(queries, terms, exact[limit], strict=True)
            )
            for limit in LIMITS
        }
        times: dict[tuple[int, bool], list[float]] = {}
        for _ in range(arguments.repeats):
            for limit in LIMITS:
                for full in (True, False):
                    start = time.perf_counter()
                    for query, words in zip(queries, terms, strict=True):
                        ranked(index, query, words, limit, full)
                    elapsed = (time.perf_counter() - start) / len(texts)
                    times.setdefault((limit, full), []).append(elapsed)
        median = {key: statistics.median(values) * 1000 for key, values in times.items()}
        cells = [
            f"{width}",
            f"{same[10]}/{len(texts)}",
            f"{same[1000]}/{len(texts)}",
            f"{index.projected.nbytes / 1e6:.0f}",
        ]
        for limit in LIMITS:
            cells.append(f"{median[(limit, False)]:.1f} (full {median[(limit, True)]:.1f})")
            cells.append(f"{median[(limit, True)] / median[(limit, False)]:.2f}x")
        print("| " + " | ".join(cells) + " |", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
