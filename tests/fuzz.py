"""`make fuzz`: schemathesis, every phase including the stateful one, for minutes per database.

    python -m tests.fuzz [--seconds 300] [--backends sqlite,postgresql] [--seed N]

For each database: a fresh, migrated database seeded through the API (the content of
tests/test_openapi_fuzz.py), a live server with generous rate limits (the fuzzer is one client
at full speed), and ``schemathesis run`` on its /openapi.json with the phases examples,
coverage, fuzzing and stateful, its time budget ``--seconds`` (fuzzing and stateful repeat
until it is spent). The checks are those of the bounded run in ``make test`` plus the
response headers and the ``Allow`` header. Prints the figures of each database; exits
non-zero if any response was a server error (5xx other than 503), and then keeps
schemathesis' reports (its output and ndjson event stream, per database) under
``var/fuzz/<time>/`` and prints where. Not collected by pytest: the bounded run in ``make test``
is tests/test_openapi_fuzz.py.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import insert_key
from tests.databases import fresh_database, postgres_available
from tests.server import serve, server_settings
from tests.test_openapi_fuzz import seed_content

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "allow_header_conformance",
)
PHASES = "examples,coverage,fuzzing,stateful"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
REPO_ROOT = Path(__file__).resolve().parent.parent
KEPT_REPORTS = REPO_ROOT / "var" / "fuzz"
# Schemathesis imports this module as its hooks: importing tests.test_openapi_fuzz sends the
# import's text media types (BibTeX, RIS, MEDLINE) as text.
HOOKS_ENVIRONMENT = os.environ | {"SCHEMATHESIS_HOOKS": "tests.fuzz", "PYTHONPATH": str(REPO_ROOT)}


@dataclass
class Figures:
    """What one database's run saw."""

    backend: str
    seconds: float = 0.0
    exit_code: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Return how many responses came back."""
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        """Return the 5xx answers other than 503 (the database busy or away is allowed)."""
        return sum(n for status, n in self.statuses.items() if status >= 500 and status != 503)


def read_events(path: Path, figures: Figures) -> None:
    """Count the statuses and failed checks in schemathesis' ndjson event stream."""
    for line in path.read_text().splitlines():
        event: dict[str, Any] = json.loads(line)
        for name, payload in event.items():
            if not isinstance(payload, dict) or "recorder" not in payload:
                continue
            recorder = payload["recorder"]
            for interaction in recorder.get("interactions", {}).values():
                response = interaction.get("response") or {}
                if "status_code" in response:
                    figures.statuses[response["status_code"]] += 1
            for checks in recorder.get("checks", {}).values():
                for check in checks:
                    if str(check.get("status", "")).lower() == "failure":
                        figures.failures[check["name"]] += 1
                        if len(figures.examples) < 20:
                            case = recorder["cases"].get(check.get("case_id"), {}).get("value", {})
                            request = case.get("operation", {}).get("label") or name
                            figures.examples.append(f"{check['name']}: {request}")


def fuzz(backend: str, *, seconds: int, seed: int, workdir: Path) -> Figures:
    """Run schemathesis against a fresh server on ``backend`` and return its figures."""
    figures = Figures(backend)
    with fresh_database(backend, workdir / backend) as database:
        database.migrate()
        # An admin key reaches every operation; revoking keys is left out, or the fuzzer
        # would revoke its own and meet 401 from then on.
        secret = insert_key(database, name="fuzz-admin", role="admin")
        settings = server_settings(database.url, cache_ttl=0)
        with serve(settings) as server:
            headers = {"Authorization": f"Bearer {secret}"}
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
                seed_content(http)
            events = workdir / f"{backend}.ndjson"
            command = [
                str(SCHEMATHESIS),
                "run",
                f"{server.base_url}/openapi.json",
                "--phases",
                PHASES,
                "--max-time",
                str(seconds),
                "--checks",
                ",".join(CHECKS),
                "--header",
                f"Authorization: Bearer {secret}",
                "--seed",
                str(seed),
                "--workers",
                "1",
                "--request-timeout",
                "30",
                "--continue-on-failure",
                "--exclude-operation-id",
                "admin-revoke-api-key",
                "--suppress-health-check",
                "all",
                "--report",
                "ndjson",
                "--report-ndjson-path",
                str(events),
            ]
            started = time.monotonic()
            log = workdir / f"{backend}.log"
            with log.open("w") as output:
                figures.exit_code = subprocess.call(  # noqa: S603 (our own command line)
                    command, stdout=output, stderr=output, env=HOOKS_ENVIRONMENT, cwd=workdir
                )
            figures.seconds = time.monotonic() - started
            print(log.read_text()[-3000:])
            read_events(events, figures)
    return figures


def keep_reports(workdir: Path, results: list[Figures]) -> Path:
    """Copy each database's schemathesis output and event stream out of ``workdir``."""
    kept = KEPT_REPORTS / time.strftime("%Y-%m-%dT%H%M%SZ", time.gmtime())
    kept.mkdir(parents=True, exist_ok=True)
    for figures in results:
        for suffix in (".log", ".ndjson"):
            report = workdir / f"{figures.backend}{suffix}"
            if report.exists():
                shutil.copy2(report, kept / report.name)
    return kept


def main() -> int:
    """Fuzz each database in turn and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300, help="Time budget per database.")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="citedb-fuzz-") as tmp:
        for backend in args.backends.split(","):
            if backend == "postgresql" and (reason := postgres_available()) is not None:
                print(f"postgresql skipped: {reason}")
                if os.environ.get("CI", "").lower() == "true":
                    return 1
                continue
            results.append(fuzz(backend, seconds=args.seconds, seed=args.seed, workdir=Path(tmp)))
        failed_run = any(figures.server_errors or figures.exit_code for figures in results)
        kept = keep_reports(Path(tmp), results) if failed_run else None
    print("\n| database | seconds | responses | 5xx (not 503) | 503 | 4xx | failed checks |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for figures in results:
        client_errors = sum(n for s, n in figures.statuses.items() if 400 <= s < 500)
        failed = ", ".join(f"{name} {n}" for name, n in figures.failures.most_common())
        if not failed:
            # schemathesis' own verdict, when its event stream named no failed check
            failed = "none" if figures.exit_code == 0 else f"see above (exit {figures.exit_code})"
        print(
            f"| {figures.backend} | {figures.seconds:.0f} | {figures.requests} | "
            f"{figures.server_errors} | {figures.statuses[503]} | {client_errors} | {failed} |"
        )
    for figures in results:
        for example in figures.examples:
            print(f"{figures.backend}: {example}")
    if kept is not None:
        print(f"\nschemathesis' reports kept in {kept}")
    return 1 if failed_run else 0


if __name__ == "__main__":
    sys.exit(main())
