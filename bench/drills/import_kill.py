"""Drill T48: the OCOP-list import killed midway (``kill -9``), then run again.

What it does, on one database (SQLite or PostgreSQL):

1. Two installations set up alike (schema at head, the demo data): A and B.
2. An official list of ``--rows`` rows (default 5,000; openpyxl, the official
   headers, products spread over the demo hamlets).
3. A clean import on B, in a subprocess, as the demo admin: its duration T
   (from the moment the worker has read the file) and B's logical checksum.
4. For each seed: an import on A in a subprocess, ``kill -9`` at a point drawn
   between 5% and 95% of T; then every table of A is compared with its state
   before (row count and sha256 of every table, as a backup writes them) and
   SQLite's ``integrity_check`` is run.
5. The import on A again, to the end: A's logical checksum must equal B's (no
   duplicate, nothing missing), with one import event in the audit trail.

The import is one transaction (``imports.service.import_rows``), so the
expected outcome of every kill is "nothing of the file written". There is no
job row to be left ``running``: the import runs inside one request.

    .venv/bin/python -m bench.drills.import_kill --database sqlite --rows 5000 --seeds 20
    .venv/bin/python -m bench.drills.import_kill --database postgres [--pg-cluster]

The CI test (``tests/faults/test_import_killed.py``) runs it with 3 seeds and
fewer rows on the suite's database kind.
"""

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import MetaData, func, select, text
from sqlalchemy import types as sqltypes
from sqlalchemy.orm import Session, aliased

from ocop_tracker.core.config import PROJECT_DIR

Log = Callable[[str], None]
LOGICAL_TABLES = ("producers", "products", "certificates")
# Foreign keys to these tables are stable between two installations set up
# alike; any other id (and every time stamp, version and random code) is not.
STABLE_REFERENCES = frozenset({"admin_units", "ocop_groups", "ocop_subgroups"})
UNSTABLE_COLUMNS = frozenset({"version", "public_code"})


@dataclass
class KillOutcome:
    """One seeded kill and the state it left."""

    seed: int
    fraction: float
    after_s: float
    killed: bool
    state: str
    integrity: str

    @property
    def ok(self) -> bool:
        """Nothing of the file, or all of it; never a part; the database sound."""
        return self.state != PARTLY and self.integrity == "ok"

    def describe(self) -> str:
        """One line for the report."""
        what = "killed (SIGKILL)" if self.killed else "finished before the kill"
        return (
            f"seed {self.seed}: at {self.fraction:.0%} of the clean run "
            f"({self.after_s:.2f} s): {what}; {self.state}; integrity {self.integrity}"
        )


NOTHING = "nothing written"
WHOLE = "whole file committed before the kill"
PARTLY = "PARTLY WRITTEN"


@dataclass
class DrillResult:
    """What the drill did and found."""

    database: str
    rows: int
    clean_seconds: float
    kills: list[KillOutcome] = field(default_factory=list)
    rerun_equal: bool = False
    rerun_seconds: float = 0.0
    rerun_events: int = 0

    @property
    def ok(self) -> bool:
        """Every kill left all or nothing; the re-run equals the clean run."""
        return (
            all(k.ok for k in self.kills)
            and self.rerun_equal
            and self.rerun_events == 1
        )

    def lines(self) -> list[str]:
        """A readable account, one line per step."""
        killed = sum(k.killed and k.state == NOTHING for k in self.kills)
        out = [
            f"T48 import killed midway on {self.database}: {self.rows} rows; "
            f"clean import {self.clean_seconds:.1f} s; {len(self.kills)} seeded kills, "
            f"{killed} mid-transaction"
        ]
        out += [f"  {k.describe()}" for k in self.kills]
        out.append(
            f"  re-run to the end: {self.rerun_seconds:.1f} s; logical checksum "
            f"{'equals' if self.rerun_equal else 'DIFFERS FROM'} the clean run; "
            f"{self.rerun_events} import event added"
        )
        out.append(f"  outcome: {'PASS' if self.ok else 'FAIL'}")
        return out


# --- the installation and the file ---------------------------------------------


