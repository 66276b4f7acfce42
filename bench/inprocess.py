"""In-process checks: SQL statements per request at two page sizes, and where a request's time goes.

The app runs in this process behind ``httpx.ASGITransport`` (no sockets, no uvicorn); an
SQLAlchemy ``before_cursor_execute`` / ``after_cursor_execute`` pair on every engine of
``app.state.database``, and a listener on its plain-rows reader, count the statements and the
time spent executing them (driver round trip and row fetch included; the rest of a request is
Python: routing, validation, ORM, serialisation).
"""

import argparse
import asyncio
import sqlite3
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from app.config import Settings
from app.db import Database
from app.main import create_app
from bench.generate import SQLITE_PATH, postgresql_url, sqlite_url
from bench.harness import RATIONALE


@dataclass
class StatementLog:
    """Statements executed since the last reset, and the time spent in them."""

    statements: list[str] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    seconds: float = 0.0
    _started: list[float] = field(default_factory=list)

    def reset(self) -> None:
        """Forget what was logged."""
        self.statements.clear()
        self.durations.clear()
        self.seconds = 0.0

    def before(self, *_: Any) -> None:
        """Note that a statement starts."""
        self._started.append(time.perf_counter())

    def after(self, _connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        """Note that a statement ended."""
        took = time.perf_counter() - self._started.pop()
        self.seconds += took
        self.durations.append(took)
        self.statements.append(" ".join(statement.split())[:160])

    def plain(self, statement: str, seconds: float) -> None:
        """Note a statement of the plain-rows reader (``app.row_reads``) and its time."""
        self.seconds += seconds
        self.durations.append(seconds)
        self.statements.append(" ".join(statement.split())[:160])


@dataclass(frozen=True)
class Probe:
    """One request whose statements are counted."""

    name: str
    path: str
    revalidate: bool = False


@dataclass(frozen=True)
class ProbeResult:
    """What one probe cost."""

    name: str
    status: int
    statements: int
    selects: int
    ms_per_request: float
    sql_ms_per_request: float


@asynccontextmanager
async def running_app(
    database_url: str, **settings: Any
) -> AsyncIterator[tuple[FastAPI, StatementLog]]:
    """Run the app's lifespan (with ``settings`` overridden) and log its engines' statements."""
    app = create_app(Settings(database_url=database_url, log_level="warning", **settings))
    log = StatementLog()
    async with app.router.lifespan_context(app):
        database: Database = app.state.database
        for engine in database.engines:
            event.listen(engine.sync_engine, "before_cursor_execute", log.before)
            event.listen(engine.sync_engine, "after_cursor_execute", log.after)
        rows = getattr(database, "rows", None)  # absent in revisions before app.row_reads
        if rows is not None:
            rows.listeners.append(log.plain)
        yield app, log


def probes(detail_slug: str, hub_slug: str, query: str) -> list[Probe]:
    """Return the requests the report counts (the hub claim has more than 100 links)."""
    q = quote(query)
    return [
        Probe("detail", f"/v1/claims/{detail_slug}"),
        Probe("detail 304", f"/v1/claims/{detail_slug}", revalidate=True),
        Probe("evidence limit=5", f"/v1/claims/{hub_slug}/evidence?limit=5"),
        Probe("evidence limit=100", f"/v1/claims/{hub_slug}/evidence?limit=100"),
        Probe("list limit=5", "/v1/claims?limit=5"),
        Probe("list limit=100", "/v1/claims?limit=100"),
        Probe("search limit=5", f"/v1/claims?q={q}&limit=5"),
        Probe("search limit=100", f"/v1/claims?q={q}&limit=100"),
    ]


async def run_probes(
    database_url: str, cases: list[Probe], *, repeat: int = 50, **settings: Any
) -> list[ProbeResult]:
    """Count each probe's statements, then time ``repeat`` sequential requests of it."""
    results = []
    async with (
        running_app(database_url, **settings) as (app, log),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
    ):
        for probe in cases:
            headers: dict[str, str] = {}
            if probe.revalidate:
                first = await client.get(probe.path)
                headers["If-None-Match"] = first.headers["etag"]
            await client.get(probe.path, headers=headers)  # warm caches and compiled SQL
            log.reset()
            response = await client.get(probe.path, headers=headers)
            statements = list(log.statements)
            log.reset()
            started = time.perf_counter()
            for _ in range(repeat):
                await client.get(probe.path, headers=headers)
            elapsed = time.perf_counter() - started
            results.append(
                ProbeResult(
                    name=probe.name,
                    status=response.status_code,
                    statements=len(statements),
                    selects=sum(1 for s in statements if s.upper().startswith("SELECT")),
                    ms_per_request=1000 * elapsed / repeat,
                    sql_ms_per_request=1000 * log.seconds / repeat,
                )
            )
    return results


def sample_claims(path: str = str(SQLITE_PATH)) -> tuple[str, str]:
    """Return the slug of an ordinary claim and of a claim with more than 100 links."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        hub = connection.execute(
            "SELECT c.slug FROM claims c JOIN evidence e ON e.claim_id = c.id "
            "WHERE c.deleted_at IS NULL GROUP BY c.id HAVING count(*) > 100 ORDER BY c.id LIMIT 1"
        ).fetchone()
        ordinary = connection.execute(
            "SELECT slug FROM claims WHERE deleted_at IS NULL ORDER BY id LIMIT 1 OFFSET 1234"
        ).fetchone()
    finally:
        connection.close()
    if hub is None or ordinary is None:
        raise RuntimeError("the benchmark database has no claim with more than 100 links")
    return str(ordinary[0]), str(hub[0])


def format_results(backend: str, results: list[ProbeResult]) -> str:
    """Return a Markdown table of one backend's probes."""
    lines = [
        f"| {backend}: request | status | SQL statements | of which SELECT | ms/request "
        "in-process | of which SQL ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        lines.append(
            f"| {result.name} | {result.status} | {result.statements} | {result.selects} | "
            f"{result.ms_per_request:.2f} | {result.sql_ms_per_request:.2f} |"
        )
    return "\n".join(lines)


def _site(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("site-packages/", "/lib/python3.11/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{code.co_name}"


class StackSampler(threading.Thread):
    """Sample one thread's Python stack every ``interval`` s: a poor man's py-spy.

    cProfile misattributes time in coroutines; sampling the stack does not. The switch interval
    is lowered while sampling so that the sampler gets the GIL when it asks for it.
    """

    def __init__(self, thread_id: int, interval: float = 0.0005) -> None:
        super().__init__(name="stack-sampler", daemon=True)
        self.thread_id = thread_id
        self.interval = interval
        self.inclusive: Counter[str] = Counter()
        self.leaf: Counter[str] = Counter()
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Sample until stopped."""
        while not self._stop_event.is_set():
            frame = sys._current_frames().get(self.thread_id)
            sites = []
            while frame is not None:
                sites.append(_site(frame))
                frame = frame.f_back
            if sites:
                self.samples += 1
                self.leaf[sites[0]] += 1
                self.inclusive.update(set(sites))
            time.sleep(self.interval)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop_event.set()
        self.join()

    def report(self, top: int = 45) -> str:
        """Return the functions seen most often, inclusive and as the running leaf."""
        lines = [f"{self.samples} samples; % of samples with the function on the stack:"]
        for site, count in self.inclusive.most_common(top):
            lines.append(f"{100 * count / max(self.samples, 1):5.1f}%  {site}")
        lines.append("running (leaf) functions:")
        for site, count in self.leaf.most_common(15):
            lines.append(f"{100 * count / max(self.samples, 1):5.1f}%  {site}")
        return "\n".join(lines)


async def profile(database_url: str, path: str, *, repeat: int, revalidate: bool) -> str:
    """Return where the event-loop thread spends ``repeat`` sequential requests of ``path``.

    Nothing is kept (``cache_bytes=0``): the profile is the route's own.
    """
    async with (
        running_app(database_url, cache_bytes=0, document_cache_size=0) as (app, _log),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
    ):
        headers = {}
        if revalidate:
            headers["If-None-Match"] = (await client.get(path)).headers["etag"]
        for _ in range(10):
            await client.get(path, headers=headers)
        switch = sys.getswitchinterval()
        sys.setswitchinterval(0.00005)
        sampler = StackSampler(threading.get_ident())
        sampler.start()
        try:
            for _ in range(repeat):
                await client.get(path, headers=headers)
        finally:
            sampler.stop()
            sys.setswitchinterval(switch)
    return sampler.report()


async def cpu_per_request(database_url: str, paths: list[str], *, repeat: int) -> str:
    """Return the process's CPU ms per request of each path, nothing kept (medians of 5 rounds).

    Sequential requests through ``httpx.ASGITransport`` without gzip (as ``wrk`` asks): the
    client's own work is in the figure too, the same for every revision. Process time counts
    every thread, so aiosqlite's thread is included.
    """
    lines = ["| request | CPU ms/request (median of 5) | min |", "| --- | ---: | ---: |"]
    async with (
        running_app(database_url, cache_bytes=0, document_cache_size=0) as (app, _log),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            headers={"Accept-Encoding": "identity"},
        ) as client,
    ):
        for path in paths:
            for _ in range(20):
                response = await client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")
            rounds = []
            for _ in range(5):
                started = time.process_time()
                for _ in range(repeat):
                    await client.get(path)
                rounds.append(1000 * (time.process_time() - started) / repeat)
            lines.append(f"| {path} | {statistics.median(rounds):.2f} | {min(rounds):.2f} |")
    return "\n".join(lines)


async def fresh_searches(database_url: str, questions: list[str]) -> str:
    """Time searches ranked afresh (kept pages off), one at a time, in two passes.

    The first pass also counts how many claims match each word the process has not seen
    (one query a word, kept per content generation); the second shows the steady cost.
    """
    lines = [
        "| pass | searches | ms/search median | p90 | SQL ms median | ranking query ms median |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    async with (
        running_app(database_url, search_cache_bytes=0, cache_bytes=0) as (app, log),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
    ):
        for name in ("words new to the process", "words known"):
            elapsed, sql, ranking = [], [], []
            for question in questions:
                log.reset()
                started = time.perf_counter()
                response = await client.get(f"/v1/claims?q={quote(question)}")
                elapsed.append(time.perf_counter() - started)
                response.raise_for_status()
                sql.append(log.seconds)
                ranking += [
                    took
                    for statement, took in zip(log.statements, log.durations, strict=True)
                    if "claims.statement" in statement  # the ranked page of claims
                ]
            lines.append(
                f"| {name} | {len(questions)} | {1000 * statistics.median(elapsed):.1f} | "
                f"{1000 * statistics.quantiles(elapsed, n=10)[-1]:.1f} | "
                f"{1000 * statistics.median(sql):.1f} | {1000 * statistics.median(ranking):.1f} |"
            )
    return "\n".join(lines)


# How a list's entries are rendered: before kept entries and the worker process, citeproc-py
# ran in a thread of the serving process for every entry of every list.
RENDERINGS: dict[str, dict[str, Any]] = {
    "thread, nothing kept (before)": {"citation_entries": 0, "citation_worker": False},
    "worker process, nothing kept": {"citation_entries": 0, "citation_worker": True},
    "worker process, entries kept (default)": {},
}


def _p99(values: list[float]) -> float:
    return 1000 * sorted(values)[max(int(len(values) * 0.99) - 1, 0)]


async def _render_times(studies: list[Any], rounds: int) -> dict[str, float]:
    """Median ms of rendering an APA list of ``studies`` each way, in this process."""
    from app.references import formatting
    from app.references.renderer import CitationRenderer

    apa = formatting.CitationFormat.apa
    formatting.load_styles()
    medians: dict[str, float] = {}
    renderers = {
        "whole list in this process, nothing kept (before)": CitationRenderer(
            kept_entries=0, worker=False
        ),
        "worker process, nothing kept": CitationRenderer(kept_entries=0, worker=True),
        "entries kept (after their first render)": CitationRenderer(
            kept_entries=10_000, worker=True
        ),
    }
    for name, renderer in renderers.items():
        await renderer.reference_list(studies, apa)  # the worker started, the entries kept
        took = []
        for _ in range(rounds):
            started = time.perf_counter()
            await renderer.reference_list(studies, apa)
            took.append(time.perf_counter() - started)
        renderer.close()
        medians[name] = 1000 * statistics.median(took)
    return medians


async def _details_while_lists_render(
    database_url: str, slug: str, reads: int, settings: dict[str, Any]
) -> tuple[float, float, float, float, int]:
    """Return a detail's p99 alone and while the claim's list renders over and over, the
    detail's p50 meanwhile and the list's p50 alone, in ms, and the lists rendered meanwhile."""
    list_path = f"/v1/claims/{slug}/references?format=apa"
    async with (
        running_app(database_url, cache_bytes=0, **settings) as (app, _log),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
    ):
        (await client.get(list_path)).raise_for_status()  # the worker started

        async def details() -> list[float]:
            times = []
            for _ in range(reads):
                # Let the loop run the list's request between two reads, as a server does
                # between two connections' requests: a detail read on SQLite is inline, and
                # over ASGITransport a request that awaits nothing would never let it in.
                await asyncio.sleep(0)
                started = time.perf_counter()
                (await client.get(f"/v1/claims/{slug}")).raise_for_status()
                times.append(time.perf_counter() - started)
            return times

        list_alone = []
        for _ in range(5):
            started = time.perf_counter()
            (await client.get(list_path)).raise_for_status()
            list_alone.append(time.perf_counter() - started)
        alone = await details()
        list_times: list[float] = []
        reading = asyncio.Event()

        async def lists() -> None:
            while not reading.is_set():
                started = time.perf_counter()
                (await client.get(list_path)).raise_for_status()
                list_times.append(time.perf_counter() - started)

        async def details_meanwhile() -> list[float]:
            try:
                return await details()
            finally:
                reading.set()

        _, meanwhile = await asyncio.gather(lists(), details_meanwhile())
    return (
        _p99(alone),
        _p99(meanwhile),
        1000 * statistics.median(meanwhile),
        1000 * statistics.median(list_alone),
        len(list_times),
    )


async def reference_lists(
    database_url: str, slug: str, *, studies: int, rounds: int, repeats: int = 3
) -> str:
    """Time an APA list of ``studies`` studies, and claim details while long lists render.

    Nothing is kept by the response cache (``cache_bytes=0``). The list is timed three ways in
    this process; then, for each way of rendering (``RENDERINGS``), claim details are read one
    after another alone and while the claim's whole list (every study behind it) renders over
    and over, ``repeats`` times; the table gives medians over the repeats.
    """
    from app.claims import service as claim_service
    from app.references.service import citable, studies_behind

    detail_reads = 1000
    lines = []
    async with running_app(database_url, cache_bytes=0) as (app, _log):
        database: Database = app.state.database
        async with database.read_sessions() as session:
            claim = await claim_service.get(session, ref=slug)
            found = [citable(study) for study in await studies_behind(session, claim=claim)]
    chosen = found[:studies]
    for name, ms in (await _render_times(chosen, rounds)).items():
        lines.append(f"APA list of {len(chosen)} studies, {name}: median {ms:.1f} ms")

    results: dict[str, list[tuple[float, float, float, float, int]]] = {
        name: [] for name in RENDERINGS
    }
    for _ in range(repeats):
        for name, settings in RENDERINGS.items():
            results[name].append(
                await _details_while_lists_render(database_url, slug, detail_reads, settings)
            )
    lines += [
        "",
        f"Claim detail read {detail_reads} times one after another, alone and while the "
        f"claim's {len(found)}-study APA list renders over and over (response cache off); "
        f"medians of {repeats} repeats:",
        "",
        "| list rendered by | detail p99 alone ms | detail p99 meanwhile ms | ratio "
        f"| detail p50 meanwhile ms | lists meanwhile | {len(found)}-study list alone p50 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, rows in results.items():
        alone_p99, meanwhile_p99, meanwhile_p50, list_p50, rendered = (
            statistics.median(column) for column in zip(*rows, strict=True)
        )
        lines.append(
            f"| {name} | {alone_p99:.1f} | {meanwhile_p99:.1f} | "
            f"{meanwhile_p99 / alone_p99:.2f}x | {meanwhile_p50:.1f} | {rendered:.0f} "
            f"| {list_p50:.1f} |"
        )
    return "\n".join(lines)


class CountedTask(asyncio.tasks._PyTask):  # type: ignore[name-defined,misc]
    """A task that counts its steps: each is a turn of the event loop it waited for.

    An ``await`` that suspends (a thread hop to aiosqlite, a round trip on asyncpg, a lock or
    a pool checkout that waits) ends a step; under load each new step queues behind every
    ready callback of the other requests.
    """

    def __init__(self, coro: Any) -> None:
        super().__init__(coro)
        self.steps = 0

    def _Task__step(self, exc: BaseException | None = None) -> None:
        self.steps += 1
        super()._Task__step(exc)


@dataclass
class WriteTimes:
    """The two writes of the mixed workload, timed, with their statements and loop turns."""

    patch: list[float] = field(default_factory=list)
    verdict: list[float] = field(default_factory=list)
    patch_statements: list[str] = field(default_factory=list)
    verdict_statements: list[str] = field(default_factory=list)
    patch_steps: list[int] = field(default_factory=list)
    verdict_steps: list[int] = field(default_factory=list)
    cpu: float = 0.0


async def write_probe(
    database_url: str,
    secret: str,
    written: list[str],
    read: list[str],
    *,
    rounds: int,
    readers: int,
) -> tuple[WriteTimes, WriteTimes]:
    """Make the mixed workload's two writes ``rounds`` times alone, then with ``readers``.

    Each round GETs a claim, PATCHes its summary with the ETag read in ``If-Match``, and
    POSTs a verdict. Alone, the statements of each write are logged and the loop turns it
    spans are counted (a task that only yields counts them). Then ``readers`` tasks read
    ``read`` (claim details) in turn, in this process and on this loop, while the same
    writes are timed.
    """
    auth = {"Authorization": f"Bearer {secret}"}
    results = (WriteTimes(), WriteTimes())
    async with (
        running_app(database_url) as (app, log),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=60
        ) as client,
    ):

        async def one_round(number: int, into: WriteTimes, counted: bool) -> None:
            slug = written[number % len(written)]
            etag = (await client.get(f"/v1/claims/{slug}")).headers["etag"]
            for name in ("patch", "verdict"):
                log.reset()
                started = time.perf_counter()
                if name == "patch":
                    request = client.patch(
                        f"/v1/claims/{slug}",
                        json={"summary": f"Summary revised by the benchmark ({number})."},
                        headers={**auth, "If-Match": etag},
                    )
                else:
                    request = client.post(
                        f"/v1/claims/{slug}/verdicts",
                        json={"rating": "mixed", "certainty": "low", "rationale": RATIONALE},
                        headers=auth,
                    )
                task = CountedTask(request)
                response = await task
                took = time.perf_counter() - started
                if response.status_code not in (200, 201):
                    raise RuntimeError(f"{name} {slug}: {response.status_code} {response.text}")
                getattr(into, name).append(took)
                if counted:
                    getattr(into, f"{name}_steps").append(task.steps)
                    setattr(into, f"{name}_statements", list(log.statements))

        alone, loaded = results
        await one_round(0, WriteTimes(), False)  # warm compiled SQL
        cpu = time.process_time()
        for number in range(1, rounds + 1):
            await one_round(number, alone, True)
        alone.cpu = time.process_time() - cpu

        stop = asyncio.Event()

        async def reader(offset: int) -> None:
            number = offset
            while not stop.is_set():
                await client.get(f"/v1/claims/{read[number % len(read)]}")
                number += readers

        tasks = [asyncio.ensure_future(reader(offset)) for offset in range(readers)]
        await asyncio.sleep(1)
        try:
            for number in range(rounds + 1, 2 * rounds + 1):
                await one_round(number, loaded, False)
                await asyncio.sleep(0.25)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
    return results


def format_writes(backend: str, alone: WriteTimes, loaded: WriteTimes, readers: int) -> str:
    """Return a Markdown table of the writes alone and under reads, and their statements."""

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * q))]

    lines = [
        f"| {backend}: write | statements | loop turns waited alone | p50 ms alone | p50 ms with "
        f"{readers} readers | p99 ms with {readers} readers |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in ("patch", "verdict"):
        lines.append(
            f"| {name} | {len(getattr(alone, f'{name}_statements'))} | "
            f"{statistics.median(getattr(alone, f'{name}_steps')):.0f} | "
            f"{pct(getattr(alone, name), 0.5):.1f} | {pct(getattr(loaded, name), 0.5):.1f} | "
            f"{pct(getattr(loaded, name), 0.99):.1f} |"
        )
    writes = len(alone.patch) + len(alone.verdict)
    lines.append(
        f"\nCPU per write alone: {1000 * alone.cpu / writes:.2f} ms (GET before each included)"
    )
    for name in ("patch", "verdict"):
        lines.append(f"\n{name} statements:")
        lines += [f"  {statement}" for statement in getattr(alone, f"{name}_statements")]
    return "\n".join(lines)


def main() -> None:
    """Print statement counts and time split, or a profile of one request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--profile", metavar="PATH", help="sample the stack over GET PATH")
    parser.add_argument("--revalidate", action="store_true", help="send its ETag (304)")
    parser.add_argument(
        "--cpu", action="store_true", help="CPU ms per request of the public reads, nothing kept"
    )
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--apa", type=int, metavar="N", help="time an APA list of N studies, and reads meanwhile"
    )
    parser.add_argument("--query", default="does vitamin d protect against covid")
    parser.add_argument(
        "--searches", type=int, metavar="N", help="time N of the benchmark's questions, unkept"
    )
    parser.add_argument(
        "--writes",
        type=int,
        metavar="N",
        help="make the mixed workload's PATCH and verdict N times alone, then with --readers",
    )
    parser.add_argument("--readers", type=int, default=32)
    arguments = parser.parse_args()
    url = sqlite_url() if arguments.backend == "sqlite" else postgresql_url()
    if arguments.writes is not None:
        from bench.run import editor_key, sample

        data = sample(100_000)
        secret = editor_key(arguments.backend)
        written = [slug for _, slug in data.claims[:200]]
        read = [slug for _, slug in data.long_tail]
        alone, loaded = asyncio.run(
            write_probe(
                url,
                secret,
                written,
                read,
                rounds=arguments.writes,
                readers=arguments.readers,
            )
        )
        print(format_writes(arguments.backend, alone, loaded, arguments.readers))
        return
    if arguments.searches is not None:
        if arguments.searches < 2:
            parser.error("--searches needs at least 2 questions (it reports a p90)")
        from bench.run import sample  # bench.run imports this module

        questions = sample(100_000).queries[: arguments.searches]
        print(asyncio.run(fresh_searches(url, questions)))
        return
    if arguments.apa is not None:
        _, hub = sample_claims()
        print(asyncio.run(reference_lists(url, hub, studies=arguments.apa, rounds=10)))
        return
    if arguments.cpu:
        detail, hub = sample_claims()
        paths = [
            f"/v1/claims/{detail}",
            f"/v1/claims/{detail}/evidence",
            f"/v1/claims/{hub}/evidence",
            f"/v1/claims/{hub}/evidence?limit=100",
            f"/v1/claims/{detail}/verdicts",
        ]
        print(asyncio.run(cpu_per_request(url, paths, repeat=arguments.repeat)))
        return
    if arguments.profile:
        report = asyncio.run(
            profile(
                url, arguments.profile, repeat=arguments.repeat, revalidate=arguments.revalidate
            )
        )
        print(report)
        return
    detail, hub = sample_claims()
    results = asyncio.run(
        run_probes(
            url,
            probes(detail, hub, arguments.query),
            repeat=arguments.repeat,
            cache_bytes=0,  # the routes' own work: nothing kept
            document_cache_size=0,
            search_cache_bytes=0,
        )
    )
    print(format_results(arguments.backend, results))


if __name__ == "__main__":
    main()
