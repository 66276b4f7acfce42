"""The whole run: generate the data, serve it four ways, drive each with wrk, report."""

import argparse
import asyncio
import json
import os
import platform
import random
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from app.claims.search import search_terms
from bench import generate, inprocess, semantic_http, vectors
from bench.harness import (
    BIN,
    CONNECTIONS,
    RESULTS_DIR,
    THREADS,
    Request,
    RssSampler,
    Server,
    Target,
    WriteLoad,
    datasette_server,
    ensure_wrk,
    measure,
    table,
    uvicorn_server,
    wrk_version,
)

BACKENDS = ("sqlite", "postgresql")
WORKLOADS = {
    "a": "(a) claim detail",
    "b": "(b) 304 revalidation",
    "c": "(c) search q=",
    "d": "(d) evidence list",
    "e": "(e) claims list page",
    "m": "(m) mixed: reads + 2 writes/s",
    "s": semantic_http.WORKLOAD_MANY,
}
# Long-tail reads: draws over this many claims (in a random order), weighted 1/rank^s.
LONG_TAIL_CLAIMS = 20_000
LONG_TAIL_DRAWS = 5_000
ZIPF_S = 1.1
REFERENCE_SHARE_GOAL = 0.70
UNCACHED_DETAIL_GOALS = {"sqlite": 2.0, "postgresql": 1.5}
EVIDENCE_RATIO_GOAL = 3.0
MIXED_READ_RATIO_GOAL = 2.0
MIXED_READ_P99_GOAL_MS = 50.0
MIXED_WRITE_P99_GOAL_MS = 100.0
WORKERS_RATIO_GOAL = 1.6
SAMPLE_CLAIMS = 1000
# `citedb serve --workers 2` rows (CITEDB_BENCH_TWO_WORKERS=0 leaves them out).
TWO_WORKERS = os.environ.get("CITEDB_BENCH_TWO_WORKERS", "1") == "1"
SAMPLE_REVALIDATIONS = 200
SAMPLE_PAGES = 30
RSS_LIMIT_MIB = 200
DETAIL_RATIO_GOAL = 2.0
DETAIL_P99_GOAL_MS = 50.0
REVALIDATION_RATIO_GOAL = 0.40
SEARCH_P50_GOAL_MS = 15.0


@dataclass(frozen=True)
class Sample:
    """The claims and questions the workloads rotate through."""

    claims: list[tuple[int, str]]
    queries: list[str]
    long_tail: list[tuple[int, str]]  # LONG_TAIL_DRAWS draws, Zipf-like, over many claims


def sample(claims: int) -> Sample:
    """Pick the claims (live ones, spread over the table) and realistic questions from the data.

    Only generated claims (ids up to ``claims``): those an earlier run's creates added to the
    kept data differ between the databases.
    """
    rng = random.Random(generate.SEED + 1)
    connection = sqlite3.connect(f"file:{generate.SQLITE_PATH}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT id, slug FROM claims WHERE deleted_at IS NULL AND id <= ? ORDER BY id",
            (claims,),
        ).fetchall()
    finally:
        connection.close()
    picked = rng.sample(rows, min(SAMPLE_CLAIMS, len(rows)))
    ranked = rng.sample(rows, min(LONG_TAIL_CLAIMS, len(rows)))
    weights = [1 / rank**ZIPF_S for rank in range(1, len(ranked) + 1)]
    long_tail = rng.choices(ranked, weights=weights, k=LONG_TAIL_DRAWS)
    seeds = generate.read_seeds()
    queries: list[str] = []
    for seed in rng.sample(seeds.claims, 300):
        words = [w for w in search_terms(seed.text) if len(w) > 2]
        if not words:
            continue
        if seed.question and rng.random() < 0.5:
            queries.append(seed.text)  # a question as people type it
        else:
            start = rng.randrange(max(1, len(words) - 1))
            queries.append(" ".join(words[start : start + rng.randint(1, 3)]))
    return Sample(
        claims=[(int(i), str(s)) for i, s in picked],
        queries=queries[:200],
        long_tail=[(int(i), str(s)) for i, s in long_tail],
    )


