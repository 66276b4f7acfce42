"""The audit log of every write."""
