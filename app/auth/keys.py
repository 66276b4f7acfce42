"""Key material: secrets are generated here and only their hashes leave this module."""

import hashlib
import secrets
from dataclasses import dataclass

KEY_PREFIX = "cdb_"


@dataclass(frozen=True, slots=True)
class NewSecret:
    """A freshly generated key: the secret to show once, and what is stored of it."""

    secret: str
    prefix: str
    secret_hash: str


def hash_secret(secret: str) -> str:
    """Return the stored hash of a key's secret (SHA-256: the secret has 256 random bits)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_secret() -> NewSecret:
    """Generate a new random key."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    return NewSecret(secret=secret, prefix=secret[:10], secret_hash=hash_secret(secret))
