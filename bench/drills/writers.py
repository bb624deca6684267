"""Drill: a hamlet team writing at the same moment (SECURITY.md §I, T44's writes).

What it does (loopback only, bounded by ``--seconds``):

1. An SQLite file (default) or a throwaway PostgreSQL cluster
   (``--database postgres``), the schema at head, the demo data and API tokens
   for the Khóm 3 team leader, a member and their official.
2. ``ocop-tracker serve --workers 2`` (production settings).
3. ``--writers`` people (default 8) at once, each sending as fast as the
   answers come (a closed loop, capped at ``--rate`` requests a second in all):
   products added by the leader, households by the member, cards printed by
   the official (a GET that keeps the QR matrix) and public pages opened (a
   GET that counts the scan) — ``common.team_writes``.
4. Findings: 0 errors (on SQLite: no 503 and no "database is locked" in the
   server's log), every acknowledged product and household in the database,
   and each kind's p50/p95.

    .venv/bin/python -m bench.drills.writers [--database sqlite|postgres] [--seconds 60]
"""

import argparse
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from bench import load
from bench.drills.common import (
    LIMITED,
    Checks,
    demo_setup,
    free_port,
    say,
    serve,
    team_writes,
)
from bench.drills.common import (
    database as drill_database,
)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def summarise(
    check: Checks, result: load.LoadResult, seconds: float, log: str, database: str
) -> None:
    """Each kind's count, p50 and p95; the error and lock checks."""
    by_name: dict[str, list[load.Record]] = {}
    for r in result.records:
        by_name.setdefault(r.name, []).append(r)
    every = [r.seconds for r in result.records]
    check.lines.append(
        f"  all: {len(every)} ({len(every) / seconds:.1f}/s), p50 "
        f"{_percentile(every, 0.5) * 1000:.0f} ms, p95 "
        f"{_percentile(every, 0.95) * 1000:.0f} ms"
    )
    for name, rs in sorted(by_name.items()):
        times = [r.seconds for r in rs]
        check.lines.append(
            f"  {name}: {len(rs)}, p50 {_percentile(times, 0.5) * 1000:.0f} ms, p95 "
            f"{_percentile(times, 0.95) * 1000:.0f} ms; statuses "
            f"{dict(Counter(r.status for r in rs))}"
        )
    errors = [
        r
        for r in result.records
        if r.status not in (200, 201) and (r.name, r.status) not in LIMITED
    ]
    check(
        not errors,
        f"0 errors ({len(errors)}: "
        f"{Counter((r.name, r.status, r.error) for r in errors).most_common(4)})",
    )
    limited = sum(1 for r in result.records if (r.name, r.status) in LIMITED)
    check.lines.append(
        f"  card prints past the hourly limit per user, refused by design: {limited}"
    )
    if "Traceback" in log:  # what the server said, for the reader of the findings
        at = log.index("Traceback")
        sys.stderr.write(log[max(0, at - 300) : at + 4000] + "\n")
    if database == "sqlite":
        locked = log.count("database is locked")
        n503 = sum(1 for r in result.records if r.status == 503)
        check(
            n503 == 0 and locked == 0,
            f'SQLite: no 503 and no "database is locked" ({n503} × 503, '
            f"{locked} in the log)",
        )


def check_acknowledged(check: Checks, result: load.LoadResult, url: str) -> None:
    """Every product and household the server acknowledged is in the database."""
    from ocop_tracker.core.db import make_engine
    from ocop_tracker.producers.models import Producer
    from ocop_tracker.products.models import Product

    wanted = {"add product": Product.id, "add producer": Producer.id}
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            for name, column in wanted.items():
                ids = [
                    r.acknowledged
                    for r in result.records
                    if r.name == name and r.acknowledged is not None
                ]
                present = set(conn.scalars(select(column).where(column.in_(ids))))
                check(
                    len(present) == len(ids),
                    f"{name}: every acknowledged write is there "
                    f"({len(present)} of {len(ids)})",
                )
    finally:
        engine.dispose()


def run(database: str, seconds: float, writers: int, rate: float) -> Checks:
    """The whole drill; see the module docstring."""
    check = Checks()
    with tempfile.TemporaryDirectory(prefix="ocop-drill-writers-") as tmp_name:
        tmp = Path(tmp_name)
        media = tmp / "media"
        with drill_database(database, tmp) as url:
            say(f"{database}: schema and demo data")
            setup = demo_setup(url)
            port = free_port()
            with serve(url, port, media):
                say(f"serve --workers 2 on 127.0.0.1:{port}; {writers} writers")
                result = load.run(
                    port,
                    team_writes(setup),
                    seconds=seconds,
                    rate=rate,
                    threads=writers,
                    max_requests=1_000_000,
                    timeout=60.0,
                    forwarded=True,
                    seed=13,
                )
            log = (tmp / "server.log").read_text(errors="replace")
            summarise(check, result, seconds, log, database)
            check_acknowledged(check, result, url)
    return check


def main(argv: Sequence[str] | None = None) -> int:
    """Run the drill and print what it found."""
    parser = argparse.ArgumentParser(prog="python -m bench.drills.writers")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument(
        "--rate", type=float, default=400.0, help="requests a second, at most"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("OCOP_ENV", "test")  # this process's own settings
    check = run(args.database, args.seconds, args.writers, args.rate)
    sys.stdout.write(
        f"{args.writers} people writing at once on {args.database} for "
        f"{args.seconds:g} s (serve --workers 2, loopback, shared 2-core machine):\n"
        + "\n".join(check.lines)
        + f"\n  outcome: {'PASS' if check.ok else 'FAIL'}\n"
    )
    return 0 if check.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
