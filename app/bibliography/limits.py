"""Bounds on the work one upload can cause, whatever its bytes (the body size is the server's).

A body that breaks a bound as a whole (a macro that expands without end, more records than
allowed, too much LaTeX to decode) is refused at once; a record that breaks one (a field or
a record too long) is that record's error.
"""

from app.bibliography.records import UnparseableBody

# The longest value of one field once macros are expanded: the longest stored text (an
# abstract) is 50,000 characters, and an author list of 1,000 names fits too.
MAX_FIELD_CHARS = 100_000
# The longest record, all its fields together.
MAX_RECORD_CHARS = 200_000
# Characters that macro expansion may add over the whole body, beyond the body itself: enough
# for journal names as @string macros in every record, not for a chain of doubling macros.
EXPANSION_FACTOR, EXPANSION_ALLOWANCE = 4, 1_000_000
# Characters of LaTeX markup (beyond plain accents, decoded at once) the LaTeX decoder may read
# in one body: it costs about a millisecond per group, so this bounds a body to seconds.
MAX_LATEX_CHARS = 200_000


class TooMuchWork(UnparseableBody):
    """The body would cost more than an upload may (memory or time): refused as a whole."""


class Budget:
    """A count of characters an upload may still spend on one kind of work."""

    def __init__(self, limit: int, what: str) -> None:
        self.remaining = limit
        self.limit = limit
        self.what = what

    def spend(self, chars: int) -> None:
        """Take ``chars`` from the budget; raise TooMuchWork when it runs out."""
        self.remaining -= chars
        if self.remaining < 0:
            raise TooMuchWork(f"{self.what} exceeds {self.limit} characters: split the file")
