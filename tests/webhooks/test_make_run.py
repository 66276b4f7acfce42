"""`make run` serves the API and runs a webhook worker beside it."""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from tests.webhooks.receiver import receiver

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_starts_the_api_and_a_worker(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "CITEDB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}",
        "CITEDB_PORT": str(port),
        "CITEDB_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "CITEDB_WORKER_POLL_INTERVAL": "0.1",
        "CITEDB_LOG_LEVEL": "warning",
    }
    make = shutil.which("make")
    assert make is not None, "make is not installed"
    run = subprocess.Popen(  # noqa: S603 - the project's own make target
        [make, "--no-print-directory", "run"],
        cwd=REPO_ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert run.poll() is None, "make run exited"
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("make run did not serve in time")
            time.sleep(0.2)
        secret = subprocess.run(  # noqa: S603 - our own command
            [
                str(REPO_ROOT / ".venv" / "bin" / "citedb"),
                "create-key",
                "--role",
                "admin",
                "--name",
                "run-test",
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        headers = {"Authorization": f"Bearer {secret}"}
        with receiver() as hook_server, httpx.Client(base_url=base_url, headers=headers) as admin:
            hook = admin.post(
                "/v1/webhooks", json={"url": hook_server.url, "events": ["topic.created"]}
            )
            assert hook.status_code == 422  # topics are in the feed, but not webhook events
            hook = admin.post(
                "/v1/webhooks", json={"url": hook_server.url, "events": ["claim.created"]}
            )
            assert hook.status_code == 201, hook.text
            claim = admin.post("/v1/claims", json={"statement": "Running a make target works."})
            assert claim.status_code == 201, claim.text
            [request] = hook_server.wait_for(1, timeout=120)
        payload = Verifier(hook.json()["secret"]).verify(request.body, request.headers)
        assert payload["data"]["id"] == claim.json()["id"]
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=60)
    # Stopping make run stops the API and the worker alike.
    deadline = time.monotonic() + 30
    while group_alive(run.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not group_alive(run.pid)
