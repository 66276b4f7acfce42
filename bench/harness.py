"""Servers as subprocesses, wrk runs with their latency distribution, RSS sampling and the table."""

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.generate import BENCH_DIR, PROJECT_ROOT

BIN = Path(sys.executable).parent
RESULTS_DIR = BENCH_DIR / "results"
LOG_DIR = RESULTS_DIR / "logs"
METADATA_PATH = BENCH_DIR / "datasette_metadata.json"
CONNECTIONS = 32
THREADS = 2

_LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_TOTAL = re.compile(r"(\d+) requests in")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ensure_wrk() -> str:
    """Return the path of wrk, installing the Debian package if it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: apt-get install -y wrk", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk could not be installed")
    return found


def wrk_version() -> str:
    """Return wrk's version line."""
    result = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).splitlines()[0].split(" [")[0]


@dataclass
class Server:
    """One HTTP server under test, run as a subprocess in its own session."""

    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str = "/"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """Return the server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the process and wait until it answers ``ready_path``."""
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = open(LOG_DIR / f"{self.name}.log", "wb")  # noqa: SIM115 - lives with the process
        command = [part.replace("{port}", str(self.port)) for part in self.command]
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180  # two workers importing on a busy machine take a while
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}; "
                    f"see {LOG_DIR / self.name}.log"
                )
            try:
                if httpx.get(self.base_url + self.ready_path, timeout=2).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer in 180 s")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the process (SIGINT, then SIGKILL after 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) used so far by the process and its children."""
        if self.process is None:
            return 0.0
        return sum(_cpu_seconds(pid) for pid in _process_tree(self.process.pid))

    def rss_kib(self) -> int:
        """Return the resident memory of the process and its children, in KiB."""
        if self.process is None:
            return 0
        return sum(_vm_rss(pid) for pid in _process_tree(self.process.pid))


def datasette_server(name: str, database: str) -> Server:
    """Return Datasette serving ``database`` with the benchmark's canned queries."""
    return Server(
        name=name,
        command=[
            str(BIN / "datasette"),
            "serve",
            database,
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--metadata",
            str(METADATA_PATH),
        ],
        ready_path="/-/versions.json",
    )