def document_cache() -> bool:
    """Tell whether this app keeps answers (``CITEDB_CACHE_BYTES``, or an older revision's)."""
    from app.config import Settings

    return bool({"document_cache_size", "cache_bytes"} & set(Settings.model_fields))


def uncached_environment_names() -> set[str]:
    """Return the names of the settings that keep answers, of those this app has."""
    from app.config import Settings

    names = {"document_cache_size", "search_cache_bytes", "cache_bytes"}
    return names & set(Settings.model_fields)


def uncached_environment() -> dict[str, str]:
    """Return the settings that turn off every answer this app keeps (a revision's own)."""
    return {f"CITEDB_{name.upper()}": "0" for name in sorted(uncached_environment_names())}


# Searches with `q` count as expensive requests (120 a minute per address by default), creates
# as writes: the rows that rank every search afresh and the creates of (s) measure the work,
# not the rate limiter, so those processes run without limits.
NO_RATE_LIMITS = {
    f"CITEDB_RATE_LIMIT_{name}": ""
    for name in (
        "WRITES_PER_KEY",
        "WRITES_PER_ADDRESS",
        "EXPENSIVE_PER_KEY",
        "EXPENSIVE_PER_ADDRESS",
    )
}


def servers(backends: list[str], workloads: str = "") -> dict[str, Server]:
    """Return the servers of this run (not started)."""
    urls = {"sqlite": generate.sqlite_url(), "postgresql": generate.postgresql_url()}
    found: dict[str, Server] = {}
    variants: dict[str, dict[str, str]] = {"": {}}
    if document_cache():
        # A second process keeping nothing: what a miss (or the first question) costs.
        variants["-uncached"] = {**uncached_environment(), **NO_RATE_LIMITS}
    for backend in backends:
        for suffix, extra in variants.items():
            found[f"citedb-{backend}{suffix}"] = Server(
                name=f"citedb-{backend}{suffix}",
                command=[str(BIN / "citedb"), "serve", "--host", "127.0.0.1", "--port", "{port}"],
                env={"CITEDB_DATABASE_URL": urls[backend], "CITEDB_LOG_LEVEL": "warning", **extra},
                ready_path="/healthz",
            )
        if "s" in workloads:
            # The baseline of (s): the same process ranking by words alone, nothing kept.
            found[f"citedb-{backend}-words"] = Server(
                name=f"citedb-{backend}-words",
                command=[str(BIN / "citedb"), "serve", "--host", "127.0.0.1", "--port", "{port}"],
                env={
                    "CITEDB_DATABASE_URL": urls[backend],
                    "CITEDB_LOG_LEVEL": "warning",
                    "CITEDB_SEMANTIC_SEARCH": "false",
                    **uncached_environment(),
                    **NO_RATE_LIMITS,
                },
                ready_path="/healthz",
            )
        found[f"reference-{backend}"] = uvicorn_server(
            f"reference-{backend}",
            "bench.reference:app",
            env={"CITEDB_DATABASE_URL": urls[backend]},
            ready_path="/v1/claims/1",
        )
        if not TWO_WORKERS:
            continue
        found[f"citedb-{backend}-2-workers"] = Server(
            name=f"citedb-{backend}-2-workers",
            command=[
                str(BIN / "citedb"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
                "--workers",
                "2",
            ],
            env={"CITEDB_DATABASE_URL": urls[backend], "CITEDB_LOG_LEVEL": "warning"},
            ready_path="/healthz",
        )
    found["datasette"] = datasette_server("datasette", str(generate.SQLITE_PATH))
    for name, app in (
        ("bare-asgi", "bench.bare_asgi:app"),
        ("fastapi-constant", "bench.bare_asgi:fastapi_app"),
    ):
        found[name] = uvicorn_server(name, app)
    return found


def editor_key(backend: str) -> str:
    """Store a new editor key in the benchmark's database of ``backend``; return its secret."""
    if backend == "sqlite":
        return add_editor_key(sqlite_path=generate.SQLITE_PATH, pg_database=None)
    return add_editor_key(sqlite_path=None, pg_database=generate.PG_DATABASE)


def add_editor_key(*, sqlite_path: Path | None, pg_database: str | None) -> str:
    """Store a new editor key in a SQLite file or a PostgreSQL database; return its secret."""
    from app.auth.keys import generate_secret

    new = generate_secret()
    values = (f"bench-writer-{new.prefix}", "editor", new.prefix, new.secret_hash)
    if sqlite_path is not None:
        connection = sqlite3.connect(sqlite_path)
        with connection:
            connection.execute(
                "INSERT INTO api_keys (name, role, prefix, secret_hash, created_at) "
                "VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)",
                values,
            )
        connection.close()
    else:
        import psycopg

        with psycopg.connect(f"{generate.PG_SERVER}/{pg_database}") as pg:
            pg.execute(
                "INSERT INTO api_keys (name, role, prefix, secret_hash, created_at) "
                "VALUES (%s, %s, %s, %s, now())",
                values,
            )
    return new.secret


def check_reference(found: dict[str, Server], backends: list[str], data: Sample) -> None:
    """Fail unless the reference row answers the API's bytes and ETags."""
    for backend in backends:
        with (
            httpx.Client(base_url=found[f"citedb-{backend}"].base_url) as api,
            httpx.Client(base_url=found[f"reference-{backend}"].base_url) as reference,
        ):
            for _, slug in data.long_tail[:50]:
                want, got = api.get(f"/v1/claims/{slug}"), reference.get(f"/v1/claims/{slug}")
                if (got.content, got.headers["etag"]) != (want.content, want.headers["etag"]):
                    raise RuntimeError(f"reference {backend}: /v1/claims/{slug} differs")


def _follow(server: Server, first: str, pages: int, *, next_key: str) -> list[Request]:
    """Return the first page of a list and the pages after it, following the next links."""
    requests = [Request(first)]
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        path = first
        for _ in range(pages - 1):
            body = client.get(path).json()
            following = body.get(next_key)
            if not following:
                break
            if next_key == "next_cursor":
                separator = "&" if "?" in first else "?"
                path = f"{first}{separator}cursor={following}"
            else:
                path = httpx.URL(str(following)).raw_path.decode()  # Datasette gives a full URL
            requests.append(Request(path))
    return requests


def _revalidations(server: Server, paths: list[str]) -> list[Request]:
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        return [Request(path, client.get(path).headers["etag"]) for path in paths]


def _fts_match(question: str) -> str:
    """Return the FTS5 query citedb builds for a question (quoted terms joined by OR)."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in search_terms(question))


def targets(
    chosen: str, found: dict[str, Server], data: Sample, backends: list[str]
) -> list[Target]:
    """Return the rows of the table, in order, with the requests each rotates through."""
    rows: list[Target] = []
    citedb = [(backend, found[f"citedb-{backend}"]) for backend in backends]
    datasette = found["datasette"]
    detail = [f"/v1/claims/{slug}" for _, slug in data.claims]
    uncached = [
        (backend, found[f"citedb-{backend}-uncached"])
        for backend in backends
        if f"citedb-{backend}-uncached" in found
    ]
    long_tail = [Request(f"/v1/claims/{slug}") for _, slug in data.long_tail]
    if "a" in chosen:
        workload = WORKLOADS["a"]
        for backend, server in citedb:
            rows.append(Target(workload, f"citedb {backend}", server, long_tail))
        for backend, server in uncached:
            rows.append(Target(workload, f"citedb {backend} cache off", server, long_tail))
        for backend in backends:
            reference = found[f"reference-{backend}"]
            label = f"reference {backend} driver+orjson"
            rows.append(Target(workload, label, reference, long_tail))
        rows.append(
            Target(
                workload,
                "datasette row JSON",
                datasette,
                [Request(f"/db/claims/{claim_id}.json") for claim_id, _ in data.long_tail],
                baseline=True,
            )
        )
        rows.append(
            Target(
                workload,
                "datasette canned claim+verdict",
                datasette,
                [Request(f"/db/claim_detail.json?slug={slug}") for _, slug in data.claims],
            )
        )
    if "b" in chosen:
        workload = WORKLOADS["b"]
        for backend, server in citedb:
            requests = _revalidations(server, detail[:SAMPLE_REVALIDATIONS])
            rows.append(Target(workload, f"citedb {backend} 304", server, requests, expect=304))
        for backend, server in uncached:
            requests = _revalidations(server, detail[:SAMPLE_REVALIDATIONS])
            label = f"citedb {backend} cache off 304"
            rows.append(Target(workload, label, server, requests, expect=304))
        constant = Request("/", '"bench-constant-1"')
        rows.append(
            Target(workload, "bare ASGI 304", found["bare-asgi"], [constant], 304, baseline=True)
        )
        rows.append(
            Target(workload, "FastAPI constant 304", found["fastapi-constant"], [constant], 304)
        )
    if "c" in chosen:
        workload = WORKLOADS["c"]
        for backend, server in citedb:
            requests = [Request(f"/v1/claims?q={quote(q)}") for q in data.queries]
            rows.append(Target(workload, f"citedb {backend}", server, requests))
        for backend, server in uncached:
            requests = [Request(f"/v1/claims?q={quote(q)}") for q in data.queries]
            rows.append(Target(workload, f"citedb {backend} cache off", server, requests))
        requests = [
            Request(f"/db/claim_search.json?match={quote(_fts_match(q))}") for q in data.queries
        ]
        rows.append(
            Target(workload, "datasette canned FTS5 bm25", datasette, requests, baseline=True)
        )
    if "d" in chosen:
        workload = WORKLOADS["d"]
        for backend, server in citedb:
            requests = [Request(f"/v1/claims/{slug}/evidence") for _, slug in data.claims]
            rows.append(Target(workload, f"citedb {backend}", server, requests))
        for backend, server in uncached:
            requests = [Request(f"/v1/claims/{slug}/evidence") for _, slug in data.claims]
            rows.append(Target(workload, f"citedb {backend} cache off", server, requests))
        requests = [Request(f"/db/evidence.json?claim_id={i}&_size=20") for i, _ in data.claims]
        rows.append(Target(workload, "datasette table filter", datasette, requests, baseline=True))
    if "m" in chosen:
        workload = WORKLOADS["m"]
        written = [slug for _, slug in data.claims[:200]]
        for backend, _server in citedb:
            key = editor_key(backend)
            for name, label in (
                (f"citedb-{backend}", f"citedb {backend}"),
                (f"citedb-{backend}-2-workers", f"citedb {backend} --workers 2"),
            ):
                if name not in found:
                    continue
                target = Target(workload, label, found[name], long_tail)
                target.writes = WriteLoad(found[name].base_url, key, written)
                rows.append(target)
        # Datasette reads the same SQLite file while citedb writes to it.
        if "sqlite" in backends:
            writes = WriteLoad(found["citedb-sqlite"].base_url, editor_key("sqlite"), written)
            requests = [Request(f"/db/claims/{claim_id}.json") for claim_id, _ in data.long_tail]
            target = Target(workload, "datasette row JSON", datasette, requests, baseline=True)
            target.writes = writes
            rows.append(target)
    if "s" in chosen:
        workload = WORKLOADS["s"]
        asked = semantic_http.questions()[: semantic_http.MANY_QUESTIONS]
        for backend in backends:
            requests = [Request(f"/v1/claims?q={quote(q)}") for q in asked]
            for name, label in (
                (f"citedb-{backend}-uncached", f"citedb {backend} cache off"),
                (f"citedb-{backend}-words", f"citedb {backend} words only, cache off"),
            ):
                if name in found:
                    rows.append(Target(workload, label, found[name], requests))
        requests = [Request(f"/db/claim_search.json?match={quote(_fts_match(q))}") for q in asked]
        rows.append(
            Target(workload, "datasette canned FTS5 bm25", datasette, requests, baseline=True)
        )
    if "e" in chosen:
        workload = WORKLOADS["e"]
        for backend, server in citedb:
            requests = _follow(server, "/v1/claims?limit=20", SAMPLE_PAGES, next_key="next_cursor")
            rows.append(Target(workload, f"citedb {backend}", server, requests))
        first = "/db/claims.json?deleted_at__isnull=1&_sort_desc=updated_at&_size=20"
        requests = _follow(datasette, first, SAMPLE_PAGES, next_key="next_url")
        rows.append(Target(workload, "datasette table page", datasette, requests, baseline=True))
    return rows


def statement_counts(backends: list[str]) -> tuple[str, dict[str, dict[str, int]]]:
    """Count SQL statements per request in-process at limit=5 and limit=100, on each database."""
    detail_slug, hub_slug = inprocess.sample_claims()
    question = "does vitamin d protect against covid"
    urls = {"sqlite": generate.sqlite_url(), "postgresql": generate.postgresql_url()}
    reports = []
    counts: dict[str, dict[str, int]] = {}
    cases = inprocess.probes(detail_slug, hub_slug, question)
    # Lists and searches are counted as the route runs them, not as answered from kept pages.
    routes_only: dict[str, Any] = {}
    for name in uncached_environment_names() - {"document_cache_size"}:
        routes_only[name] = 0
    for backend in backends:
        results = asyncio.run(inprocess.run_probes(urls[backend], cases, repeat=10, **routes_only))
        if document_cache():  # the detail again, rendered every time
            uncached = [
                inprocess.Probe(f"{probe.name} (cache off)", probe.path, probe.revalidate)
                for probe in cases
                if probe.name.startswith("detail")
            ]
            results[2:2] = asyncio.run(
                inprocess.run_probes(
                    urls[backend], uncached, repeat=10, document_cache_size=0, cache_bytes=0
                )
            )
        counts[backend] = {result.name: result.statements for result in results}
        reports.append(inprocess.format_results(backend, results))
    return "\n\n".join(reports), counts


def _median_of(rows: list[Target], workload: str, label: str) -> Target | None:
    for row in rows:
        if row.workload == workload and row.label == label and row.runs:
            return row
    return None


def goals(
    rows: list[Target],
    backends: list[str],
    counts: dict[str, dict[str, int]],
    rss_mib: dict[str, float],
) -> list[str]:
    """Return one line a goal: the figure, the target and MET or MISSED."""
    lines = []

    def verdict(met: bool) -> str:
        return "MET" if met else "MISSED"

    row_json = _median_of(rows, WORKLOADS["a"], "datasette row JSON")
    bare = _median_of(rows, WORKLOADS["b"], "bare ASGI 304")
    for backend in backends:
        detail = _median_of(rows, WORKLOADS["a"], f"citedb {backend}")
        if detail and row_json:
            ratio = detail.median("rate") / row_json.median("rate")
            p99 = detail.median("p99_ms")
            met = ratio >= DETAIL_RATIO_GOAL and p99 <= DETAIL_P99_GOAL_MS
            lines.append(
                f"(a) {backend}: detail {ratio:.2f}x Datasette row JSON (goal >= "
                f"{DETAIL_RATIO_GOAL}x), p99 {p99:.1f} ms (goal <= {DETAIL_P99_GOAL_MS:.0f})  "
                f"{verdict(met)}"
            )
        revalidation = _median_of(rows, WORKLOADS["b"], f"citedb {backend} 304")
        if revalidation and bare:
            share = revalidation.median("rate") / bare.median("rate")
            lines.append(
                f"(b) {backend}: 304 at {share:.1%} of bare ASGI req/s (goal >= "
                f"{REVALIDATION_RATIO_GOAL:.0%})  {verdict(share >= REVALIDATION_RATIO_GOAL)}"
            )
        search = _median_of(rows, WORKLOADS["c"], f"citedb {backend}")
        if search:
            p50 = search.median("p50_ms")
            lines.append(
                f"(c) {backend}: search p50 {p50:.1f} ms at 32 connections, questions asked "
                f"before (goal <= {SEARCH_P50_GOAL_MS:.0f})  {verdict(p50 <= SEARCH_P50_GOAL_MS)}"
            )
        cold = _median_of(rows, WORKLOADS["c"], f"citedb {backend} cache off")
        if cold:
            lines.append(
                f"(c) {backend}: every question ranked afresh (cache off): p50 "
                f"{cold.median('p50_ms'):.1f} ms, {cold.median('rate'):.0f} req/s (no goal)"
            )
        for key, name in (("d", "evidence"), ("e", "list")):
            if backend not in counts:
                continue
            small, large = counts[backend][f"{name} limit=5"], counts[backend][f"{name} limit=100"]
            lines.append(
                f"({key}) {backend}: {name} {small} SQL statements at limit=5, {large} at "
                f"limit=100  {verdict(small == large)}"
            )
    reference_goals(lines, rows, backends, verdict)
    for name, mib in rss_mib.items():
        if name.startswith("citedb"):
            lines.append(
                f"RSS {name}: max {mib:.0f} MiB over the run (goal < {RSS_LIMIT_MIB})  "
                f"{verdict(mib < RSS_LIMIT_MIB)}"
            )
    return lines


def reference_goals(
    lines: list[str], rows: list[Target], backends: list[str], verdict: Any
) -> None:
    """Add the goals of the uncached read path, the mixed workload and two workers."""
    a, d, m = WORKLOADS["a"], WORKLOADS["d"], WORKLOADS["m"]
    row_json = _median_of(rows, a, "datasette row JSON")
    table_filter = _median_of(rows, d, "datasette table filter")
    mixed_datasette = _median_of(rows, m, "datasette row JSON")
    for backend in backends:
        cold = _median_of(rows, a, f"citedb {backend} cache off")
        reference = _median_of(rows, a, f"reference {backend} driver+orjson")
        if cold and reference:
            share = cold.median("rate") / reference.median("rate")
            lines.append(
                f"(a) {backend}: uncached detail at {share:.0%} of the reference row (goal >= "
                f"{REFERENCE_SHARE_GOAL:.0%})  {verdict(share >= REFERENCE_SHARE_GOAL)}"
            )
        if cold and row_json:
            ratio, goal = (
                cold.median("rate") / row_json.median("rate"),
                UNCACHED_DETAIL_GOALS[backend],
            )
            lines.append(
                f"(a) {backend}: uncached detail {ratio:.2f}x Datasette row JSON (goal >= "
                f"{goal}x)  {verdict(ratio >= goal)}"
            )
        evidence = _median_of(rows, d, f"citedb {backend} cache off")
        if evidence and table_filter:
            ratio = evidence.median("rate") / table_filter.median("rate")
            lines.append(
                f"(d) {backend}: uncached evidence page {ratio:.2f}x Datasette's table filter "
                f"(goal >= {EVIDENCE_RATIO_GOAL}x)  {verdict(ratio >= EVIDENCE_RATIO_GOAL)}"
            )
        one = _median_of(rows, m, f"citedb {backend}")
        two = _median_of(rows, m, f"citedb {backend} --workers 2")
        if one and mixed_datasette:
            ratio = one.median("rate") / mixed_datasette.median("rate")
            p99 = one.median("p99_ms")
            writes = [run.p99_ms for run in one.write_runs]
            write_p99 = sorted(writes)[len(writes) // 2] if writes else float("nan")
            met = ratio >= MIXED_READ_RATIO_GOAL and p99 <= MIXED_READ_P99_GOAL_MS
            lines.append(
                f"(m) {backend}: reads {ratio:.2f}x Datasette's under the same writes (goal >= "
                f"{MIXED_READ_RATIO_GOAL}x), read p99 {p99:.1f} ms (goal <= "
                f"{MIXED_READ_P99_GOAL_MS:.0f})  {verdict(met)}"
            )
            lines.append(
                f"(m) {backend}: write p99 {write_p99:.1f} ms (goal <= "
                f"{MIXED_WRITE_P99_GOAL_MS:.0f})  {verdict(write_p99 <= MIXED_WRITE_P99_GOAL_MS)}"
            )
        if one and two:
            ratio = two.median("rate") / one.median("rate")
            lines.append(
                f"(m) {backend}: --workers 2 at {ratio:.2f}x one worker (goal >= "
                f"{WORKERS_RATIO_GOAL}x)  {verdict(ratio >= WORKERS_RATIO_GOAL)}"
            )


def many_searches(rows: list[Target], backends: list[str]) -> dict[str, tuple[float, float]]:
    """Return per backend the p50 and the req/s ratio to Datasette of (s) at 32 connections."""
    workload = WORKLOADS["s"]
    datasette = _median_of(rows, workload, "datasette canned FTS5 bm25")
    found = {}
    for backend in backends:
        row = _median_of(rows, workload, f"citedb {backend} cache off")
        if row and datasette:
            found[backend] = (row.median("p50_ms"), row.median("rate") / datasette.median("rate"))
    return found


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _postgresql_version() -> str:
    try:
        import psycopg

        with psycopg.connect(f"{generate.PG_SERVER}/postgres") as connection:
            row = connection.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "unknown"
    except Exception as exc:  # only reported
        return f"unavailable ({exc.__class__.__name__})"


def environment() -> list[str]:
    """Return the machine and the versions, one line each."""
    packages = (
        "fastapi",
        "starlette",
        "pydantic",
        "sqlalchemy",
        "uvicorn",
        "uvloop",
        "httptools",
        "aiosqlite",
        "asyncpg",
        "datasette",
    )
    return [
        f"machine: {os.cpu_count()} CPUs ({_cpu_model()}), "
        f"{platform.system()} {platform.release()}",
        f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
        f"PostgreSQL {_postgresql_version()}; {wrk_version()}",
        "; ".join(f"{name} {version(name)}" for name in packages),
    ]


def main(arguments: argparse.Namespace, *, code: str) -> None:
    """Run the whole benchmark with the parsed command line; ``code`` says which app runs."""
    backends = [arguments.only] if arguments.only else list(BACKENDS)
    started = time.perf_counter()
    ensure_wrk()
    if arguments.skip_generate:
        manifest = generate.read_manifest()
        if manifest is None:
            sys.exit("no data in bench/data/: run without --skip-generate first")
        if manifest["claims"] != arguments.claims:
            print(f"note: using the {manifest['claims']} claims on disk", flush=True)
        urls = {"sqlite": generate.sqlite_url(), "postgresql": generate.postgresql_url()}
        for backend in ["sqlite", *[b for b in backends if b != "sqlite"]]:
            generate.migrate(urls[backend])  # bring the kept data to this code's schema
        if not manifest.get("vectors"):  # data generated before claims had vectors
            manifest["vectors"] = vectors.ensure(backends)
            generate.MANIFEST_PATH.write_text(json.dumps(manifest, indent=2) + "\n")
    else:
        print(f"generating {arguments.claims} claims ...", flush=True)
        manifest = generate.generate(arguments.claims, backends=backends)
    load_lines = [
        f"data: {manifest['claims']:,} claims, {manifest['studies']:,} studies, "
        f"{manifest['evidence']:,} evidence links (seed {manifest['seed']}); rows "
        + ", ".join(f"{table} {count:,}" for table, count in manifest["rows"].items()),
        f"generation: {manifest['build_seconds']} s to build the rows in memory",
    ]
    load_lines.append(vectors.describe(manifest.get("vectors")))
    for name, timings in manifest["loads"].items():
        load_lines.append(
            f"load {name}: {timings['total']:.1f} s total (migrate {timings['migrate']:.1f} s, "
            + ", ".join(
                f"{k} {v:.1f} s" for k, v in timings.items() if k not in ("total", "migrate")
            )
            + ")"
        )
    env_lines = [f"code: {code}", *environment()]
    print("\n".join(env_lines + load_lines), flush=True)

    count_report: str = "(not counted: --skip-counts)"
    counts: dict[str, dict[str, int]] = {}
    if not arguments.skip_counts:
        print("counting SQL statements in-process ...", flush=True)
        count_report, counts = statement_counts(backends)
        print(count_report, flush=True)

    found = servers(backends, arguments.workloads)
    sampler = RssSampler(list(found.values()))
    semantic: semantic_http.Report | None = None
    try:
        for server in found.values():
            server.start()
        sampler.start()
        data = sample(manifest["claims"])
        check_reference(found, backends, data)
        rows = targets(arguments.workloads, found, data, backends)
        if "s" in arguments.workloads:
            print(f"{semantic_http.WORKLOAD_ONE} and creates ...", flush=True)
            semantic = semantic_http.one_at_a_time(
                found, backends, editor_key, repeats=arguments.repeats
            )
        print(
            f"measuring {len(rows)} rows: wrk -t{THREADS} -c{CONNECTIONS} -d{arguments.duration:g}s"
            f" --latency, warm-up {arguments.warmup:g}s, {arguments.repeats} repeats round-robin",
            flush=True,
        )
        measure(
            rows, duration=arguments.duration, repeats=arguments.repeats, warmup=arguments.warmup
        )
    finally:
        if sampler.is_alive():
            sampler.stop()
        for server in found.values():
            server.stop()
    rss_mib = {name: kib / 1024 for name, kib in sampler.max_kib.items()}
    results = table(rows)
    goal_lines = goals(rows, backends, counts, rss_mib)
    semantic_lines: list[str] = []
    if semantic is not None:
        goal_lines += semantic_http.goals(semantic, backends, many_searches(rows, backends))
        semantic_lines = [
            f"{semantic_http.WORKLOAD_ONE}, creates and memory (medians of "
            f"{arguments.repeats} repeats; each question asked once per process):",
            "",
            semantic_http.format_report(semantic),
            "",
        ]
    rss_line = "max RSS over the run (MiB): " + ", ".join(
        f"{name} {mib:.0f}" for name, mib in rss_mib.items()
    )
    command = "python -m bench " + " ".join(sys.argv[1:])
    report = "\n".join(
        [
            f"# citedb benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"command: `{command}`",
            "",
            *[f"- {line}" for line in env_lines + load_lines],
            f"- load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            f"- total time: {time.perf_counter() - started:.0f} s",
            "",
            results,
            "",
            *semantic_lines,
            rss_line,
            "",
            "Goals:",
            "",
            *[f"- {line}" for line in goal_lines],
            "",
            "SQL statements per request (in-process, one request after a warm-up; times are "
            "sequential requests through httpx.ASGITransport, no sockets):",
            "",
            count_report,
            "",
        ]
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "latest.md").write_text(report)
    print()
    print(results)
    print()
    print("\n".join(semantic_lines))
    print(rss_line)
    print("\n".join(goal_lines))
    print(f"\nwritten to {RESULTS_DIR / 'latest.md'}")
