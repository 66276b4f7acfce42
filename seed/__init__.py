"""The seed content and its loader."""
