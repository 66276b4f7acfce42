"""Kept entries and the worker process give the lists formatting.render gives."""

import asyncio
from dataclasses import replace

import pytest

from app.references.formatting import CitationFormat, render, render_one
from app.references.renderer import CitationRenderer
from tests.references.test_formatting import VARIED

TEXT_FORMATS = [CitationFormat.apa, CitationFormat.vancouver]


class TestKeptEntries:
    @pytest.mark.parametrize("fmt", TEXT_FORMATS)
    def test_lists_are_the_same_with_entries_kept(self, fmt: CitationFormat) -> None:
        renderer = CitationRenderer(kept_entries=100, worker=False)
        first = asyncio.run(renderer.reference_list(VARIED, fmt))
        assert renderer.kept == len(VARIED)
        reordered = VARIED[::-1]
        assert asyncio.run(renderer.reference_list(reordered, fmt)) == render(reordered, fmt)
        assert first == render(VARIED, fmt)

    def test_an_edited_study_is_rendered_afresh(self) -> None:
        renderer = CitationRenderer(kept_entries=100, worker=False)
        asyncio.run(renderer.reference_list(VARIED, CitationFormat.apa))
        edited = [replace(VARIED[0], title="Edited title"), *VARIED[1:]]
        text = asyncio.run(renderer.reference_list(edited, CitationFormat.apa))
        assert text == render(edited, CitationFormat.apa)
        assert "Edited title" in text
        assert renderer.kept == len(VARIED) + 1

    def test_the_least_recently_used_go_first(self) -> None:
        renderer = CitationRenderer(kept_entries=3, worker=False)
        text = asyncio.run(renderer.reference_list(VARIED, CitationFormat.apa))
        assert text == render(VARIED, CitationFormat.apa)
        assert renderer.kept == 3

    def test_nothing_kept_with_zero(self) -> None:
        renderer = CitationRenderer(kept_entries=0, worker=False)
        asyncio.run(renderer.reference_list(VARIED, CitationFormat.apa))
        assert renderer.kept == 0

    def test_citations_are_each_studys_own(self) -> None:
        renderer = CitationRenderer(kept_entries=100, worker=False)
        cited = asyncio.run(renderer.citations(VARIED, CitationFormat.apa))
        assert cited == [render_one(study, CitationFormat.apa) for study in VARIED]


class TestWorkerProcess:
    def test_renders_as_this_process_and_starts_again_after_close(self) -> None:
        renderer = CitationRenderer(kept_entries=0, worker=True)
        try:
            for fmt in TEXT_FORMATS:
                assert asyncio.run(renderer.reference_list(VARIED, fmt)) == render(VARIED, fmt)
            renderer.close()
            text = asyncio.run(renderer.reference_list(VARIED[:2], CitationFormat.apa))
            assert text == render(VARIED[:2], CitationFormat.apa)
        finally:
            renderer.close()

    def test_other_formats_need_no_worker(self) -> None:
        renderer = CitationRenderer(kept_entries=100, worker=True)
        text = asyncio.run(renderer.reference_list(VARIED, CitationFormat.ris))
        assert text == render(VARIED, CitationFormat.ris)
        assert renderer.kept == 0
        renderer.close()
