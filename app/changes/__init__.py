"""The change feed: every change to published content, in commit order."""
