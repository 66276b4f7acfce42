"""A real uvicorn server on a loopback port, in a thread, for the tests to call over HTTP."""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import event

from app.config import Settings
from app.db import Database
from app.http_server import BoundedHttpToolsProtocol
from app.main import create_app


@dataclass
class LiveServer:
    """The app under test, served on ``base_url``."""

    app: FastAPI
    base_url: str

    @property
    def database(self) -> Database:
        """Return the engines the server uses."""
        database: Database = self.app.state.database
        return database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_healthy(
    base_url: str, *, running: Callable[[], bool], what: str, seconds: float = 20
) -> None:
    """Wait until ``/healthz`` answers 200; raise if the server stops or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not running():
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.05)


# The suite sends thousands of requests a minute from 127.0.0.1: a test server's rate limits
# are out of reach unless the test sets its own (tests/test_rate_limits.py does).
GENEROUS_RATE_LIMITS: dict[str, Any] = {
    f"rate_limit_{budget}_per_{by}": "1000000/minute"
    for budget in ("writes", "expensive")
    for by in ("key", "address")
}


def server_settings(database_url: str, **fields: Any) -> Settings:
    """Return the settings of a test server on ``database_url``, generous rate limits unless set."""
    return Settings(database_url=database_url, **(GENEROUS_RATE_LIMITS | fields))


@contextmanager
def serve(settings: Settings) -> Iterator[LiveServer]:
    """Serve the app for ``settings`` until the block ends."""
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        http=BoundedHttpToolsProtocol,  # as `citedb serve` does
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="citedb-test-server", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    wait_until_healthy(base_url, running=thread.is_alive, what="the test server")
    try:
        yield LiveServer(app=app, base_url=base_url)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def counting(server: LiveServer) -> Iterator[list[str]]:
    """Collect the SQL statements the server runs inside the block."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    def record_plain(statement: str, _seconds: float) -> None:
        statements.append(statement)

    engines = [engine.sync_engine for engine in server.database.engines]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    server.database.rows.listeners.append(record_plain)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
        server.database.rows.listeners.remove(record_plain)
