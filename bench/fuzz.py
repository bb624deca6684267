"""The long API fuzzing run (SECURITY.md T20 ``[bench]``), on SQLite and PostgreSQL.

The suite's short run (``tests/fuzz``, 3 examples per operation and role,
coverage phase off, 10 s per response) is run here at length: ``--examples``
per operation and role (default 200; the issue's 1,000 take hours on two
cores), the coverage phase on (boundary values, NUL, unexpected methods such
as TRACE), each response within 2 s. The same checks: no 5xx, status codes,
content types and bodies as documented, invalid data refused, protected
operations refuse anonymous requests. Hypothesis prints the seed of any
failure; ``--seed`` replays one.

    .venv/bin/python -m bench.fuzz [--examples 1000] [--only sqlite|postgres] [-k admin]

The whole output of each database's run is kept in ``var/bench/``
(``fuzz-<database>-<time>.log``; ``--logs DIR`` elsewhere), named in its row.

Rows: per database, the operations × roles run, failures, and the wall time.
"""

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.report import Row, fmt_num, markdown_table
from ocop_tracker.core.config import PROJECT_DIR

PG_TEST = PROJECT_DIR / "scripts" / "pg_test.sh"
LOGS = PROJECT_DIR / "var" / "bench"  # the whole output of each run, kept


def _pytest(
    database: str, examples: int, seed: int | None, select: str | None, log: Path
) -> tuple[int, int, float, str]:
    """(passed, failed, seconds, last lines) of the fuzz tests on ``database``;
    everything pytest printed is written to ``log``."""
    env = {
        **os.environ,
        "OCOP_ENV": "test",
        "OCOP_FUZZ_EXAMPLES": str(examples),
        "OCOP_FUZZ_COVERAGE": "1",
        "OCOP_FUZZ_SLOW_S": "2",
    }
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "-n", "2", "tests/fuzz",
    ]  # fmt: skip
    if seed is not None:
        command.append(f"--hypothesis-seed={seed}")
    if select:
        command += ["-k", select]
    if database == "postgres":
        command = ["bash", str(PG_TEST), *command]
    else:
        env.pop("OCOP_TEST_DATABASE_URL", None)
    started = time.perf_counter()
    proc = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(
        f"$ {' '.join(command)}\n(OCOP_FUZZ_EXAMPLES={examples}, exit {proc.returncode}, "
        f"{seconds:.0f} s)\n\n{proc.stdout}\n{proc.stderr}",
        encoding="utf-8",
    )
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-40:]
    summary = "\n".join(tail)
    passed = _count(r"(\d+) passed", summary)
    failed = _count(r"(\d+) failed", summary) + _count(r"(\d+) error", summary)
    return passed, failed, seconds, summary


def _count(pattern: str, text: str) -> int:
    found = re.findall(pattern, text)
    return int(found[-1]) if found else 0


def run(
    *,
    examples: int = 200,
    databases: Sequence[str] = ("sqlite", "postgres"),
    seed: int | None = None,
    select: str | None = None,
    logs: Path = LOGS,
) -> list[Row]:
    """The long fuzzing run on each database; one row each, the whole output of
    each kept in ``logs``."""
    rows: list[Row] = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for database in databases:
        log = logs / f"fuzz-{database}-{stamp}.log"
        passed, failed, seconds, summary = _pytest(
            database, examples, seed, select, log
        )
        if failed:
            sys.stderr.write(summary + "\n")
        rows.append(
            Row(
                "API fuzzing (schemathesis, every operation × 6 roles)",
                database,
                count=f"{passed + failed} op×role",
                value=fmt_num(seconds),
                notes=f"s; {examples} examples each + coverage phase; {failed} failed; "
                f"whole log {log.relative_to(PROJECT_DIR) if log.is_relative_to(PROJECT_DIR) else log}",
                goal="0 failures, every response < 2 s",
                ratio="pass" if failed == 0 and passed else "FAIL",
            )
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz")
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--seed", type=int)
    parser.add_argument("-k", dest="select", help="pytest -k expression")
    parser.add_argument(
        "--logs",
        type=Path,
        default=LOGS,
        help="where the whole output of each database's run is written "
        "(default: var/bench)",
    )
    args = parser.parse_args(argv)
    databases = [args.only] if args.only else ["sqlite", "postgres"]
    rows = run(
        examples=args.examples,
        databases=databases,
        seed=args.seed,
        select=args.select,
        logs=args.logs,
    )
    sys.stdout.write(markdown_table(rows))
    return 0 if all(r.ratio == "pass" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
