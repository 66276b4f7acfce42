"""Third-party readers of our BibTeX: what LaTeX users' tools make of a reference list."""

from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts
from pybtex.database import parse_string as pybtex_parse
from pybtex.style.formatting.unsrt import Style


def read_with_bibtexparser(text: str, *, decode_latex: bool = True) -> Library:
    """Parse as biber-minded tools do (names split, LaTeX decoded); fail on any bad block.

    Without decoding, braced names ({World Health Organization}) stay whole: the decoder
    drops the braces before names are split.
    """
    decoding = [LatexDecodingMiddleware()] if decode_latex else []
    library = parse_string(
        text, append_middleware=[*decoding, SeparateCoAuthors(), SplitNameParts()]
    )
    assert library.failed_blocks == []  # a repeated key is a DuplicateBlockKeyBlock
    return library


def format_with_unsrt(text: str) -> list[str]:
    """Parse with pybtex (strict: a repeated key raises) and format with the `unsrt` style."""
    data = pybtex_parse(text, "bibtex")
    return [entry.text.render_as("text") for entry in Style().format_bibliography(data)]