def uvicorn_server(
    name: str,
    app: str,
    *,
    factory: bool = False,
    env: dict[str, str] | None = None,
    ready_path: str = "/",
) -> Server:
    """Return uvicorn serving ``app`` (``module:attribute``), quiet, without an access log."""
    options = ["--factory"] if factory else []
    return Server(
        name=name,
        command=[
            str(BIN / "uvicorn"),
            *options,
            app,
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env or {},
        ready_path=ready_path,
    )


def _vm_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # utime and stime are fields 14 and 15 of stat(5), counted after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _process_tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(FileNotFoundError):
            pids += [p for child in task.read_text().split() for p in _process_tree(int(child))]
    return pids


class RssSampler(threading.Thread):
    """Sample the servers' resident memory every ``interval`` seconds; keep the maximum."""

    def __init__(self, servers: Sequence[Server], interval: float = 0.25) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.servers = list(servers)
        self.interval = interval
        self.max_kib: dict[str, int] = {server.name: 0 for server in servers}
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Sample until stopped."""
        while not self._stop_event.is_set():
            for server in self.servers:
                self.max_kib[server.name] = max(self.max_kib[server.name], server.rss_kib())
            self.samples += 1
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop_event.set()
        self.join()


@dataclass(frozen=True)
class Request:
    """One request of a workload: a path and, for revalidation, the ETag to send."""

    path: str
    etag: str | None = None


@dataclass
class Target:
    """One row of the table: a server driven with a rotating list of requests."""

    workload: str
    label: str
    server: Server
    requests: list[Request]
    expect: int = 200
    baseline: bool = False
    runs: list["WrkResult"] = field(default_factory=list)
    error: str | None = None
    # Mixed workload: content writes made through this API while wrk reads (None: reads only).
    writes: "WriteLoad | None" = None
    write_runs: list["WriteResult"] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        """Return the median of one figure over the runs."""
        return float(statistics.median(getattr(run, attribute) for run in self.runs))


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    rate: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    cpu_ms: float = 0.0  # the server's CPU time per request (its own process only)


@dataclass(frozen=True)
class WriteLoad:
    """A curator at work: ``rate`` writes a second, alternating a summary PATCH (with the
    ETag just read, in ``If-Match``) and a new verdict, over ``claims`` in turn."""

    base_url: str
    key: str
    claims: Sequence[str]
    rate: float = 2.0


@dataclass(frozen=True)
class WriteResult:
    """The writes made during one wrk run."""

    count: int
    failed: int
    p50_ms: float
    p99_ms: float


RATIONALE = "Recorded by the benchmark while readers read the claims."


class Writer(threading.Thread):
    """Make the writes of a :class:`WriteLoad` until stopped, timing each."""

    def __init__(self, load: WriteLoad, offset: int) -> None:
        super().__init__(name="bench-writer", daemon=True)
        self.load = load
        self.offset = offset
        self.stopped = threading.Event()
        self.took: list[float] = []
        self.failed = 0

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.load.key}"}
        with httpx.Client(base_url=self.load.base_url, headers=headers, timeout=30) as client:
            due = time.monotonic()
            number = self.offset
            while not self.stopped.is_set():
                slug = self.load.claims[number % len(self.load.claims)]
                started = time.perf_counter()
                if number % 2 == 0:
                    current = client.get(f"/v1/claims/{slug}")
                    started = time.perf_counter()  # the write alone, not the read before it
                    response = client.patch(
                        f"/v1/claims/{slug}",
                        json={"summary": f"Summary revised by the benchmark ({number})."},
                        headers={"If-Match": current.headers.get("etag", "*")},
                    )
                else:
                    response = client.post(
                        f"/v1/claims/{slug}/verdicts",
                        json={"rating": "mixed", "certainty": "low", "rationale": RATIONALE},
                    )
                self.took.append(time.perf_counter() - started)
                if response.status_code not in (200, 201):
                    self.failed += 1
                number += 1
                due += 1 / self.load.rate
                self.stopped.wait(max(0.0, due - time.monotonic()))

    def result(self) -> "WriteResult":
        """Stop and return what was written."""
        self.stopped.set()
        self.join(timeout=60)
        took = sorted(self.took) or [0.0]
        return WriteResult(
            count=len(self.took),
            failed=self.failed,
            p50_ms=1000 * took[len(took) // 2],
            p99_ms=1000 * took[min(len(took) - 1, int(len(took) * 0.99))],
        )


def _lua_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def lua_script(requests: Sequence[Request]) -> str:
    """Return a wrk script that cycles through ``requests``, each thread from its own offset."""
    items = ",\n".join(
        f"  {{{_lua_string(r.path)}, {_lua_string(r.etag or '')}}}" for r in requests
    )
    return f"""local items = {{
{items}
}}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
local requests = {{}}
local index = 0
function init(args)
  for i, item in ipairs(items) do
    local headers = {{}}
    if item[2] ~= "" then headers["If-None-Match"] = item[2] end
    requests[i] = wrk.format("GET", item[1], headers)
  end
  index = ((id or 0) * 7919) % #requests
end
function request()
  index = index % #requests + 1
  return requests[index]
end
"""


def parse_wrk(output: str) -> WrkResult:
    """Parse req/s, p50, p99 and error counts from ``wrk --latency`` output."""
    latencies = {
        percent: float(value) * _UNIT_MS[unit] for percent, value, unit in _LATENCY.findall(output)
    }
    rate = _RATE.search(output)
    total = _TOTAL.search(output)
    if rate is None or total is None or set(latencies) != {"50", "99"}:
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = 0
    non_2xx = _NON_2XX.search(output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = _SOCKET.search(output)
    if sockets:
        errors += sum(int(group) for group in sockets.groups())
    return WrkResult(
        rate=float(rate.group(1)),
        p50_ms=latencies["50"],
        p99_ms=latencies["99"],
        requests=int(total.group(1)),
        errors=errors,
    )


def run_wrk(target: Target, duration: float) -> WrkResult:
    """Drive ``target`` with wrk (-t2 -c32) for ``duration`` seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(target.requests))
    cpu_before = target.server.cpu_seconds()
    try:
        result = subprocess.run(
            [
                "wrk",
                f"-t{THREADS}",
                f"-c{CONNECTIONS}",
                f"-d{max(1, round(duration))}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                script.name,
                target.server.base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script.name)
    cpu = target.server.cpu_seconds() - cpu_before
    parsed = parse_wrk(result.stdout)
    return dataclasses.replace(parsed, cpu_ms=1000 * cpu / max(parsed.requests, 1))


def check(target: Target, sample: int = 5) -> None:
    """Fail early when a workload's requests do not answer as expected."""
    with httpx.Client(base_url=target.server.base_url, timeout=30) as client:
        for request in target.requests[:sample]:
            headers = {"If-None-Match": request.etag} if request.etag else {}
            response = client.get(request.path, headers=headers)
            if response.status_code != target.expect:
                raise RuntimeError(
                    f"{target.label}: GET {request.path} answered {response.status_code}, "
                    f"expected {target.expect}: {response.text[:200]}"
                )


def prime(target: Target, *, workers: int = 8, budget: float = 10.0) -> None:
    """GET every distinct path of ``target`` once, so caches start warm (within ``budget`` s)."""
    paths = list(dict.fromkeys(request.path for request in target.requests))
    deadline = time.monotonic() + budget

    def get(client: httpx.Client, path: str) -> None:
        if time.monotonic() < deadline:
            client.get(path)

    with (
        httpx.Client(base_url=target.server.base_url, timeout=60) as client,
        ThreadPoolExecutor(workers) as pool,
    ):
        list(pool.map(lambda path: get(client, path), paths))


def measure(targets: Sequence[Target], *, duration: float, repeats: int, warmup: float) -> None:
    """Prime and warm each target up, then run the repeats round-robin so drift spreads evenly."""
    for target in targets:
        try:
            check(target)
            prime(target)
            if warmup > 0:
                run_wrk(target, warmup)
        except (RuntimeError, ValueError, subprocess.CalledProcessError) as exc:
            target.error = str(exc)
            print(f"  {target.label}: {exc}", flush=True)
    for repeat in range(1, repeats + 1):
        for target in targets:
            if target.error:
                continue
            writer = None
            if target.writes is not None:
                writer = Writer(target.writes, offset=1000 * repeat)
                writer.start()
            result = run_wrk(target, duration)
            target.runs.append(result)
            if writer is not None:
                written = writer.result()
                target.write_runs.append(written)
                print(
                    f"        writes: {written.count} ({written.failed} failed), "
                    f"p50 {written.p50_ms:.1f} ms, p99 {written.p99_ms:.1f} ms",
                    flush=True,
                )
            print(
                f"  [{repeat}/{repeats}] {target.workload:<22} {target.label:<30} "
                f"{result.rate:>9.1f} req/s  p50 {result.p50_ms:>7.2f} ms  "
                f"p99 {result.p99_ms:>7.2f} ms  CPU {result.cpu_ms:5.2f} ms/req  "
                f"errors {result.errors}  "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )


def table(targets: Sequence[Target]) -> str:
    """Return the Markdown table of medians, with each row's ratio to its workload's baseline."""
    baselines = {t.workload: t for t in targets if t.baseline and t.runs}
    lines = [
        "| workload | server | req/s (median) | p50 ms | p99 ms | ratio | server CPU ms/req |"
        " req/s of each run | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for target in targets:
        if not target.runs:
            lines.append(f"| {target.workload} | {target.label} | failed: {target.error} |")
            continue
        baseline = baselines.get(target.workload)
        ratio = (
            f"{target.median('rate') / baseline.median('rate'):.2f}x"
            if baseline is not None
            else ""
        )
        if baseline is target:
            ratio = "1.00x (baseline)"
        each = ", ".join(f"{run.rate:.0f}" for run in target.runs)
        errors = sum(run.errors for run in target.runs)
        lines.append(
            f"| {target.workload} | {target.label} | {target.median('rate'):,.0f} | "
            f"{target.median('p50_ms'):.2f} | {target.median('p99_ms'):.2f} | {ratio} | "
            f"{target.median('cpu_ms'):.2f} | {each} | {errors} |"
        )
    return "\n".join(lines)
