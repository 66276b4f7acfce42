"""APA and Vancouver entries kept once rendered, and rendered in a worker process.

citeproc-py takes 5-10 ms of pure Python a study; run in a thread of the serving process it
still holds the GIL, so a long list stalled every other request for its whole render. A
``CitationRenderer`` keeps each rendered entry under a digest of what it is rendered from
(``formatting.entry_key``), so a list renders only the studies it has not seen in that form,
and renders those in one worker process started on first use, whose GIL is its own.
"""

import multiprocessing
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import anyio

from app.references import formatting
from app.references.formatting import CitableStudy, CitationFormat, RenderedEntry


class CitationRenderer:
    """Render reference lists and citations, keeping entries and rendering new ones off-process."""

    def __init__(self, *, kept_entries: int, worker: bool) -> None:
        self._kept_entries = kept_entries
        self._use_worker = worker
        self._kept: OrderedDict[bytes, RenderedEntry] = OrderedDict()
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    async def reference_list(self, studies: Sequence[CitableStudy], fmt: CitationFormat) -> str:
        """Render the studies as a reference list, as ``formatting.render`` does."""
        return await anyio.to_thread.run_sync(self._render_list, studies, fmt)

    async def citations(self, studies: Sequence[CitableStudy], fmt: CitationFormat) -> list[str]:
        """Render each study's citation, as ``formatting.render_one`` does, in the order given."""
        return await anyio.to_thread.run_sync(self._render_each, studies, fmt)

    @property
    def kept(self) -> int:
        """Return how many entries are kept."""
        with self._lock:
            return len(self._kept)

    def close(self) -> None:
        """Stop the worker process, if one was started (the next render starts another)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    def _render_list(self, studies: Sequence[CitableStudy], fmt: CitationFormat) -> str:
        if fmt not in formatting.TEXT_FORMATS:
            return formatting.render(studies, fmt)
        return formatting.join_entries(self._entries(formatting.distinct(studies), fmt), fmt)

    def _render_each(self, studies: Sequence[CitableStudy], fmt: CitationFormat) -> list[str]:
        if fmt not in formatting.TEXT_FORMATS:
            return [formatting.render_one(study, fmt) for study in studies]
        return [entry.text for entry in self._entries(studies, fmt)]

    def _entries(self, studies: Sequence[CitableStudy], fmt: CitationFormat) -> list[RenderedEntry]:
        """Return each study's entry, rendering those not kept in one batch."""
        keys = [formatting.entry_key(study, fmt) for study in studies]
        found: dict[bytes, RenderedEntry] = {}
        with self._lock:
            for key in keys:
                entry = self._kept.get(key)
                if entry is not None:
                    self._kept.move_to_end(key)
                    found[key] = entry
        missing = {key: study for key, study in zip(keys, studies, strict=True) if key not in found}
        if missing:
            rendered = self._render_fresh(list(missing.values()), fmt)
            found.update(zip(missing, rendered, strict=True))
            self._keep(found, list(missing))
        return [found[key] for key in keys]

    def _keep(self, found: dict[bytes, RenderedEntry], keys: Sequence[bytes]) -> None:
        if self._kept_entries == 0:
            return
        with self._lock:
            for key in keys:
                self._kept[key] = found[key]
                self._kept.move_to_end(key)
            while len(self._kept) > self._kept_entries:
                self._kept.popitem(last=False)

    def _render_fresh(
        self, studies: list[CitableStudy], fmt: CitationFormat
    ) -> list[RenderedEntry]:
        if not self._use_worker:
            return formatting.render_entries(studies, fmt)
        pool = self._worker()
        try:
            return pool.submit(formatting.render_entries, studies, fmt).result()
        except BrokenProcessPool:
            # The worker died (killed, out of memory): start a new one on the next render, and
            # render this one here rather than fail the request.
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            return formatting.render_entries(studies, fmt)

    def _worker(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # Spawned, not forked: the serving process has threads (the database driver's,
                # anyio's) that a fork would copy mid-operation.
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
                # Parse the styles while the first request is still reading its studies.
                self._pool.submit(formatting.load_styles)
            return self._pool
