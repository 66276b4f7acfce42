"""Hostile input and write fairness, measured against ``citedb serve`` on a fresh SQLite file.

1. **Macro bomb**: a BibTeX body of about 560 bytes of chained ``@string`` macros (each level
   repeats the previous one six times: 6^15 copies of 8 bytes if expanded) sent to
   ``POST /v1/studies/import``.
   Figures: status, seconds to the answer, the server's RSS growth (peak during the request
   minus before). Baseline beside it: a valid BibTeX body of the same size.
2. **Writes during an import**: 20 curators each create topics in a loop (one request at a
   time) while 10,000 records import over HTTP. Figures: the curators' write latency (p50, p99,
   max), their non-2xx answers and the import's duration. Baseline beside it: the same
   curators for the same number of seconds with no import running.

    python -m bench.hostile [--records 10000] [--curators 20] [--baseline-seconds 5]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import insert_key
from tests.databases import TestDatabase, fresh_database
from tests.server import free_port, wait_until_healthy

GENEROUS = "1000000/minute"
MACRO_LEVELS = 16
MACRO_FANOUT = 6


def macro_bomb() -> str:
    """Return chained ``@string`` macros, each level six copies of the one before (6^15)."""
    lines = ['@string{m0="aaaaaaaa"}']
    lines += [
        f"@string{{m{n}={'#'.join([f'm{n - 1}'] * MACRO_FANOUT)}}}" for n in range(1, MACRO_LEVELS)
    ]
    lines.append(f"@article{{bomb,title=m{MACRO_LEVELS - 1},year=2020}}")
    return "\n".join(lines) + "\n"


def plain_bibtex(size: int) -> str:
    """Return valid BibTeX records adding up to about ``size`` bytes."""
    entries: list[str] = []
    n = 0
    while sum(map(len, entries)) < size:
        entries.append(f"@article{{r{n}, title = {{A plain record number {n}}}, year = 2020}}\n")
        n += 1
    return "".join(entries)


def ris_records(count: int) -> str:
    """Return ``count`` RIS records with distinct titles."""
    return "".join(
        f"TY  - JOUR\nTI  - Imported record {n} on sprint training\nAU  - Author{n % 97}, Ana\n"
        f"PY  - {1990 + n % 30}\nDO  - 10.5555/citedb.hostile.{n}\nER  - \n"
        for n in range(count)
    )


def rss_kib(pid: int) -> int:
    """Return the resident set size of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@dataclass
class Server:
    """``citedb serve`` in a subprocess."""

    process: subprocess.Popen[bytes]
    base_url: str


@contextmanager
def citedb_serve(database: TestDatabase, log: Path) -> Iterator[Server]:
    """Serve the database with ``citedb serve`` (one process) until the block ends."""
    port = free_port()
    environment = os.environ | {
        "CITEDB_DATABASE_URL": database.url,
        "CITEDB_PORT": str(port),
        "CITEDB_LOG_LEVEL": "warning",
        "CITEDB_RATE_LIMIT_WRITES_PER_KEY": GENEROUS,
        "CITEDB_RATE_LIMIT_WRITES_PER_ADDRESS": GENEROUS,
        "CITEDB_RATE_LIMIT_EXPENSIVE_PER_KEY": GENEROUS,
        "CITEDB_RATE_LIMIT_EXPENSIVE_PER_ADDRESS": GENEROUS,
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve"],
            env=environment,
            stdout=output,
            stderr=output,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(
            base_url,
            running=lambda: process.poll() is None,
            what=f"citedb serve ({log})",
            seconds=60,
        )
        yield Server(process, base_url)
    finally:
        process.terminate()
        process.wait(timeout=30)


def post_import(server: Server, key: str, body: str, media_type: str) -> httpx.Response:
    """Send a bibliographic import."""
    return httpx.post(
        f"{server.base_url}/v1/studies/import",
        content=body.encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": media_type},
        timeout=600,
    )


def timed_import(server: Server, key: str, body: str) -> tuple[int, float, float]:
    """Return the status, seconds and RSS growth (MB, peak minus before) of one import."""
    pid = server.process.pid
    before = peak = rss_kib(pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    response = post_import(server, key, body, "application/x-bibtex")
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    peak = max(peak, rss_kib(pid))
    return response.status_code, seconds, (peak - before) / 1024


@dataclass
class Curators:
    """Curators creating topics in a loop, one request at a time each, until stopped."""

    server: Server
    keys: list[str]
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    stop: threading.Event = field(default_factory=threading.Event)

    def _run(self, n: int, key: str, run: str) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=self.server.base_url, headers=headers, timeout=120) as http:
            i = 0
            while not self.stop.is_set():
                i += 1
                started = time.perf_counter()
                try:
                    response = http.post("/v1/topics", json={"name": f"{run} {n} {i}"})
                    status = response.status_code
                except httpx.TransportError:
                    status = 0
                self.latencies.append(time.perf_counter() - started)
                self.statuses[status] += 1

    @contextmanager
    def writing(self, run: str) -> Iterator[None]:
        """Keep every curator writing inside the block."""
        threads = [
            threading.Thread(target=self._run, args=(n, key, run))
            for n, key in enumerate(self.keys)
        ]
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            self.stop.set()
            for thread in threads:
                thread.join()

    def summary(self) -> str:
        """Return the latency figures as one table row's cells."""
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        failed = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return (
            f"{len(ordered)} | {statistics.median(ordered) * 1000:.0f} ms | {p99 * 1000:.0f} ms | "
            f"{ordered[-1] * 1000:.0f} ms | {failed}"
        )


def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--curators", type=int, default=20)
    parser.add_argument("--baseline-seconds", type=float, default=5)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="citedb-hostile-") as tmp,
        fresh_database("sqlite", Path(tmp)) as database,
    ):
        database.migrate()
        importer = insert_key(database, name="importer", role="editor")
        keys = [
            insert_key(database, name=f"curator {n}", role="editor") for n in range(args.curators)
        ]
        with citedb_serve(database, Path(tmp) / "server.log") as server:
            bomb = macro_bomb()
            plain = plain_bibtex(len(bomb))
            print(f"macro bomb: {len(bomb)} bytes; plain body: {len(plain)} bytes")
            print("| body | status | seconds | RSS growth |")
            print("| --- | --- | --- | --- |")
            for name, body in (("plain BibTeX (baseline)", plain), ("macro bomb", bomb)):
                status, seconds, grown = timed_import(server, importer, body)
                print(f"| {name} | {status} | {seconds:.3f} | {grown:.1f} MB |")

            print(f"\n{args.curators} curators writing; {args.records} records importing")
            print("| run | writes | p50 | p99 | max | not 2xx | import |")
            print("| --- | --- | --- | --- | --- | --- | --- |")
            idle = Curators(server, keys)
            with idle.writing("idle"):
                time.sleep(args.baseline_seconds)
            print(f"| no import (baseline) | {idle.summary()} | - |")
            body = ris_records(args.records)
            busy = Curators(server, keys)
            with busy.writing("busy"):
                started = time.perf_counter()
                response = post_import(
                    server, importer, body, "application/x-research-info-systems"
                )
                seconds = time.perf_counter() - started
            report = response.json()
            outcome = f"{response.status_code}, {report.get('created')} created, {seconds:.1f} s"
            print(f"| during the import | {busy.summary()} | {outcome} |")


if __name__ == "__main__":
    main()