def setup(url: str) -> list[tuple[str, str]]:
    """Schema at head and the demo data; returns (commune code, hamlet name) pairs."""
    from ocop_tracker.areas.models import AdminUnit, Level
    from ocop_tracker.core import migrate
    from ocop_tracker.core.db import make_engine
    from ocop_tracker.demo import service as demo_service

    migrate.upgrade("head", url=url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            demo_service.load(session)
            session.commit()
            commune = aliased(AdminUnit)
            found = session.execute(
                select(commune.code, AdminUnit.name)
                .join(commune, commune.id == AdminUnit.parent_id)
                .where(AdminUnit.level == Level.hamlet)
                .order_by(AdminUnit.id)
            ).all()
    finally:
        engine.dispose()
    return [(str(code), str(name)) for code, name in found]


def make_file(hamlets: Sequence[tuple[str, str]], rows: int, seed: int) -> bytes:
    """An official list of ``rows`` rows over ``hamlets`` (as bench/catalog.py)."""
    from bench.catalog import _xlsx

    return _xlsx(random.Random(seed), hamlets, rows)


def _worker(url: str, file: Path) -> None:
    """Subprocess: read the file, say "start", import it as the demo admin, commit."""
    from ocop_tracker.audit import context as audit_context
    from ocop_tracker.core.db import make_engine
    from ocop_tracker.imports import reader
    from ocop_tracker.imports import service as import_service
    from ocop_tracker.users import repository as user_repository

    rows = reader.read_rows(file.read_bytes(), file.name)
    engine = make_engine(url)
    with Session(engine) as session:
        admin = user_repository.by_login(session, "admin")
        assert admin is not None
        audit_context.set_actor(session, actor_id=admin.id, actor_login=admin.login)
        _say("start")
        report = import_service.import_rows(session, admin, rows, dry_run=False)
        session.commit()
        _say(json.dumps({"committed": report.rows, "products": report.products_new}))
    engine.dispose()


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _spawn(url: str, file: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "OCOP_DATABASE_URL": url,
        "OCOP_ENV": "test",
        "PYTHONPATH": str(PROJECT_DIR),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bench.drills.import_kill", "worker", url, str(file)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_start(proc: subprocess.Popen[str]) -> float:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "start":
        proc.wait(timeout=60)
        raise RuntimeError(
            f"import worker failed to start: {proc.stderr.read() if proc.stderr else ''}"
        )
    return time.perf_counter()


def _run_to_end(url: str, file: Path, timeout: float) -> float:
    proc = _spawn(url, file)
    started = _wait_start(proc)
    assert proc.stdout is not None
    committed = proc.stdout.readline()
    seconds = time.perf_counter() - started
    _out, errors = proc.communicate(timeout=timeout)
    if proc.returncode != 0 or "committed" not in committed:
        raise RuntimeError(f"import failed ({proc.returncode}): {errors[-2000:]}")
    return seconds


# --- checks --------------------------------------------------------------------


def full_digests(url: str) -> dict[str, tuple[int, str]]:
    """Row count and sha256 of every table."""
    from ocop_tracker.backup.service import table_digests
    from ocop_tracker.core.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {n: (t.rows, t.sha256) for n, t in table_digests(conn).items()}
    finally:
        engine.dispose()


def logical_digest(url: str) -> dict[str, tuple[int, str]]:
    """Producers, products and certificates without ids, times or random codes."""
    from ocop_tracker.core.db import make_engine

    engine = make_engine(url)
    found: dict[str, tuple[int, str]] = {}
    try:
        with engine.connect() as conn:
            metadata = MetaData()
            metadata.reflect(conn, only=list(LOGICAL_TABLES))
            for name in LOGICAL_TABLES:
                table = metadata.tables[name]
                columns = [
                    c
                    for c in table.columns
                    if not c.primary_key
                    and c.name not in UNSTABLE_COLUMNS
                    and not isinstance(c.type, sqltypes.DateTime)
                    and all(
                        fk.column.table.name in STABLE_REFERENCES
                        for fk in c.foreign_keys
                    )
                ]
                lines = sorted(
                    json.dumps([str(v) for v in row], ensure_ascii=False)
                    for row in conn.execute(select(*columns))
                )
                digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
                found[name] = (len(lines), digest)
    finally:
        engine.dispose()
    return found


def integrity(url: str) -> str:
    """SQLite's integrity_check ("ok"), or "n/a" on PostgreSQL."""
    if not url.startswith("sqlite"):
        return "ok"
    from ocop_tracker.core.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("PRAGMA integrity_check")).scalar())
    finally:
        engine.dispose()


