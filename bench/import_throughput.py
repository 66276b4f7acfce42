"""Import throughput: records per second of ``citedb import`` for 10,000 BibTeX records.

Baseline, measured in the same run: parsing alone (``app.bibliography.parse`` in this process).
Measured: the whole ``citedb import FILE`` as a subprocess (start-up, parsing, matching, writing
in batches of 500 with their audit rows) into a freshly migrated SQLite database, and into a
fresh PostgreSQL database when one answers. Each figure is the median of ``--runs`` runs.

    python -m bench.import_throughput [--records 10000] [--runs 3] [--no-postgres]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from app.bibliography import ImportFormat, parse

PG_SERVER = os.environ.get("CITEDB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
CITEDB = [sys.executable, "-m", "app.cli"]
_TOPICS = ("resistance training", "static stretching", "creatine", "foam rolling", "sleep")
_OUTCOMES = ("hamstring strain", "low back pain", "VO2max", "sprint time", "muscle soreness")
_E_ACUTE = "{\\'e}"  # BibTeX writes é as {\'e}
_GIVEN = ("Ana", "Ben", "Chloé", "Dev", "Eun-ji", "Femi", "Gus", "Hana")


def synthetic_authors(index: int) -> list[tuple[str, str]]:
    """Return the (family, given) authors of synthetic record ``index``: 1 to 4 of them."""
    return [
        (f"Author{(index + n * 7919) % 997}", _GIVEN[(index + n) % len(_GIVEN)])
        for n in range(1 + index % 4)
    ]


def synthetic_title(index: int) -> str:
    """Return the (unique) title of synthetic record ``index``."""
    topic, outcome = _TOPICS[index % len(_TOPICS)], _OUTCOMES[index // 5 % len(_OUTCOMES)]
    return f"Synthetic trial {index}: effect of {topic} on {outcome}"


def synthetic_doi(index: int) -> str | None:
    """Return the DOI of synthetic record ``index``: every other record has one."""
    return f"10.5555/citedb.synthetic.{index}" if index % 2 == 0 else None


def synthetic_bibtex(count: int, *, full: bool = True) -> str:
    """Return ``count`` deterministic BibTeX records, as a reference manager exports them.

    ``full=False`` leaves out journal, volume, number and pages: BibTeX parsing costs about
    as much per field as the whole write does per record, and a test of what a crash leaves
    behind needs only the title, authors, year and DOI.
    """
    entries = []
    for index in range(count):
        authors = " and ".join(
            f"{family}, {given.replace('é', _E_ACUTE)}"
            for family, given in synthetic_authors(index)
        )
        doi = synthetic_doi(index)
        publication = (
            "  journal = {Journal of Synthetic Evidence},\n"
            f"  volume = {{{1 + index % 40}}},\n"
            f"  number = {{{1 + index % 12}}},\n"
            f"  pages = {{{100 + index % 900}--{110 + index % 900}}},\n"
        )
        entries.append(
            f"@article{{synthetic{index:05d},\n"
            f"  title = {{{synthetic_title(index)}}},\n"
            f"  author = {{{authors}}},\n"
            f"  year = {{{2000 + index % 25}}},\n"
            + (publication if full else "")
            + (f"  doi = {{{doi}}},\n" if doi else "")
            + "}\n"
        )
    return "\n".join(entries)


def _median_seconds(runs: int, work: Callable[[], object]) -> float:
    """Return the median wall time of ``runs`` calls of ``work``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _citedb(url: str, *args: str) -> None:
    """Run one ``citedb`` command against ``url``; stop the bench if it fails."""
    env = {**os.environ, "CITEDB_DATABASE_URL": url}
    subprocess.run([*CITEDB, *args], env=env, check=True, capture_output=True)


@contextmanager
def _sqlite(directory: Path) -> Iterator[str]:
    """Yield the URL of a new, migrated SQLite database."""
    url = f"sqlite+aiosqlite:///{directory / f'import-{uuid.uuid4().hex[:8]}.sqlite3'}"
    _citedb(url, "migrate")
    yield url


@contextmanager
def _postgres() -> Iterator[str]:
    """Yield the URL of a new, migrated PostgreSQL database, and drop it afterwards."""
    import psycopg

    name = f"citedb_bench_import_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{PG_SERVER.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
        _citedb(url, "migrate")
        yield url
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    count: int = args.records
    body = synthetic_bibtex(count)
    print(f"{count} synthetic BibTeX records ({len(body):,} bytes), median of {args.runs} runs")

    parse_seconds = _median_seconds(
        args.runs, lambda: parse(body, ImportFormat.bibtex, max_records=count)
    )
    parse_rate = count / parse_seconds
    print(f"  baseline, parse only:         {parse_rate:8.0f} records/s ({parse_seconds:.1f} s)")

    backends: list[tuple[str, Callable[[], AbstractContextManager[str]]]] = []
    with tempfile.TemporaryDirectory(prefix="citedb-import-bench-") as tmp:
        directory = Path(tmp)
        (directory / "records.bib").write_text(body, encoding="utf-8")
        backends.append(("sqlite", lambda: _sqlite(directory)))
        if not args.no_postgres and _postgres_reachable():
            backends.append(("postgresql", _postgres))
        for name, fresh in backends:
            times = []
            for _ in range(args.runs):
                with fresh() as url:
                    env = {**os.environ, "CITEDB_DATABASE_URL": url}
                    command = [*CITEDB, "import", str(directory / "records.bib")]
                    started = time.perf_counter()
                    subprocess.run(command, env=env, check=True, capture_output=True)
                    times.append(time.perf_counter() - started)
            seconds = statistics.median(times)
            rate = count / seconds
            writing = count / max(seconds - parse_seconds, 1e-9)
            print(
                f"  citedb import, {name + ':':<12} {rate:8.0f} records/s ({seconds:.1f} s); "
                f"{rate / parse_rate:.2f}x parse alone; beyond parsing ~{writing:.0f} records/s"
            )


if __name__ == "__main__":
    main()
