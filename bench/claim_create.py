"""Claim creates one at a time over HTTP, against a baseline revision in the same run.

    python -m bench.claim_create [--repeats 5] [--per-repeat 30]
        [--baseline SOURCE --baseline-sqlite PATH --baseline-pg DATABASE]

Each backend gets a `citedb serve` process keeping nothing (as workload (s) of run.py runs
it, without rate limits) on the benchmark's databases (bench/generate.py: ``db.sqlite3`` in
``CITEDB_BENCH_DATA``, and ``CITEDB_BENCH_PG_DATABASE``). With ``--baseline``, a second
process per backend serves the ``app`` package of another source tree (e.g. ``git archive``
of an earlier commit) on its own copies of the databases, so that each is measured as that
revision left them (its migrations applied, not this one's). Every process loads its index
first; then each repeat makes ``--per-repeat`` creates with ``allow_similar=true`` and as
many checked for near-duplicates, on each process in turn, with the bodies of workload (s)
(a statement and two aliases). The creates are written: run it on copies.
"""

import argparse
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import generate
from bench.harness import BIN, Server
from bench.run import NO_RATE_LIMITS, add_editor_key, uncached_environment
from bench.semantic_http import Series, create_body, questions

MODES = {"allow_similar=true": "?allow_similar=true", "checked for near-duplicates": ""}


@dataclass
class Target:
    """One process under test and the database it serves."""

    label: str
    backend: str
    server: Server
    sqlite_path: Path | None = None
    pg_database: str | None = None


def target(
    label: str, backend: str, *, sqlite_path: Path | None, pg_database: str | None, source: str
) -> Target:
    """Return a target serving ``source``'s app (empty: this tree's) on one database."""
    url = (
        generate.sqlite_url(sqlite_path)
        if sqlite_path is not None
        else generate.postgresql_url(pg_database or generate.PG_DATABASE)
    )
    env = {
        "CITEDB_DATABASE_URL": url,
        "CITEDB_LOG_LEVEL": "warning",
        **uncached_environment(),
        **NO_RATE_LIMITS,
    }
    if source:
        # The console script's own directory comes first on sys.path, then PYTHONPATH: the
        # other tree's app is imported before the one installed in the environment.
        env["PYTHONPATH"] = os.path.abspath(source)
    name = f"create-{label.replace(' ', '-')}"
    command = [str(BIN / "citedb"), "serve", "--host", "127.0.0.1", "--port", "{port}"]
    return Target(
        label,
        backend,
        Server(name=name, command=command, env=env, ready_path="/healthz"),
        sqlite_path=sqlite_path,
        pg_database=pg_database,
    )


@contextmanager
def running(targets: list[Target]) -> Iterator[None]:
    """Start every target's process; stop them all at the end."""
    try:
        for each in targets:
            each.server.start()
        yield
    finally:
        for each in targets:
            each.server.stop()


def measure(targets: list[Target], repeats: int, per_repeat: int) -> dict[str, Series]:
    """Create claims on each target in turn, repeat after repeat; return the series."""
    series: dict[str, Series] = {}
    clients: dict[str, httpx.Client] = {}
    for each in targets:
        key = add_editor_key(sqlite_path=each.sqlite_path, pg_database=each.pg_database)
        client = httpx.Client(
            base_url=each.server.base_url,
            timeout=600,
            headers={"Authorization": f"Bearer {key}"},
        )
        started = time.perf_counter()
        client.get("/v1/claims", params={"q": "warm up the index"}).raise_for_status()
        print(f"{each.label}: index loaded in {time.perf_counter() - started:.1f} s", flush=True)
        clients[each.label] = client
        for mode in MODES:
            series[f"{each.label} {mode}"] = Series(f"{each.label} {mode}")
    asked = questions()
    number = int(time.time()) % 100_000 * 10
    try:
        for repeat in range(repeats):
            for each in targets:
                client = clients[each.label]
                for mode, query in MODES.items():
                    samples = []
                    for index in range(per_repeat):
                        number += 1
                        question = asked[(repeat * per_repeat + index) % len(asked)]
                        body = create_body(question, number)
                        started = time.perf_counter()
                        response = client.post(f"/v1/claims{query}", json=body)
                        samples.append((time.perf_counter() - started) * 1000)
                        status = response.status_code
                        found = series[f"{each.label} {mode}"]
                        found.statuses[status] = found.statuses.get(status, 0) + 1
                    series[f"{each.label} {mode}"].repeats.append(samples)
            print(f"repeat {repeat + 1}/{repeats} done", flush=True)
    finally:
        for client in clients.values():
            client.close()
    return series


def report(series: dict[str, Series], baseline_labels: dict[str, str]) -> str:
    """Return the table: p50 (median of the repeats' medians), p90, p99, and the ratio of
    each p50 to its baseline's."""
    lines = [
        "| `POST /v1/claims`, one at a time | requests | p50 ms | p90 ms | p99 ms "
        "| p50 / baseline | statuses |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, found in series.items():
        label, _, mode = name.partition(" ")
        base_label = baseline_labels.get(label)
        ratio = ""
        if base_label is not None:
            base = series[f"{base_label} {mode}"]
            ratio = f"{found.p50() / base.p50():.2f}x"
        lines.append(
            f"| {label}, {mode} | {found.count} | {found.p50():.1f} | "
            f"{found.percentile(0.9):.1f} | {found.percentile(0.99):.1f} | {ratio} | "
            f"{found.statuses} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--per-repeat", type=int, default=30)
    parser.add_argument("--baseline", default="", help="source tree of the baseline's app")
    parser.add_argument("--baseline-sqlite", type=Path, help="the baseline's SQLite file")
    parser.add_argument("--baseline-pg", help="the baseline's PostgreSQL database")
    arguments = parser.parse_args()
    backends = arguments.backends.split(",")
    targets: list[Target] = []
    baseline_labels: dict[str, str] = {}
    for backend in backends:
        sqlite_path = generate.SQLITE_PATH if backend == "sqlite" else None
        pg_database = generate.PG_DATABASE if backend == "postgresql" else None
        if arguments.baseline:
            base_sqlite = arguments.baseline_sqlite if backend == "sqlite" else None
            base_pg = arguments.baseline_pg if backend == "postgresql" else None
            targets.append(
                target(
                    f"{backend}-baseline",
                    backend,
                    sqlite_path=base_sqlite,
                    pg_database=base_pg,
                    source=arguments.baseline,
                )
            )
            baseline_labels[backend] = f"{backend}-baseline"
        targets.append(
            target(backend, backend, sqlite_path=sqlite_path, pg_database=pg_database, source="")
        )
    load = os.getloadavg()
    with running(targets):
        series = measure(targets, arguments.repeats, arguments.per_repeat)
    print(report(series, baseline_labels))
    print(
        f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; after: "
        + " ".join(f"{value:.2f}" for value in os.getloadavg())
    )
    for name, found in series.items():
        print(
            f"{name}: repeat medians "
            + ", ".join(f"{statistics.median(r):.1f}" for r in found.repeats)
        )


if __name__ == "__main__":
    main()
