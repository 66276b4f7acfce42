"""Readiness checks."""

from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import PROJECT_ROOT


def alembic_config(database_url: str | None = None) -> Config:
    """Return the Alembic configuration of this project."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@lru_cache
def head_revision() -> str | None:
    """Return the newest migration's revision."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def schema_revision(session: AsyncSession) -> str | None:
    """Return the revision the database is at, or None if it was never migrated.

    An unreachable database raises (it is not an unmigrated one): the first statement needs
    no table, so only its failure says the database cannot be reached.
    """
    await session.execute(text("SELECT 1"))
    try:
        result = await session.execute(text("SELECT version_num FROM alembic_version"))
    except (ProgrammingError, OperationalError):  # no such table
        return None
    return result.scalar_one_or_none()
