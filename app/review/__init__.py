"""Review: which claims need a curator's look again, and why."""