def _import_events(url: str) -> int:
    from ocop_tracker.audit.models import AuditEvent
    from ocop_tracker.core.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action == "import_ocop_list")
                )
                or 0
            )
    finally:
        engine.dispose()


# --- the drill -----------------------------------------------------------------


def run(
    url_a: str,
    url_b: str,
    workdir: Path,
    *,
    database: str,
    rows: int,
    seeds: Sequence[int],
    log: Log,
) -> DrillResult:
    """The whole drill on two empty databases of one kind; see the module doc."""
    log(f"{database}: setting up two installations")
    hamlets = setup(url_a)
    setup(url_b)
    file = workdir / "ocop-list.xlsx"
    file.write_bytes(make_file(hamlets, rows, seed=48))
    log(f"{database}: clean import of {rows} rows")
    clean = _run_to_end(url_b, file, timeout=1800)
    expected = logical_digest(url_b)
    result = DrillResult(database=database, rows=rows, clean_seconds=clean)
    before = full_digests(url_a)
    events_before = 0
    for seed in seeds:
        fraction = random.Random(seed).uniform(0.05, 0.95)
        proc = _spawn(url_a, file)
        started = _wait_start(proc)
        time.sleep(max(0.0, started + fraction * clean - time.perf_counter()))
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        after = time.perf_counter() - started
        now = full_digests(url_a)
        events = _import_events(url_a)
        if now == before:
            state = NOTHING
        elif logical_digest(url_a) == expected and events == events_before + 1:
            state = WHOLE
            before = now  # what follows starts from the imported state
        else:
            state = PARTLY
        events_before = events
        outcome = KillOutcome(seed, fraction, after, killed, state, integrity(url_a))
        result.kills.append(outcome)
        log(f"{database}: {outcome.describe()}")
    log(f"{database}: import again, to the end")
    result.rerun_seconds = _run_to_end(url_a, file, timeout=1800)
    result.rerun_equal = logical_digest(url_a) == expected
    result.rerun_events = _import_events(url_a) - events_before
    return result


@contextmanager
def _sqlite_pair(workdir: Path) -> Iterator[tuple[str, str]]:
    yield f"sqlite:///{workdir / 'a.db'}", f"sqlite:///{workdir / 'b.db'}"


@contextmanager
def _postgres_pair(admin_url: str) -> Iterator[tuple[str, str]]:
    from bench.databases import postgres_database

    with postgres_database(admin_url) as a, postgres_database(admin_url) as b:
        yield a, b


@contextmanager
def _cluster_pair() -> Iterator[tuple[str, str]]:
    from bench.drills.common import pg_cluster

    with pg_cluster() as cluster, _postgres_pair(cluster.url) as pair:
        yield pair


def main(argv: Sequence[str] | None = None) -> int:
    """The drill from the command line (or the worker, for ``worker URL FILE``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["worker"]:
        _worker(args[1], Path(args[2]))
        return 0
    from bench.databases import DEFAULT_PG_URL

    parser = argparse.ArgumentParser(prog="python -m bench.drills.import_kill")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument(
        "--pg-url", default=os.environ.get("OCOP_BENCH_PG_URL", DEFAULT_PG_URL)
    )
    parser.add_argument(
        "--pg-cluster",
        action="store_true",
        help="a throwaway PostgreSQL cluster on a free port instead of --pg-url",
    )
    opts = parser.parse_args(args)
    import tempfile

    os.environ.setdefault("OCOP_ENV", "test")

    def log(message: str) -> None:
        sys.stderr.write(f"[drill] {message}\n")
        sys.stderr.flush()

    with tempfile.TemporaryDirectory(prefix="ocop-drill-") as tmp:
        pair: AbstractContextManager[tuple[str, str]] = (
            _sqlite_pair(Path(tmp))
            if opts.database == "sqlite"
            else _cluster_pair()
            if opts.pg_cluster
            else _postgres_pair(opts.pg_url)
        )
        with pair as (a, b):
            result = run(
                a,
                b,
                Path(tmp),
                database=opts.database,
                rows=opts.rows,
                seeds=range(1, opts.seeds + 1),
                log=log,
            )
    sys.stdout.write("\n".join(result.lines()) + "\n")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
