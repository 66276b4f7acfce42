"""Where a claim create's time goes, in process: each step timed, each statement timed.

    python -m bench.create_profile DATABASE_URL [--creates 33] [--allow-similar]

The app runs behind ``httpx.ASGITransport`` (``running_app`` of bench/inprocess.py) with
nothing kept; the service steps of a create (the duplicate-statement check, the near-duplicate
check and its search, the index catch-up, the embedding, the store, the answer, the commit)
are wrapped with timers, and the engines' cursor events time every statement. The first
three creates warm up; the p50 of each step and of each statement over the others is printed.
The bodies are workload (s)'s (bench/semantic_http.py). The creates are written: run it on a
copy of the benchmark's data.
"""

import argparse
import asyncio
import functools
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from bench.inprocess import running_app
from bench.run import add_editor_key
from bench.semantic_http import questions

WARM_UP = 3
Steps = dict[str, list[float]]


def timed_async(owner: Any, name: str, label: str, steps: Steps) -> None:
    """Replace ``owner.name`` (a coroutine function) with one that times each call."""
    original = getattr(owner, name)

    @functools.wraps(original)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            steps[label].append(time.perf_counter() - started)

    setattr(owner, name, timed)


def timed_sync(owner: Any, name: str, label: str, steps: Steps) -> None:
    """Replace ``owner.name`` (a function) with one that times each call."""
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            steps[label].append(time.perf_counter() - started)

    setattr(owner, name, timed)


def instrument(steps: Steps) -> None:
    """Time the steps of a create (whichever of them this revision has)."""
    from app.audit import service as audit_service
    from app.claims import service as claims_service
    from app.semantic import index as semantic_index
    from app.semantic import service as semantic_service

    for owner, name, label in (
        (claims_service, "_ensure_new_statement", "same statement in any case"),
        (claims_service, "_ensure_not_similar", "near-duplicate check"),
        (semantic_index, "current", "index catch-up (in the check)"),
        (semantic_index, "rank", "rank (in the check)"),
        (claims_service, "_free_slug", "free slug"),
        (semantic_service, "store", "store the vectors"),
        (claims_service, "read", "read the answer back"),
        (audit_service, "created", "audit row"),
        (claims_service, "create", "service create, whole"),
        (AsyncSession, "commit", "commit (audit, change feed, COMMIT)"),
    ):
        if hasattr(owner, name):
            timed_async(owner, name, label, steps)
    timed_sync(semantic_service.embedder(), "embed", "embedding (each call)", steps)


async def profile(database_url: str, creates: int, allow_similar: bool) -> None:
    """Make ``creates`` claims one at a time and print the p50 of each step and statement."""
    steps: Steps = defaultdict(list)
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    if backend == "sqlite":
        key = add_editor_key(sqlite_path=Path(database_url.split("///", 1)[1]), pg_database=None)
    else:
        key = add_editor_key(sqlite_path=None, pg_database=database_url.rsplit("/", 1)[1])
    instrument(steps)
    totals: list[float] = []
    counts: list[int] = []
    statements: dict[str, list[float]] = defaultdict(list)
    asked = questions()
    number = int(time.time()) % 100_000 * 10 + 5
    query = "?allow_similar=true" if allow_similar else ""
    async with (
        running_app(database_url, cache_bytes=0) as (app, log),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            timeout=600,
            headers={"Authorization": f"Bearer {key}"},
        ) as client,
    ):
        (await client.get("/v1/claims", params={"q": "warm up the index"})).raise_for_status()
        for index in range(creates):
            if index == WARM_UP:
                steps.clear()
            number += 1
            question = asked[index % len(asked)].rstrip("?. ")
            body = {
                "statement": f"{question}, in a trial of {number} adults",
                "aliases": [f"trial {number}", f"{question.split()[-1]} {number}"],
            }
            log.reset()
            started = time.perf_counter()
            response = await client.post(f"/v1/claims{query}", json=body)
            elapsed = time.perf_counter() - started
            if response.status_code != 201:
                raise RuntimeError(response.text)
            if index >= WARM_UP:
                totals.append(elapsed)
                counts.append(len(log.statements))
                for statement, seconds in zip(log.statements, log.durations, strict=True):
                    statements[statement[:110]].append(seconds)
    measured = len(totals)
    print(
        f"{backend}, allow_similar={allow_similar}: create p50 "
        f"{statistics.median(totals) * 1000:.1f} ms over {measured}, statements "
        f"{statistics.median(counts):.0f}"
    )
    for label, calls in steps.items():
        print(f"  {label:38s} calls {len(calls):4d}  p50 {statistics.median(calls) * 1000:7.2f} ms")
    for statement, runs in statements.items():
        print(
            f"  {statistics.median(runs) * 1000:6.2f} ms  x{len(runs) / measured:.1f}  {statement}"
        )


def main() -> None:
    """Parse the arguments and profile."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="e.g. sqlite+aiosqlite:////path/db.sqlite3")
    parser.add_argument("--creates", type=int, default=33)
    parser.add_argument("--allow-similar", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(profile(arguments.database_url, arguments.creates, arguments.allow_similar))


if __name__ == "__main__":
    main()
