"""``python -m bench``: the citedb benchmark against Datasette and bare ASGI (see README.md).

With ``--code REV`` the run uses the app as committed at REV (``git archive`` into
``bench/data/code-<sha>/``, first on ``PYTHONPATH``), so that edits others make to the working
tree while it runs can neither break nor skew it; by default it uses the working tree.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
CODE_ENV = "CITEDB_BENCH_CODE"


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--claims", type=int, default=100_000, help="claims (default 100000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per row (default 3)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per run (10)")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up seconds a row (3)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one citedb database only")
    parser.add_argument("--skip-generate", action="store_true", help="reuse bench/data/")
    parser.add_argument("--skip-counts", action="store_true", help="no in-process statement counts")
    parser.add_argument(
        "--workloads", default="abcdems", help="a subset of the workloads, e.g. 'ab' (all)"
    )
    parser.add_argument(
        "--code", metavar="REV", help="benchmark the app as committed at REV (e.g. HEAD)"
    )
    return parser.parse_args(argv)


def _git(*args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def snapshot(revision: str) -> tuple[str, Path]:
    """Export ``app``, ``migrations`` and ``alembic.ini`` at ``revision``; return (sha, dir)."""
    sha = _git("rev-parse", "--verify", f"{revision}^{{commit}}")
    target = BENCH_DIR / "data" / f"code-{sha[:12]}"
    if not (target / "app").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha, "app", "migrations", "alembic.ini"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return sha, target


def code_identity() -> str:
    """Say which code of the app this run measures."""
    if os.environ.get(CODE_ENV):
        return f"app as committed at {os.environ[CODE_ENV]}"
    head = _git("rev-parse", "--short=12", "HEAD")
    dirty = _git("status", "--porcelain", "--", "app", "migrations").splitlines()
    if not dirty:
        return f"working tree at {head} (app and migrations unchanged)"
    return f"working tree at {head} with {len(dirty)} uncommitted change(s) in app/ or migrations/"


def main() -> None:
    """Parse the command line, switch to a committed revision if asked, and run."""
    arguments = parse_arguments(sys.argv[1:])
    if arguments.code and not os.environ.get(CODE_ENV):
        sha, code = snapshot(arguments.code)
        env = {
            **os.environ,
            CODE_ENV: f"{arguments.code} = {sha[:12]}",
            "PYTHONPATH": os.pathsep.join([str(code), str(PROJECT_ROOT)]),
        }
        # -P: no current directory on sys.path, so ``app`` comes from the snapshot.
        os.execve(sys.executable, [sys.executable, "-P", "-m", "bench", *sys.argv[1:]], env)  # noqa: S606 - this interpreter
    from bench import run

    run.main(arguments, code=code_identity())


if __name__ == "__main__":
    main()
