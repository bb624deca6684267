"""Drill T45: PostgreSQL restarted, then stopped hard, under load.

What it does (loopback only, about two minutes, bounded):

1. A throwaway PostgreSQL cluster (``initdb`` in a temporary directory, a
   free port on 127.0.0.1, as the ``postgres`` user when run as root), the
   schema at head and the demo data; API tokens for an official and a team
   leader.
2. ``ocop-tracker serve --workers 2`` on another free port (production
   settings), then a load from ``bench/load.py`` for ``--seconds`` (default
   75) at ``--rate`` requests a second (default 40): 80 % public product pages
   ``/p/{code}``, 15 % product lists as the official, 5 % producers created
   by the team leader (writes whose ids are acknowledged). Each request comes
   from a phone behind the proxy: ``X-Forwarded-For`` carries one of 2,000 loopback
   addresses (127.1.T.N), the server trusts the proxy at 127.0.0.1, so the
   per-address limit of the public page applies per phone, as in production.
3. Faults: at 20 s ``pg_ctl restart -m fast``; at 45 s ``pg_ctl stop -m
   immediate`` (a crash), started again at 55 s. ``/readyz`` is polled every
   half second throughout.
4. Findings: answers by status; failures must be 503 with ``Retry-After``
   and a generic body (no 500, no trace); no wait over ~8 s; every request
   sent 5 s after PostgreSQL accepts connections again succeeds (no app
   restart); readiness not ready during each outage; every acknowledged write
   present afterwards with exactly one audit row, and no duplicates.

    .venv/bin/python -m bench.drills.pg_restart [--seconds 75] [--rate 40]
"""

import argparse
import http.client
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import load
from bench.drills.common import (
    check_writes,
    demo_setup,
    field_mix,
    free_port,
    pg_cluster,
    say,
    serve,
)

RECOVERY_S = 5.0
MAX_WAIT_S = 8.0


@dataclass
class Findings:
    """What the drill found."""

    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def check(self, passed: bool, line: str) -> None:
        """One finding: PASS or FAIL."""
        self.lines.append(f"  [{'PASS' if passed else 'FAIL'}] {line}")
        self.ok = self.ok and passed


def run(seconds: float, rate: float) -> Findings:
    """The whole drill; see the module docstring."""
    findings = Findings()
    with (
        pg_cluster() as cluster,
        tempfile.TemporaryDirectory(prefix="ocop-drill-") as tmp,
    ):
        url = cluster.url
        say(f"cluster on 127.0.0.1:{cluster.port}; schema and demo data")
        setup = demo_setup(url)
        port = free_port()
        media = Path(tmp) / "media"
        with serve(url, port, media):
            say(
                f"serve --workers 2 on 127.0.0.1:{port}; load {seconds:.0f} s at {rate}/s"
            )
            events: dict[str, float] = {}
            readiness: list[tuple[float, int]] = []
            stop = threading.Event()

            def faults(start: float) -> None:
                time.sleep(max(0.0, start + 20 - time.monotonic()))
                events["restart"] = time.monotonic()
                cluster.ctl("-l", cluster.log, "-m", "fast", "-w", "restart")
                events["restart_back"] = cluster.wait_accepting()
                time.sleep(max(0.0, start + 45 - time.monotonic()))
                events["crash"] = time.monotonic()
                cluster.ctl("-m", "immediate", "stop")
                time.sleep(max(0.0, start + 55 - time.monotonic()))
                cluster.ctl("-l", cluster.log, "-w", "-o", cluster.options, "start")
                events["crash_back"] = cluster.wait_accepting()

            def ready_poll() -> None:
                while not stop.is_set():
                    try:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                        conn.request("GET", "/readyz", headers={"Host": "127.0.0.1"})
                        readiness.append((time.monotonic(), conn.getresponse().status))
                    except OSError:
                        readiness.append((time.monotonic(), 0))
                    time.sleep(0.5)

            mix = field_mix(setup)
            start = time.monotonic()
            fault_thread = threading.Thread(target=faults, args=(start,))
            poll_thread = threading.Thread(target=ready_poll)
            fault_thread.start()
            poll_thread.start()
            result = load.run(
                port, mix, seconds=seconds, rate=rate, threads=8, forwarded=True
            )
            stop.set()
            fault_thread.join()
            poll_thread.join()
        _analyse(findings, result, events, readiness, url)
    return findings


