"""`citedb serve --workers 2`: both workers start, serve and stay (no restart loop)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.webhooks.test_make_run import free_port, group_alive

REPO_ROOT = Path(__file__).resolve().parents[1]
CITEDB = REPO_ROOT / ".venv" / "bin" / "citedb"
HEAVY_MODULES = ("alembic", "sqlalchemy", "fastapi", "numpy", "app.db", "app.main")


def test_the_command_line_module_imports_no_database_or_web_layer() -> None:
    """Every worker `serve --workers N` spawns imports the command line module first."""
    probe = (
        f"import sys, app.cli; print(','.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))"
    )
    loaded = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", probe], cwd=REPO_ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    assert loaded == ""


def worker_pids(parent: int) -> set[int]:
    """Return the worker processes of uvicorn's supervisor (not multiprocessing's helpers)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    pids = set()
    for child in children:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        except FileNotFoundError:
            continue
        if b"spawn_main" in command and b"resource_tracker" not in command:
            pids.add(int(child))
    return pids


def test_two_workers_serve_and_are_not_replaced(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CITEDB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'workers.sqlite3'}",
        "CITEDB_LOG_LEVEL": "info",
    }
    subprocess.run(  # noqa: S603 - our own command
        [str(CITEDB), "migrate", "--no-reindex"], env=env, check=True, capture_output=True
    )
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        serve = subprocess.Popen(  # noqa: S603 - our own command
            [str(CITEDB), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while len(worker_pids(serve.pid)) < 2 or not answers(port):
            assert serve.poll() is None, log.read_text()
            if time.monotonic() > deadline:
                pytest.fail(f"two workers did not serve in time:\n{log.read_text()}")
            time.sleep(0.2)
        started = worker_pids(serve.pid)
        # Longer than uvicorn's own health-check timeout (5 s) and several of its checks.
        time.sleep(8)
        assert worker_pids(serve.pid) == started, log.read_text()
        assert "died" not in log.read_text()
        statuses = {httpx.get(f"http://127.0.0.1:{port}/v1/claims", timeout=10).status_code}
        assert statuses == {200}
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(30)
    deadline = time.monotonic() + 30
    while group_alive(serve.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not group_alive(serve.pid), "a worker outlived `citedb serve`"


def answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
