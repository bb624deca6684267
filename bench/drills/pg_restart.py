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
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench import load
from bench.drills.common import free_port, say
from ocop_tracker.core.config import PROJECT_DIR

RECOVERY_S = 5.0
MAX_WAIT_S = 8.0


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster."""

    bin: Path
    data: Path
    port: int
    as_root: bool
    log: str
    options: str = ""

    def ctl(self, *args: str) -> None:
        """Run pg_ctl against the cluster (as postgres when we are root)."""
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        # The server inherits pg_ctl's output: never a pipe (it would stay open).
        subprocess.run(
            command,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def accepting(self) -> bool:
        """pg_isready says yes."""
        return (
            subprocess.run(
                [
                    str(self.bin / "pg_isready"),
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                ],
                check=False,
            ).returncode
            == 0
        )

    def wait_accepting(self, limit: float = 60) -> float:
        """Poll until it accepts connections; returns that moment (monotonic)."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if self.accepting():
                return time.monotonic()
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not come back")


@contextmanager
def _cluster() -> Iterator[Cluster]:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise SystemExit(
            "PostgreSQL server binaries not found (apt-get install postgresql)"
        )
    pg_bin = found[-1].parent
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="ocop-drill-pg."))
    if as_root:
        shutil.chown(base, "postgres")
    cluster = Cluster(pg_bin, base / "data", free_port(), as_root, str(base / "log"))
    cluster.options = f"-h 127.0.0.1 -p {cluster.port} -k {base}"
    init = [
        str(pg_bin / "initdb"),
        "-D",
        str(cluster.data),
        "-U",
        "postgres",
        "-A",
        "trust",
    ]
    if as_root:
        init = ["runuser", "-u", "postgres", "--", *init]
    subprocess.run(init, check=True, capture_output=True)
    cluster.ctl(
        "-l", cluster.log, "-w", "-o", cluster.options, "start",
    )  # fmt: skip
    try:
        yield cluster
    finally:
        with suppress(subprocess.CalledProcessError):
            cluster.ctl("-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Setup:
    """What the load needs to know about the installation."""

    codes: list[str]
    hamlet_id: int
    official_token: str
    leader_token: str


def _setup(url: str) -> Setup:
    from ocop_tracker.auth import service as auth_service
    from ocop_tracker.core import migrate
    from ocop_tracker.core.db import make_engine
    from ocop_tracker.demo import service as demo_service
    from ocop_tracker.products.models import Product
    from ocop_tracker.teams.models import Team
    from ocop_tracker.users import repository as user_repository

    migrate.upgrade("head", url=url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            demo_service.load(session)
            session.commit()
            official = user_repository.by_login(session, "canbo.khom3")
            leader = user_repository.by_login(session, "totruong.khom3")
            assert official is not None
            assert leader is not None
            official_token, _ = auth_service.create_token(
                session, official, name="drill"
            )
            leader_token, _ = auth_service.create_token(session, leader, name="drill")
            team = session.scalars(
                select(Team).where(Team.hamlet_id == leader.area_id)
            ).first()
            assert team is not None
            codes = list(session.scalars(select(Product.public_code)))
            session.commit()
            return Setup(codes, team.hamlet_id, official_token, leader_token)
    finally:
        engine.dispose()


@contextmanager
def _server(url: str, port: int, media: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "OCOP_DATABASE_URL": url,
        "OCOP_ENV": "production",
        "OCOP_SECRET_KEY": secrets.token_hex(32),
        "OCOP_MEDIA_DIR": str(media),
        "OCOP_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ocop_tracker",
            "serve",
            "--workers",
            "2",
            "--port",
            str(port),
            "--forwarded-allow-ips",
            "127.0.0.1",
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(media.parent / "server.log", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    try:
        end = time.monotonic() + 90
        while time.monotonic() < end:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("the server did not start")
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


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
        _cluster() as cluster,
        tempfile.TemporaryDirectory(prefix="ocop-drill-") as tmp,
    ):
        url = f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/postgres"
        say(f"cluster on 127.0.0.1:{cluster.port}; schema and demo data")
        setup = _setup(url)
        port = free_port()
        media = Path(tmp) / "media"
        with _server(url, port, media):
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

            official = {"Authorization": f"Bearer {setup.official_token}"}
            leader = {"Authorization": f"Bearer {setup.leader_token}"}
            mix = [
                load.Request(
                    "public page", "GET",
                    lambda rng, _n: f"/p/{rng.choice(setup.codes)}", 80,
                ),
                load.Request(
                    "product list", "GET",
                    lambda rng, _n: f"/api/v1/products?limit=20&offset={rng.randrange(5)}",
                    15, official,
                ),
                load.Request(
                    "producer write", "POST", lambda _rng, _n: "/api/v1/producers", 5,
                    leader,
                    body=lambda _rng, n: {
                        "hamlet_id": setup.hamlet_id,
                        "kind": "household",
                        "name": f"Hộ Sản Xuất Tải {n}",
                    },
                ),
            ]  # fmt: skip
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
    _check_writes(findings, result, url)


def _check_writes(findings: Findings, result: load.LoadResult, url: str) -> None:
    from ocop_tracker.audit.models import AuditEvent
    from ocop_tracker.core.db import make_engine
    from ocop_tracker.producers.models import Producer

    acknowledged = [
        r.acknowledged for r in result.records if r.acknowledged is not None
    ]
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            present = set(
                conn.scalars(select(Producer.id).where(Producer.id.in_(acknowledged)))
            )
            audited = Counter(
                conn.scalars(
                    select(AuditEvent.object_id).where(
                        AuditEvent.object_type == "producers",
                        AuditEvent.action == "create",
                        AuditEvent.object_id.in_([str(i) for i in acknowledged]),
                    )
                )
            )
            duplicates = conn.scalar(
                select(func.count()).select_from(
                    select(Producer.name)
                    .where(Producer.name.like("Hộ Sản Xuất Tải %"))
                    .group_by(Producer.name)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    findings.check(
        len(present) == len(acknowledged),
        f"every acknowledged write is there ({len(present)} of {len(acknowledged)})",
    )
    once = sum(1 for i in acknowledged if audited.get(str(i)) == 1)
    findings.check(
        once == len(acknowledged),
        f"one audit row per acknowledged write ({once} of {len(acknowledged)})",
    )
    findings.check(duplicates == 0, f"no duplicate writes ({duplicates})")


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
