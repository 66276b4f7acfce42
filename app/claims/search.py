"""Ranked full-text search over claims: FTS5 on SQLite, tsvector on PostgreSQL, side by side.

The index is kept in step with every write by triggers in the database (see the initial
migration); this module only turns a question into a query and ranks the matches.
"""

import re
from typing import Any

from sqlalchemy import Float, Select, cast, column, func, literal_column, select, table, text
from sqlalchemy.sql.elements import ColumnElement

# Words that carry no meaning for matching a claim ("does sitting turn my glutes off?").
STOP_WORDS = frozenset(
    {
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "really",
        "actually",
        "true",
        "truth",
    }
)
MAX_TERMS = 24
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

claims_fts = table("claims_fts", column("rowid"), column("claim_id"), column("document"))


def search_terms(question: str) -> list[str]:
    """Return the meaningful words of a question, lower-case, first occurrence first."""
    words = [word.lower() for word in _WORD.findall(question)]
    meaningful = [word for word in words if word not in STOP_WORDS and len(word) > 1]
    return list(dict.fromkeys(meaningful))[:MAX_TERMS]


def ranked_matches(dialect: str, terms: list[str]) -> Select[Any]:
    """Return ``SELECT claim_id, relevance`` over the claims matching any term; higher is better."""
    if dialect == "sqlite":
        # Each term quoted, so FTS5 syntax in user input is taken as text; OR between terms.
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        # bm25() is lower for better matches; statement counts 10x, aliases 5x, summary 1x.
        relevance: ColumnElement[float] = -func.bm25(literal_column("claims_fts"), 10.0, 5.0, 1.0)
        return (
            select(claims_fts.c.rowid.label("claim_id"), cast(relevance, Float).label("relevance"))
            .select_from(claims_fts)
            .where(text("claims_fts MATCH :match").bindparams(match=match))
        )
    query = func.to_tsquery(literal_column("'english'::regconfig"), " | ".join(terms))
    return select(
        claims_fts.c.claim_id.label("claim_id"),
        cast(func.ts_rank(claims_fts.c.document, query), Float).label("relevance"),
    ).where(claims_fts.c.document.op("@@")(query))
