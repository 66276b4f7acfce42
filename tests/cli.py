"""The `citedb` command line, run in process against a test database."""

from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import get_settings


def citedb(url: str, *args: str) -> Result:
    """Run the `citedb` command line in process, against the database at ``url``."""
    # The command reads CITEDB_DATABASE_URL through the cached settings: drop them either side.
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args), env={"CITEDB_DATABASE_URL": url})
    finally:
        get_settings.cache_clear()
