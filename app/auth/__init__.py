"""API keys: creation, hashing, roles and the bearer dependency."""