def _analyse(
    findings: Findings,
    result: load.LoadResult,
    events: dict[str, float],
    readiness: list[tuple[float, int]],
    url: str,
) -> None:
    records = result.records
    t0 = result.started
    by_status = Counter(r.status for r in records)
    findings.lines.append(
        f"  {len(records)} requests: "
        + ", ".join(f"{s or 'no answer'}: {n}" for s, n in sorted(by_status.items()))
    )
    findings.lines.append(
        "  faults: fast restart at {:.1f} s (accepting again at {:.1f} s); crash at "
        "{:.1f} s, started again, accepting at {:.1f} s".format(
            events["restart"] - t0,
            events["restart_back"] - t0,
            events["crash"] - t0,
            events["crash_back"] - t0,
        )
    )
    outages = [
        (events["restart"], events["restart_back"]),
        (events["crash"], events["crash_back"]),
    ]

    def in_outage(t: float, margin: float) -> bool:
        return any(a - 1 <= t <= b + margin for a, b in outages)

    failures = [r for r in records if r.status >= 500 or r.status == 0]
    findings.check(
        by_status.get(500, 0) == 0, f"no 500 answers ({by_status.get(500, 0)})"
    )
    bad_503 = [r for r in failures if r.status == 503 and not r.retry_after]
    findings.check(
        not bad_503, f"every 503 carries Retry-After ({len(bad_503)} without)"
    )
    leaks = [r for r in records if r.leak]
    findings.check(not leaks, f"no body names a trace or a driver ({len(leaks)})")
    other = [r for r in failures if r.status not in (503,)]
    findings.check(
        not other,
        f"failures are 503, not 5xx or dropped connections ({len(other)} others: "
        f"{Counter((r.status, r.error) for r in other).most_common(3)})",
    )
    slowest = max((r.seconds for r in records), default=0.0)
    findings.check(
        slowest <= MAX_WAIT_S,
        f"no wait over {MAX_WAIT_S:.0f} s (longest {slowest:.1f} s)",
    )
    outside = [r for r in failures if not in_outage(r.sent, RECOVERY_S)]
    findings.check(
        not outside,
        f"every request sent {RECOVERY_S:.0f} s after PostgreSQL accepts again succeeds "
        f"({len(outside)} failures outside the outages)",
    )
    for name, (a, b) in zip(("restart", "crash"), outages, strict=True):
        during = [r for r in failures if a - 1 <= r.sent <= b + RECOVERY_S]
        last = max((r.sent for r in during), default=a)
        findings.lines.append(
            f"  {name}: {len(during)} failed requests; last failure sent "
            f"{max(0.0, last - b):.2f} s after PostgreSQL accepted again"
        )
    not_ready = [s for t, s in readiness if in_outage(t, 0) and s != 200]
    findings.check(
        bool(not_ready),
        f"readiness said not ready during the outages ({len(not_ready)} polls)",
    )
    check_writes(findings.check, result, url)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the drill and print what it found."""
    parser = argparse.ArgumentParser(prog="python -m bench.drills.pg_restart")
    parser.add_argument("--seconds", type=float, default=75.0)
    parser.add_argument("--rate", type=float, default=40.0)
    args = parser.parse_args(argv)
    if args.seconds < 60:
        parser.error(
            "--seconds must be at least 60 (the faults happen at 20, 45 and 55 s)"
        )
    os.environ.setdefault("OCOP_ENV", "test")  # this process's own settings
    findings = run(args.seconds, args.rate)
    sys.stdout.write(
        "T45 PostgreSQL restarted under load (serve --workers 2, loopback):\n"
        + "\n".join(findings.lines)
        + f"\n  outcome: {'PASS' if findings.ok else 'FAIL'}\n"
    )
    return 0 if findings.ok else 1


if __name__ == "__main__":
    sys.exit(main())
