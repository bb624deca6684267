"""What every drill shares: a spare loopback port, progress lines, PASS/FAIL
findings, a throwaway PostgreSQL cluster, the demo installation and
``ocop-tracker serve`` started and stopped around a drill."""

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench import load
from ocop_tracker.core.config import PROJECT_DIR


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def say(line: str) -> None:
    """A progress line on stderr (the findings go to stdout)."""
    sys.stderr.write(f"[drill] {line}\n")
    sys.stderr.flush()


class Checks:
    """Findings as "[PASS] …" / "[FAIL] …" lines; passed while every check holds."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.ok = True

    def __call__(self, passed: bool, line: str) -> None:
        self.lines.append(f"  [{'PASS' if passed else 'FAIL'}] {line}")
        self.ok = self.ok and passed


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster."""

    bin: Path
    data: Path
    port: int
    as_root: bool
    log: str
    options: str = ""

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of its ``postgres`` database, straight to the server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

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
def pg_cluster() -> Iterator[Cluster]:
    """``initdb`` in a temporary directory, started on a free 127.0.0.1 port;
    stopped (immediate) and removed on the way out, whatever happened."""
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
    try:
        subprocess.run(init, check=True, capture_output=True)
        cluster.ctl(
            "-l", cluster.log, "-w", "-o", cluster.options, "start",
        )  # fmt: skip
        yield cluster
    finally:
        with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            cluster.ctl("-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    """The drill's database: an SQLite file in ``tmp``, or a throwaway cluster."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'ocop.db'}"
        return
    with pg_cluster() as cluster:
        yield cluster.url


@dataclass
class Setup:
    """What the load needs to know about the installation."""

    codes: list[str]
    hamlet_id: int
    product_id: int
    official_token: str
    leader_token: str
    producer_id: int = 0  # a producer of the team's hamlet
    product_ids: tuple[int, ...] = ()  # the products of the team's hamlet
    member_token: str = ""


def demo_setup(url: str) -> Setup:
    """Schema at head, the demo data, API tokens for an official and the Khóm 3
    team leader, the public codes and one product of that leader's hamlet."""
    from ocop_tracker.auth import service as auth_service
    from ocop_tracker.core import migrate
    from ocop_tracker.core.db import make_engine
    from ocop_tracker.demo import service as demo_service
    from ocop_tracker.producers.models import Producer
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
            member = user_repository.by_login(session, "thanhvien.khom3")
            assert member is not None
            member_token, _ = auth_service.create_token(session, member, name="drill")
            team = session.scalars(
                select(Team).where(Team.hamlet_id == leader.area_id)
            ).first()
            assert team is not None
            product_id = session.scalars(
                select(Product.id)
                .where(Product.hamlet_id == leader.area_id)
                .order_by(Product.id)
            ).first()
            assert product_id is not None
            product_ids = tuple(
                session.scalars(
                    select(Product.id).where(Product.hamlet_id == leader.area_id)
                )
            )
            producer_id = session.scalars(
                select(Producer.id).where(Producer.hamlet_id == leader.area_id)
            ).first()
            assert producer_id is not None
            codes = list(session.scalars(select(Product.public_code)))
            session.commit()
            return Setup(
                codes,
                team.hamlet_id,
                product_id,
                official_token,
                leader_token,
                producer_id=producer_id,
                product_ids=product_ids,
                member_token=member_token,
            )
    finally:
        engine.dispose()


def field_mix(setup: Setup) -> list[load.Request]:
    """The field traffic of T44/T45 for ``bench/load.py``: 80 % public product
    pages, 15 % product lists as the official, 5 % producers created by the
    team leader (writes whose ids are acknowledged)."""
    official = {"Authorization": f"Bearer {setup.official_token}"}
    leader = {"Authorization": f"Bearer {setup.leader_token}"}
    return [
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


def team_writes(setup: Setup) -> list[load.Request]:
    """A hamlet team writing at the same moment (the leader and a member adding
    products and households, the official printing cards, a customer opening a
    public page): writes, and reads that write on the side (a kept QR matrix,
    a token's last use, scan counts)."""
    leader = {"Authorization": f"Bearer {setup.leader_token}"}
    member = {"Authorization": f"Bearer {setup.member_token or setup.leader_token}"}
    official = {"Authorization": f"Bearer {setup.official_token}"}
    return [
        load.Request(
            "add product", "POST", lambda _rng, _n: "/api/v1/products", 30, leader,
            body=lambda _rng, n: {
                "producer_id": setup.producer_id,
                "name": f"Sản phẩm tải {n}",
                "kind": "ocop",
            },
        ),
        load.Request(
            "add producer", "POST", lambda _rng, _n: "/api/v1/producers", 30, member,
            body=lambda _rng, n: {
                "hamlet_id": setup.hamlet_id,
                "kind": "household",
                "name": f"Hộ Sản Xuất Tải {n}",
            },
        ),
        load.Request(
            "print card", "GET",
            lambda rng, _n: f"/api/v1/cards.pdf?product_ids={rng.choice(setup.product_ids)}",
            2, official,
        ),
        load.Request(
            "public page", "GET",
            lambda rng, _n: f"/p/{rng.choice(setup.codes)}", 38,
        ),
    ]  # fmt: skip


# A card print beyond the hourly limit per user (cards.service.BATCHES_PER_HOUR)
# is refused by design: a closed loop of writers reaches it within a minute.
LIMITED = {("print card", 429)}


def http_status(port: int, path: str, timeout: float = 2.0) -> int:
    """The status of one GET to 127.0.0.1:``port`` (0: no answer)."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            return conn.getresponse().status
        finally:
            conn.close()
    except (OSError, http.client.HTTPException):
        return 0


def request(
    port: int,
    method: str,
    path: str,
    token: str | None = None,
    body: bytes | None = None,
    content_type: str = "image/jpeg",
    *,
    forwarded: str | None = None,
) -> tuple[int, bytes]:
    """One request to 127.0.0.1:``port``: (status, body). ``forwarded``: the
    phone's address, as the proxy at 127.0.0.1 would pass it on."""
    headers = {"Host": "127.0.0.1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = content_type
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def server_env(
    url: str, media: Path, port: int, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of a production ``serve`` on 127.0.0.1:``port``."""
    return {
        **os.environ,
        "OCOP_DATABASE_URL": url,
        "OCOP_ENV": "production",
        "OCOP_SECRET_KEY": secrets.token_hex(32),
        "OCOP_MEDIA_DIR": str(media),
        "OCOP_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **(extra or {}),
    }


@contextmanager
def running(
    command: list[str],
    env: dict[str, str],
    port: int,
    log: Path,
    *,
    start_s: float = 90,
) -> Iterator[subprocess.Popen[bytes]]:
    """A server started by ``command`` in a process group of its own, once it
    answers ``/healthz`` on ``port``; the whole group is stopped on the way out
    (SIGTERM, then SIGKILL after 20 s). Its stderr goes to ``log``."""
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    try:
        end = time.monotonic() + start_s
        while http_status(port, "/healthz") != 200:
            if time.monotonic() > end or proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.3)
        yield proc
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server's whole process group: SIGTERM, then SIGKILL after 20 s."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextmanager
def serve(
    url: str,
    port: int,
    media: Path,
    *,
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """``ocop-tracker serve --workers N`` with production settings on
    127.0.0.1:``port``, trusting the proxy at 127.0.0.1; waits for ``/healthz``
    and stops the whole process group on the way out. Its log goes to
    ``server.log`` next to ``media``."""
    command = [
        sys.executable, "-m", "ocop_tracker", "serve", "--workers", str(workers),
        "--port", str(port), "--forwarded-allow-ips", "127.0.0.1",
    ]  # fmt: skip
    with running(
        command,
        server_env(url, media, port, extra_env),
        port,
        media.parent / "server.log",
    ) as proc:
        yield proc


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(t) for t in text]
    return found


def uvicorn_workers(master: int) -> list[int]:
    """uvicorn's worker processes (spawned children; not the resource tracker)."""
    found = []
    for pid in _children(master):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "spawn_main" in cmdline and "resource_tracker" not in cmdline:
            found.append(pid)
    return found


def check_writes(
    check: Callable[[bool, str], None], result: load.LoadResult, url: str
) -> None:
    """Every write the load saw acknowledged is in the database with exactly one
    audit row, and no producer of the load was written twice."""
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
    finally:
        engine.dispose()
    check(
        len(present) == len(acknowledged),
        f"every acknowledged write is there ({len(present)} of {len(acknowledged)})",
    )
    once = sum(1 for i in acknowledged if audited.get(str(i)) == 1)
    check(
        once == len(acknowledged),
        f"one audit row per acknowledged write ({once} of {len(acknowledged)})",
    )
    check(duplicates == 0, f"no duplicate writes ({duplicates})")
