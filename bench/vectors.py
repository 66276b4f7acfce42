"""Claim vectors of the generated data, embedded once and kept (``python -m bench.vectors``).

Every claim text (the statement and each alias, the texts `citedb reindex` embeds) gets its
vector from a cache file in ``bench/data/`` named by the model and the SHA-256 of its weights,
and keyed inside by the SHA-256 of the text (the ``text_hash`` the app stores). The texts the
cache lacks are embedded by `citedb reindex` itself on the SQLite database, with its progress
bar, and its rate is recorded; the cache is then filled from the vectors it wrote, and
PostgreSQL gets the same vectors from the cache. The first build of 100,000 claims embeds
113,364 distinct texts of 299,920 (the grown variants share aliases); later builds, on both
databases, only copy rows.
"""

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.config import Settings
from app.semantic.embedder import DEFAULT_MODEL, MINILM_FILES
from bench import generate

DIMENSIONS = 384
ROW_COLUMNS = ("claim_id", "position", "model", "text_hash", "generation", "vector")


def model_identity() -> tuple[str, str]:
    """Return the configured model's name and a hash that changes with its weights.

    The built-in model's weights are checked against their SHA-256 when loaded; a model named
    by ``package.module:factory`` is known by its name only.
    """
    name = Settings().embedding_model
    if name == DEFAULT_MODEL:
        return name, MINILM_FILES["model.safetensors"]
    return name, hashlib.sha256(name.encode()).hexdigest()


def cache_path(name: str, identity: str) -> Path:
    """Return the cache file of a model."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    return generate.DATA_DIR / f"vectors-{safe}-{identity[:16]}.npz"


class VectorCache:
    """Vectors by the SHA-256 (hex) of their text, read from and written to one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: dict[str, int] = {}
        self.vectors = np.zeros((0, DIMENSIONS), dtype=np.float32)
        if path.exists():
            with np.load(path) as stored:
                digests = stored["digests"]
                self.vectors = stored["vectors"]
            self.rows = {bytes(digest).hex(): row for row, digest in enumerate(digests)}

    def add(self, found: dict[str, bytes]) -> None:
        """Keep the vectors of texts not kept yet."""
        new = [digest for digest in found if digest not in self.rows]
        if not new:
            return
        added = np.frombuffer(b"".join(found[digest] for digest in new), dtype="<f4")
        start = len(self.vectors)
        self.vectors = np.vstack([self.vectors, added.reshape(len(new), -1)])
        self.rows.update({digest: start + offset for offset, digest in enumerate(new)})

    def save(self) -> None:
        """Write the file (whole, then renamed into place)."""
        digests = np.frombuffer(
            b"".join(bytes.fromhex(digest) for digest in self.rows), dtype=np.uint8
        ).reshape(len(self.rows), 32)
        order = np.fromiter(self.rows.values(), dtype=np.int64, count=len(self.rows))
        partial = self.path.with_suffix(".partial.npz")
        np.savez(partial, digests=digests, vectors=self.vectors[order])
        partial.replace(self.path)

    def blob(self, digest: str) -> bytes:
        """Return a kept vector as the app stores it (little-endian float32)."""
        data: bytes = self.vectors[self.rows[digest]].astype("<f4").tobytes()
        return data


def claim_texts() -> list[tuple[int, int, str]]:
    """Return (claim id, position, text hash) of every claim text, deleted claims' too."""
    connection = sqlite3.connect(f"file:{generate.SQLITE_PATH}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT id, statement, aliases_text FROM claims ORDER BY id")
        found = []
        for claim_id, statement, aliases_text in rows:
            texts = [statement] + [alias for alias in aliases_text.split("\n") if alias]
            for position, text in enumerate(texts):
                found.append((claim_id, position, hashlib.sha256(text.encode()).hexdigest()))
    finally:
        connection.close()
    return found


