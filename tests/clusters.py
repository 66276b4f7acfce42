"""A PostgreSQL cluster of a test's own, to stop and start without touching the shared server."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.server import free_port

POSTGRES_BIN = Path(os.environ.get("CITEDB_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


def cluster_unavailable() -> str | None:
    """Return None if a private cluster can be made here, else the reason it cannot."""
    if not (POSTGRES_BIN / "initdb").exists():
        return f"no PostgreSQL server binaries in {POSTGRES_BIN} (CITEDB_TEST_POSTGRES_BIN)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: initdb refuses root"
    return None


@dataclass
class Cluster:
    """A running (or stopped) PostgreSQL cluster in a temporary directory."""

    directory: Path
    port: int

    @property
    def data(self) -> Path:
        """Return the cluster's data directory."""
        return self.directory / "data"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(POSTGRES_BIN / tool), *args]
        if os.geteuid() == 0:  # initdb and postgres refuse root: run them as postgres
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.directory / "log"),
        )

    def stop(self) -> None:
        """Stop the server at once (in-flight connections are cut)."""
        self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))

    def create_database(self, name: str) -> tuple[str, str]:
        """Create database ``name``; return its libpq DSN and its SQLAlchemy asyncpg URL."""
        dsn = f"postgresql://postgres@127.0.0.1:{self.port}"
        with psycopg.connect(f"{dsn}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return f"{dsn}/{name}", f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """Make, start and finally remove a cluster on a free port (trust auth, user postgres)."""
    directory = Path(tempfile.mkdtemp(prefix="citedb-cluster-"))
    directory.chmod(0o777)
    cluster = Cluster(directory, free_port())
    cluster._run("initdb", "-A", "trust", "-U", "postgres", "-E", "UTF8", "-D", str(cluster.data))
    cluster.start()
    try:
        yield cluster
    finally:
        with suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
