"""The app's citation renderer, as a dependency."""

from typing import Annotated

from fastapi import Depends, Request

from app.references.renderer import CitationRenderer


def citation_renderer(request: Request) -> CitationRenderer:
    """Return the renderer of the app serving the request (its kept entries, its worker)."""
    renderer: CitationRenderer = request.app.state.citations
    return renderer


CitationsDep = Annotated[CitationRenderer, Depends(citation_renderer)]
