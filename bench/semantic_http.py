"""Workload (s): search by meaning and claim creates with their vectors, over HTTP.

Against `citedb serve` on each database with every claim's vectors loaded (bench/vectors.py),
and nothing kept between requests (``CITEDB_CACHE_BYTES=0``), so that every search is ranked
afresh and embeds its question:

- one at a time, each question asked once per process: the questions written for the
  relevance benchmark (bench/relevance/), then HealthFC and PubMedQA questions as asked; the
  baseline is the same questions to a process ranking by words alone
  (``CITEDB_SEMANTIC_SEARCH=false``), and the question's embedding alone is timed in this
  process (one BLAS thread, as the server runs it);
- claim creates one at a time (a statement and two aliases, so three texts to embed), with
  ``allow_similar=true`` and without it (the near-duplicate check then runs first);
- the resident memory of each API process after its index is loaded, and the time of the
  first search, which loads it.

The rows at 32 connections (wrk, against Datasette's canned FTS5 query) are built by run.py.
"""

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import yaml

from bench import generate
from bench.harness import Server

RELEVANCE_DIR = Path(__file__).resolve().parent / "relevance"
SEARCH_P50_GOAL_MS = 30.0
CREATE_GOAL_MS = 50.0
FTS_RATIO_GOAL = 5.0
WORKLOAD_ONE = "(s) search afresh, one at a time"
WORKLOAD_MANY = "(s) search afresh, 32 connections"
# Questions each wrk row cycles through (each is first asked once, 8 at a time, before the
# warm-up: at a few searches a second a longer list takes minutes to prime).
MANY_QUESTIONS = 200


def questions() -> list[str]:
    """Return distinct questions: the relevance benchmark's, then HealthFC/PubMedQA's as asked."""
    found: list[str] = []
    for name in ("healthfc_questions.yaml", "seed_questions.yaml"):
        found += [entry["q"] for entry in yaml.safe_load((RELEVANCE_DIR / name).read_text())]
    found += [seed.text for seed in generate.read_seeds().claims if seed.question]
    return list(dict.fromkeys(found))


def create_body(question: str, number: int) -> dict[str, object]:
    """Return a claim to create from a question: a statement and two aliases (three texts).

    Each has a number of its own: the near-duplicate rule never calls two claims with
    different numbers the same, so every create is added (201).
    """
    question = question.rstrip("?. ")
    return {
        "statement": f"{question}, in a trial of {number} adults",
        "aliases": [f"trial {number}", f"{question.split()[-1]} {number}"],
    }


@dataclass
class Series:
    """One kind of request made one at a time, in repeats; milliseconds per repeat."""

    label: str
    repeats: list[list[float]] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def percentile(self, fraction: float) -> float:
        """Return the median over the repeats of each repeat's percentile."""
        values = []
        for samples in self.repeats:
            ordered = sorted(samples)
            values.append(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))])
        return float(statistics.median(values)) if values else float("nan")

    def p50(self) -> float:
        """Return the median over the repeats of each repeat's median."""
        if not self.repeats:
            return float("nan")
        return float(statistics.median(statistics.median(r) for r in self.repeats))

    @property
    def count(self) -> int:
        """Return the requests made."""
        return sum(len(samples) for samples in self.repeats)


@dataclass
class Report:
    """What the one-at-a-time part measured, per backend."""

    searches: dict[str, Series] = field(default_factory=dict)
    embeds: Series = field(default_factory=lambda: Series("embed the question in-process"))
    creates: dict[str, Series] = field(default_factory=dict)
    rss_mib: dict[str, tuple[float, float]] = field(default_factory=dict)  # before, loaded
    first_search_s: dict[str, float] = field(default_factory=dict)


def _timed_get(client: httpx.Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path)
    return (time.perf_counter() - started) * 1000, response.status_code


def load_index(server: Server, report: Report) -> None:
    """Ask one question to load the process's index; record the time and the memory."""
    before = server.rss_kib() / 1024
    with httpx.Client(base_url=server.base_url, timeout=600) as client:
        elapsed, status = _timed_get(client, "/v1/claims?q=" + quote("warm up the index"))
    if status != 200:
        raise RuntimeError(f"{server.name}: the first search answered {status}")
    report.first_search_s[server.name] = elapsed / 1000
    report.rss_mib[server.name] = (before, server.rss_kib() / 1024)


def one_at_a_time(
    servers: dict[str, Server],
    backends: Sequence[str],
    editor_key: Callable[[str], str],
    *,
    repeats: int,
    per_repeat: int = 60,
    creates_per_repeat: int = 30,
) -> Report:
    """Search and create one request at a time on each backend; return the series."""
    from app.semantic.embedder import get_embedder

    report = Report()
    asked = questions()
    if len(asked) < per_repeat * repeats:
        raise RuntimeError(f"{len(asked)} questions, {per_repeat * repeats} wanted")
    model = get_embedder()
    model.embed(["warm up"])
    for repeat in range(repeats):
        chunk = asked[repeat * per_repeat : (repeat + 1) * per_repeat]
        samples = []
        for question in chunk:
            started = time.perf_counter()
            model.embed([question])
            samples.append((time.perf_counter() - started) * 1000)
        report.embeds.repeats.append(samples)
    for backend in backends:
        for suffix, label in (("-uncached", "by meaning and words"), ("-words", "words only")):
            server = servers[f"citedb-{backend}{suffix}"]
            load_index(server, report)
            series = report.searches[f"{backend} {label}"] = Series(f"{backend} {label}")
            with httpx.Client(base_url=server.base_url, timeout=120) as client:
                for repeat in range(repeats):
                    chunk = asked[repeat * per_repeat : (repeat + 1) * per_repeat]
                    samples = []
                    for question in chunk:
                        elapsed, status = _timed_get(client, "/v1/claims?q=" + quote(question))
                        series.statuses[status] = series.statuses.get(status, 0) + 1
                        samples.append(elapsed)
                    series.repeats.append(samples)
            print(
                f"  {WORKLOAD_ONE}: {series.label}: p50 {series.p50():.1f} ms, "
                f"p90 {series.percentile(0.9):.1f} ms",
                flush=True,
            )
        create(
            servers[f"citedb-{backend}-uncached"],
            backend,
            editor_key,
            report,
            repeats,
            creates_per_repeat,
        )
    return report


