"""Who makes a write: the type every service that records a write takes."""

from dataclasses import dataclass

from app.vocabularies import Role


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is making a write: the key's id, name and role."""

    key_id: int | None
    name: str
    role: Role