def embed_missing(cache: VectorCache, *, newest_first: bool = False, chunk: int = 2048) -> int:
    """Embed in this process the distinct claim texts that have no vector yet; return how many.

    Without `citedb reindex` (its rate is not measured then): chunks of texts sorted by
    length, so that batches carry little padding, the cache saved after each. Texts whose
    vectors the SQLite file holds are skipped, so that with ``newest_first`` (the last claims
    first) this fills the cache beside a `citedb reindex` running from the first claim, and
    stops where they meet.
    """
    from app.semantic.embedder import get_embedder

    name = Settings().embedding_model
    model = get_embedder(name)
    connection = sqlite3.connect(f"file:{generate.SQLITE_PATH}?mode=ro", uri=True)
    try:
        order = "DESC" if newest_first else "ASC"
        rows = connection.execute(
            f"SELECT statement, aliases_text FROM claims ORDER BY id {order}"
        ).fetchall()
    finally:
        connection.close()
    wanted: dict[str, str] = {}
    for statement, aliases_text in rows:
        for text in [statement, *(alias for alias in aliases_text.split("\n") if alias)]:
            wanted.setdefault(hashlib.sha256(text.encode()).hexdigest(), text)
    done = 0
    started = time.perf_counter()
    while True:
        stored = stored_hashes(name)
        pending = [
            (digest, text)
            for digest, text in wanted.items()
            if digest not in cache.rows and digest not in stored
        ]
        if not pending:
            return done
        part = sorted(pending[:chunk], key=lambda item: len(item[1]))
        vectors = model.embed([text for _, text in part]).astype("<f4")
        cache.add(
            {digest: vector.tobytes() for (digest, _), vector in zip(part, vectors, strict=True)}
        )
        cache.save()
        done += len(part)
        rate = done / (time.perf_counter() - started)
        print(
            f"  embedded {done:,} texts, {len(pending) - len(part):,} left, {rate:.0f} texts/s",
            flush=True,
        )


def stored_hashes(model: str) -> set[str]:
    """Return the hashes of the texts whose vectors the SQLite file holds, of ``model``."""
    connection = sqlite3.connect(f"file:{generate.SQLITE_PATH}?mode=ro", uri=True)
    try:
        return {
            digest
            for (digest,) in connection.execute(
                "SELECT DISTINCT text_hash FROM claim_embeddings WHERE model = ?", (model,)
            )
        }
    finally:
        connection.close()


def _rows(
    texts: Sequence[tuple[int, int, str]], cache: VectorCache, model: str, generation: int
) -> Iterator[tuple[Any, ...]]:
    for claim_id, position, digest in texts:
        if digest in cache.rows:
            yield claim_id, position, model, digest, generation, cache.blob(digest)


