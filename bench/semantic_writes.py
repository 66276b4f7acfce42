"""Search by meaning around writes, in process (``python -m bench.semantic_writes``).

On the benchmark's SQLite database (bench/data/db.sqlite3, made by ``python -m bench.generate``
with its vectors): the first search (the index loads), the process's resident memory before
and after it, then ``--rounds`` times a claim create with the near-duplicate check (``POST
/v1/claims`` without ``allow_similar``: the check's search comes after the previous round's
write) followed by a search by meaning afresh. The app runs behind ``httpx.ASGITransport``.
The creates are written to the database: run it on a copy.
"""

import argparse
import asyncio
import resource
import statistics
import time
from pathlib import Path

import httpx

from bench.generate import SQLITE_PATH, sqlite_url
from bench.inprocess import running_app
from bench.run import editor_key

QUESTIONS = [
    "does vitamin d protect against covid",
    "are my glutes dead from desk work?",
    "tumeric capsules for knee arthritus",
    "is coffee bad in pregnancy",
]


def rss_mib() -> float:
    """Return this process's resident memory now, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(rounds: int) -> None:
    """Print the load and the write-then-search rounds."""
    auth = {"Authorization": f"Bearer {editor_key('sqlite')}"}
    async with (
        running_app(sqlite_url(SQLITE_PATH)) as (app, _log),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=600
        ) as client,
    ):
        (await client.get("/v1/claims", params={"limit": 1})).raise_for_status()
        before = rss_mib()
        started = time.perf_counter()
        (await client.get("/v1/claims", params={"q": QUESTIONS[0]})).raise_for_status()
        load = time.perf_counter() - started
        after = rss_mib()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"first search (index load): {load:.2f} s; RSS {before:.0f} -> {after:.0f} MiB "
            f"(index {after - before:.0f} MiB); peak RSS {peak:.0f} MiB"
        )
        unchanged: list[float] = []
        for number in range(rounds):
            started = time.perf_counter()
            response = await client.get(
                "/v1/claims", params={"q": QUESTIONS[number % len(QUESTIONS)], "limit": number + 1}
            )
            unchanged.append(time.perf_counter() - started)
            response.raise_for_status()
        print(
            f"search, nothing written since the last: p50 "
            f"{statistics.median(unchanged) * 1000:.1f} ms (max {max(unchanged) * 1000:.1f})"
        )
        creates: list[float] = []
        searches: list[float] = []
        stamp = time.strftime("%H%M%S")
        for number in range(rounds):
            statement = f"Bench claim {stamp} {number}: hourly walks lower resting heart rate"
            started = time.perf_counter()
            response = await client.post("/v1/claims", json={"statement": statement}, headers=auth)
            creates.append(time.perf_counter() - started)
            assert response.status_code == 201, response.text
            started = time.perf_counter()
            response = await client.get(
                "/v1/claims", params={"q": QUESTIONS[number % len(QUESTIONS)]}
            )
            searches.append(time.perf_counter() - started)
            response.raise_for_status()
        print(
            f"{rounds} rounds: create with near-duplicate check p50 "
            f"{statistics.median(creates) * 1000:.1f} ms (max {max(creates) * 1000:.1f}); "
            f"search afresh after it p50 {statistics.median(searches) * 1000:.1f} ms "
            f"(max {max(searches) * 1000:.1f})"
        )


def main() -> None:
    """Run the measurement."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.rounds))


if __name__ == "__main__":
    main()
