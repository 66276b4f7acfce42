"""A real HTTP receiver on 127.0.0.1 that records webhook POSTs, and a worker process."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.config import Settings
from app.db import Database
from app.webhooks.worker import Worker
from tests.databases import TestDatabase

WORKER_ENV = {
    "CITEDB_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    "CITEDB_WEBHOOK_TIMEOUT": "2",
    "CITEDB_WEBHOOK_RETRY_BASE": "0.3",
    "CITEDB_WEBHOOK_MAX_ATTEMPTS": "3",
    "CITEDB_WORKER_POLL_INTERVAL": "0.1",
}


@dataclass
class Received:
    """One POST the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """Records POSTs; answers each with the next status of ``statuses`` (then 200)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    hold: threading.Event | None = None  # while set to an unset event, requests wait on it
    headers: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        """Wait until ``count`` requests have come; fail if they do not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} requests, got {len(self.requests)}")


@contextmanager
def receiver(**options: Any) -> Iterator[Receiver]:
    """Serve a :class:`Receiver` on a free loopback port."""
    state = Receiver(url="", **options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with state.lock:
                state.requests.append(
                    Received(self.path, dict(self.headers.items()), body, time.monotonic())
                )
                status = state.statuses.pop(0) if state.statuses else 200
            hold = state.hold
            if hold is not None:
                hold.wait(30)
            self.send_response(status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        if state.hold is not None:
            state.hold.set()
        server.shutdown()
        server.server_close()


def start_worker(database: TestDatabase, **env: str) -> subprocess.Popen[bytes]:
    """Start `citedb worker` on the test database, in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        env={**os.environ, **WORKER_ENV, "CITEDB_DATABASE_URL": database.url, **env},
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a worker (SIGTERM, then SIGKILL) and reap it."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def worker(database: TestDatabase) -> Iterator[Worker]:
    """Run a worker in a thread of this process for the block (cheaper than a process)."""
    fields: dict[str, Any] = {
        name.removeprefix("CITEDB_").lower(): value for name, value in WORKER_ENV.items()
    }
    settings = Settings.model_validate({"database_url": database.url, **fields})
    started = threading.Event()
    runner: list[tuple[Worker, asyncio.AbstractEventLoop]] = []

    async def main() -> None:
        db = Database.from_settings(settings)
        runner.append((Worker(db, settings), asyncio.get_running_loop()))
        started.set()
        try:
            await runner[0][0].run()
        finally:
            await db.dispose()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    started.wait(20)
    loop_worker, loop = runner[0]
    try:
        yield loop_worker
    finally:
        loop.call_soon_threadsafe(loop_worker.stopping.set)
        thread.join(timeout=30)


def eventually(check: Callable[[], Any], timeout: float = 60) -> Any:
    """Return ``check()`` once it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.1)