def create(
    server: Server,
    backend: str,
    editor_key: Callable[[str], str],
    report: Report,
    repeats: int,
    per_repeat: int,
) -> None:
    """Create claims one at a time, with ``allow_similar=true`` and without, alternately."""
    key = editor_key(backend)
    asked = questions()
    modes = {"allow_similar=true": "?allow_similar=true", "checked for near-duplicates": ""}
    for mode in modes:
        report.creates[f"{backend} {mode}"] = Series(f"{backend} {mode}")
    number = int(time.time()) % 100_000 * 10
    with httpx.Client(
        base_url=server.base_url, timeout=120, headers={"Authorization": f"Bearer {key}"}
    ) as client:
        for repeat in range(repeats):
            for mode, query in modes.items():
                samples = []
                series = report.creates[f"{backend} {mode}"]
                for index in range(per_repeat):
                    number += 1
                    body = create_body(asked[(repeat * per_repeat + index) % len(asked)], number)
                    started = time.perf_counter()
                    response = client.post(f"/v1/claims{query}", json=body)
                    samples.append((time.perf_counter() - started) * 1000)
                    status = response.status_code
                    series.statuses[status] = series.statuses.get(status, 0) + 1
                series.repeats.append(samples)
    for mode in modes:
        series = report.creates[f"{backend} {mode}"]
        print(
            f"  (s) create: {series.label}: p50 {series.p50():.1f} ms, "
            f"p99 {series.percentile(0.99):.1f} ms, statuses {series.statuses}",
            flush=True,
        )


def format_report(report: Report) -> str:
    """Return the one-at-a-time table (medians over the repeats) and the memory lines."""
    lines = [
        "| request, one at a time | requests | p50 ms | p90 ms | p99 ms | x words only p50 |"
        " statuses |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, series in report.searches.items():
        backend = name.split()[0]
        words = report.searches.get(f"{backend} words only")
        ratio = f"{series.p50() / words.p50():.2f}x" if words and words.count else ""
        lines.append(
            f"| search `q=`, {name} | {series.count} | {series.p50():.1f} | "
            f"{series.percentile(0.9):.1f} | {series.percentile(0.99):.1f} | {ratio} | "
            f"{series.statuses} |"
        )
    embeds = report.embeds
    lines.append(
        f"| {embeds.label} (no HTTP) | {embeds.count} | {embeds.p50():.1f} | "
        f"{embeds.percentile(0.9):.1f} | {embeds.percentile(0.99):.1f} | | |"
    )
    for name, series in report.creates.items():
        lines.append(
            f"| `POST /v1/claims`, {name} | {series.count} | {series.p50():.1f} | "
            f"{series.percentile(0.9):.1f} | {series.percentile(0.99):.1f} | | "
            f"{series.statuses} |"
        )
    memory = [
        f"{name}: RSS {before:.0f} MiB before the first search, {loaded:.0f} MiB with the index "
        f"loaded (first search {report.first_search_s[name]:.1f} s)"
        for name, (before, loaded) in report.rss_mib.items()
    ]
    return "\n".join([*lines, "", *memory])


def goals(
    report: Report, backends: Sequence[str], many: dict[str, tuple[float, float]]
) -> list[str]:
    """Return issue 15's speed goals as MET or MISSED; ``many`` is backend -> (p50, x FTS5)."""

    def verdict(met: bool) -> str:
        return "MET" if met else "MISSED"

    lines = []
    for backend in backends:
        search = report.searches.get(f"{backend} by meaning and words")
        if search and search.count:
            p50 = search.p50()
            lines.append(
                f"(s) {backend}: search ranked afresh one at a time p50 {p50:.1f} ms, embedding "
                f"included (goal <= {SEARCH_P50_GOAL_MS:.0f})  {verdict(p50 <= SEARCH_P50_GOAL_MS)}"
            )
        for mode in ("allow_similar=true", "checked for near-duplicates"):
            series = report.creates.get(f"{backend} {mode}")
            if series and series.count:
                p50 = series.p50()
                lines.append(
                    f"(s) {backend}: create with its vectors ({mode}) p50 {p50:.1f} ms, p99 "
                    f"{series.percentile(0.99):.1f} ms (goal <= {CREATE_GOAL_MS:.0f} at p50)  "
                    f"{verdict(p50 <= CREATE_GOAL_MS)}"
                )
        if backend in many:
            p50, ratio = many[backend]
            met = ratio >= FTS_RATIO_GOAL and p50 <= SEARCH_P50_GOAL_MS
            lines.append(
                f"(s) {backend}: search afresh at 32 connections {ratio:.2f}x Datasette's FTS5 "
                f"req/s (goal >= {FTS_RATIO_GOAL:.0f}x), p50 {p50:.1f} ms (goal <= "
                f"{SEARCH_P50_GOAL_MS:.0f})  {verdict(met)}"
            )
    return lines