def load_sqlite(texts: Sequence[tuple[int, int, str]], cache: VectorCache, model: str) -> int:
    """Replace the SQLite file's vectors with the cached ones; return the rows written."""
    connection = sqlite3.connect(generate.SQLITE_PATH, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("DELETE FROM claim_embeddings")
        (generation,) = connection.execute(
            "UPDATE content_generation SET value = value + 1 WHERE id = 1 RETURNING value"
        ).fetchone()
        before = connection.total_changes
        connection.executemany(
            f"INSERT INTO claim_embeddings ({', '.join(ROW_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
            _rows(texts, cache, model, generation),
        )
        written = connection.total_changes - before
        connection.execute("COMMIT")
    finally:
        connection.close()
    return written


def load_postgresql(texts: Sequence[tuple[int, int, str]], cache: VectorCache, model: str) -> int:
    """Replace the PostgreSQL database's vectors with the cached ones (COPY); return the rows."""
    import psycopg

    written = 0
    with psycopg.connect(f"{generate.PG_SERVER}/{generate.PG_DATABASE}") as connection:
        with connection.transaction():
            connection.execute("DELETE FROM claim_embeddings")
            row = connection.execute(
                "UPDATE content_generation SET value = value + 1 WHERE id = 1 RETURNING value"
            ).fetchone()
            assert row is not None
            with connection.cursor().copy(
                f"COPY claim_embeddings ({', '.join(ROW_COLUMNS)}) FROM STDIN"
            ) as copy:
                for values in _rows(texts, cache, model, row[0]):
                    copy.write_row(values)
                    written += 1
            connection.execute(
                "SELECT setval(pg_get_serial_sequence('claim_embeddings', 'id'), "
                "coalesce((SELECT max(id) FROM claim_embeddings), 0) + 1, false)"
            )
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE claim_embeddings")
    return written


def stored_vectors(model: str) -> dict[str, bytes]:
    """Return the SQLite file's vectors by text hash, of ``model`` (one a distinct text)."""
    connection = sqlite3.connect(f"file:{generate.SQLITE_PATH}?mode=ro", uri=True)
    try:
        return {
            digest: bytes(vector)
            for digest, vector in connection.execute(
                "SELECT text_hash, vector FROM claim_embeddings WHERE model = ? GROUP BY text_hash",
                (model,),
            )
        }
    finally:
        connection.close()


def reindex_sqlite(model: str, cache: VectorCache) -> dict[str, Any]:
    """Run `citedb reindex` on the SQLite file (its progress bar on stderr), keep what it wrote.

    Return its figures: claims, texts embedded, seconds, rates and the load average around it.
    """
    citedb = Path(sys.executable).parent / "citedb"
    env = {**os.environ, "CITEDB_DATABASE_URL": generate.sqlite_url(generate.SQLITE_PATH)}
    before = os.getloadavg()
    started = time.perf_counter()
    result = subprocess.run(
        [str(citedb), "reindex"], env=env, check=True, stderr=subprocess.PIPE, text=True
    )
    seconds = time.perf_counter() - started
    after = os.getloadavg()
    sys.stderr.write(result.stderr)
    figures = re.search(r"(\d+) claims checked, (\d+) texts embedded", result.stderr)
    distinct = re.search(r"(\d+) distinct texts run through the model", result.stderr)
    if figures is None:
        raise RuntimeError(f"citedb reindex said: {result.stderr[-500:]}")
    claims, embedded = int(figures[1]), int(figures[2])
    cache.add(stored_vectors(model))
    cache.save()
    return {
        "claims": claims,
        "texts_embedded": embedded,
        "distinct_texts_run": int(distinct[1]) if distinct else embedded,
        "seconds": round(seconds, 1),
        "claims_per_s": round(claims / seconds, 1),
        "texts_per_s": round(embedded / seconds, 1),
        "load_before": [round(value, 2) for value in before],
        "load_after": [round(value, 2) for value in after],
    }


def describe(report: dict[str, Any] | None) -> str:
    """Return one line on the claim vectors of the data (for the benchmark's report)."""
    if not report:
        return "claim vectors: none"
    line = (
        f"claim vectors: {report['texts']:,} texts ({report['distinct_texts']:,} distinct) by "
        f"{report['model']}; {report['distinct_cached_before']:,} distinct texts had a vector in "
        f"{report['cache']} or the SQLite file; SQLite written in {report['sqlite_seconds']} s"
    )
    if report.get("postgresql_seconds") is not None:
        line += f", PostgreSQL in {report['postgresql_seconds']} s"
    reindex = report.get("reindex")
    if reindex:
        line += (
            f"; `citedb reindex` of {reindex['claims']:,} claims on SQLite: "
            f"{reindex['texts_embedded']:,} texts embedded ({reindex['distinct_texts_run']:,} "
            f"run through the model) in {reindex['seconds']} s, {reindex['claims_per_s']} "
            f"claims/s, {reindex['texts_per_s']} texts/s, load average "
            f"{reindex['load_before'][0]} before, {reindex['load_after'][0]} after"
        )
    return line


def ensure(backends: Sequence[str]) -> dict[str, Any]:
    """Give every generated claim its vectors in SQLite and the chosen backends; report."""
    model, identity = model_identity()
    path = cache_path(model, identity)
    cache = VectorCache(path)
    texts = claim_texts()
    distinct = {digest for _, _, digest in texts}
    # Vectors the file already has (an earlier or interrupted reindex) are kept first.
    known = len(cache.rows)
    cache.add(
        {digest: blob for digest, blob in stored_vectors(model).items() if digest in distinct}
    )
    if len(cache.rows) > known:
        cache.save()
    cached = len(distinct & cache.rows.keys())
    report: dict[str, Any] = {
        "model": model,
        "cache": path.name,
        "texts": len(texts),
        "distinct_texts": len(distinct),
        "distinct_cached_before": cached,
        "reindex": None,
    }
    started = time.perf_counter()
    written = load_sqlite(texts, cache, model)
    report["sqlite_seconds"] = round(time.perf_counter() - started, 1)
    if written < len(texts):
        print(
            f"embedding {len(distinct) - cached} texts the cache lacks with `citedb reindex` "
            f"(SQLite; 100,000 claims take 25-40 minutes of one core) ...",
            flush=True,
        )
        report["reindex"] = reindex_sqlite(model, cache)
    missing = distinct - cache.rows.keys()
    if missing:
        raise RuntimeError(f"{len(missing)} claim texts have no vector after reindex")
    if "postgresql" in backends:
        started = time.perf_counter()
        if load_postgresql(texts, cache, model) != len(texts):
            raise RuntimeError("PostgreSQL did not get a vector for every claim text")
        report["postgresql_seconds"] = round(time.perf_counter() - started, 1)
    return report


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--embed-only",
        action="store_true",
        help="only fill the cache, embedding in this process (no reindex, no database written)",
    )
    parser.add_argument("--newest-first", action="store_true", help="with --embed-only")
    arguments = parser.parse_args()
    if arguments.embed_only:
        name, identity = model_identity()
        cache = VectorCache(cache_path(name, identity))
        print(f"{embed_missing(cache, newest_first=arguments.newest_first)} texts embedded")
        sys.exit(0)
    chosen = ["sqlite"] if arguments.only == "sqlite" else ["sqlite", "postgresql"]
    print(json.dumps(ensure(chosen), indent=2))
