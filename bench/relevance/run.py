"""Relevance of claim search: words only, meaning only and the hybrid, side by side.

    .venv/bin/python -m bench.relevance.run            # both question sets, prints a table
    .venv/bin/python -m bench.relevance.run --duplicates   # also the near-duplicate rule
                                                          # (bench/relevance/duplicates.py)

Builds a throw-away SQLite database at the newest schema, adds the seed claims (statements,
aliases, summaries) and HealthFC's 750 claims (statement: the English claim; summary: the
English explanation; from ../shared/datasets/healthfc), embeds them as `citedb reindex` does,
and asks each question of the three rankings the app has: the full-text ranking of words-only
mode (``CITEDB_SEMANTIC_SEARCH=false``), the meaning score alone (word weight 0), and the
hybrid that ``GET /v1/claims?q=`` uses. A question counts at rank r when its claim is r-th.
HealthFC rows whose claim text repeats an earlier row's are left out (their questions would be
ambiguous); the rest are the claims as the file has them.
"""

import argparse
import asyncio
import csv
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import command
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.claims.search import ranked_matches, search_terms, selective_terms
from app.meta.service import alembic_config
from app.models import Claim
from app.semantic import index as semantic_index
from app.semantic import service as semantic_service
from bench.relevance import duplicates

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SHARED = ROOT.parent / "shared" / "datasets"
SEED_CLAIMS = ROOT / "seed" / "content" / "claims.yaml"


@dataclass(frozen=True)
class Item:
    """A claim to load: a key questions name it by, and its texts."""

    key: str
    statement: str
    aliases: tuple[str, ...]
    summary: str | None


def seed_items() -> list[Item]:
    """Return the seed claims."""
    return [
        Item(c["key"], c["statement"], tuple(c.get("aliases", [])), c.get("summary"))
        for c in yaml.safe_load(SEED_CLAIMS.read_text(encoding="utf-8"))
    ]


def healthfc_items() -> list[Item]:
    """Return HealthFC's claims, keyed by row, first of each distinct text."""
    path = SHARED / "healthfc" / "Datensatz.csv"
    seen: set[str] = set()
    items = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row, record in enumerate(csv.DictReader(handle)):
            statement = " ".join(record["en_claim"].split())
            if statement.casefold() in seen:
                continue
            seen.add(statement.casefold())
            items.append(Item(str(row), statement, (), record["en_explanation"] or None))
    return items


def questions(name: str, field: str) -> list[tuple[str, str]]:
    """Return (question, key) from a question file."""
    return [
        (entry["q"], str(entry[field]))
        for entry in yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
    ]


Ranker = Callable[[AsyncSession, str], Awaitable[list[int]]]


async def words_only(session: AsyncSession, question: str) -> list[int]:
    """Rank as words-only mode does (full-text search)."""
    terms = search_terms(question)
    if not terms:
        return []
    terms = await selective_terms(session, terms)
    ranked = ranked_matches("sqlite", terms).subquery()
    rows = await session.execute(
        sa.select(ranked.c.claim_id).order_by(ranked.c.relevance.desc(), ranked.c.claim_id)
    )
    return [row[0] for row in rows]


def by_meaning(word_weight: float) -> Ranker:
    """Rank by the in-process index with this word weight (0: meaning only)."""

    async def rank(session: AsyncSession, question: str) -> list[int]:
        ranking = await semantic_index.rank(
            session, question=question, limit=50, word_weight=word_weight, floor=-1, margin=2
        )
        return ranking.claim_ids if ranking else []

    return rank


METHODS: dict[str, Ranker] = {
    "words only": words_only,
    "meaning only": by_meaning(0.0),
    "hybrid": by_meaning(semantic_index.WORD_WEIGHT),
}


async def load(url: str, items: Sequence[Item]) -> dict[str, int]:
    """Add the claims and their vectors; return key -> claim id."""
    engine = create_async_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    ids = {}
    async with sessions() as session, session.begin():
        for number, item in enumerate(items):
            claim = Claim(
                slug=f"claim-{number}",
                statement=item.statement,
                summary=item.summary,
                aliases_text="\n".join(item.aliases),
            )
            session.add(claim)
            await session.flush()
            ids[item.key] = claim.id
        model = semantic_service.embedder()
        last = 0
        while True:
            last, count, _ = await semantic_service.reindex_batch(
                session, after_id=last, size=256, model=model
            )
            if not count:
                break
    await engine.dispose()
    return ids


async def evaluate(
    url: str, ids: dict[str, int], asked: list[tuple[str, str]]
) -> dict[str, dict[str, float]]:
    """Return hit@1, hit@5 and MRR per method."""
    engine = create_async_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    results = {}
    async with sessions() as session:
        for name, ranker in METHODS.items():
            ranks = []
            for question, key in asked:
                ranked = await ranker(session, question)
                target = ids[key]
                ranks.append(ranked.index(target) + 1 if target in ranked else None)
            results[name] = {
                "hit@1": sum(rank == 1 for rank in ranks) / len(ranks),
                "hit@5": sum(rank is not None and rank <= 5 for rank in ranks) / len(ranks),
                "MRR": sum(1 / rank for rank in ranks if rank) / len(ranks),
            }
    await engine.dispose()
    return results


def database(directory: Path, name: str) -> str:
    """Make a migrated SQLite database and return its URL."""
    url = f"sqlite+aiosqlite:///{directory / name}.sqlite3"
    config = alembic_config(url)
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")
    return url


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duplicates", action="store_true", help="Also measure the 409 rule.")
    arguments = parser.parse_args()
    sets = [("seed", seed_items(), questions("seed_questions.yaml", "claim"))]
    if (SHARED / "healthfc").is_dir():
        sets.append(("HealthFC", healthfc_items(), questions("healthfc_questions.yaml", "row")))
    else:
        print(f"{SHARED / 'healthfc'} is missing: the HealthFC set is skipped.")
    print("| questions | method | hit@1 | hit@5 | MRR |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as directory:
        for name, items, asked in sets:
            url = database(Path(directory), name)
            ids = asyncio.run(load(url, items))
            for method, figures in asyncio.run(evaluate(url, ids, asked)).items():
                print(
                    f"| {name} ({len(asked)}) | {method} | {figures['hit@1']:.3f} | "
                    f"{figures['hit@5']:.3f} | {figures['MRR']:.3f} |"
                )
    if arguments.duplicates and (SHARED / "check-covid").is_dir():
        print()
        duplicates.report(pairs=False)


if __name__ == "__main__":
    main()
