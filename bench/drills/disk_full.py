"""Drill T47: a real full disk, under the media directory and under the SQLite file.

Case ``media`` (loopback only, under a minute, bounded):

1. An SQLite installation in a temporary directory with the demo data and an
   API token for the Khóm 3 team leader.
2. ``ocop-tracker serve`` started inside a mount namespace of its own
   (``unshare -m``) where the media directory is a tmpfs of ``--size-mb``
   (default 8 MiB): the real ENOSPC path, not an injected one. The drill reads
   that filesystem through ``/proc/<server pid>/root``.
3. Photos of about 3 MB (12 Mpx of noise, JPEG) uploaded one after another to
   a demo product until one is refused (at most ``--max-uploads``).
4. Findings: the refusal is 507 (or 503) with a generic message; no temporary
   file left in the media directory; the files of the photos stored before are
   unchanged (sha256); the app stays up (``/healthz`` 200) and ``/readyz``
   reports the media as low; after deleting one photo through the API, the
   same upload succeeds.

Case ``database`` (loopback only, under a minute, bounded):

1. The same SQLite installation, prepared outside, then copied onto a tmpfs
   mounted in the server's own mount namespace (``unshare -m``): the database
   file itself lives on the small filesystem (the media directory does not).
2. The drill fills that filesystem through ``/proc/<server pid>/root`` with a
   filler file until ``--headroom-kb`` (default 160 KiB) is left, then the
   team leader creates producers one after another until one is refused (at
   most ``--max-writes``), with public and list reads in between.
3. Findings: the refusal is 503 (or 507) with a generic body that names no
   path, errno, driver or trace; nothing half-written (the refused producer is
   absent, every acknowledged one present with one audit row); reads still
   answer; ``PRAGMA integrity_check`` ok (while the disk is full);
   the app stays up (``/healthz`` 200); after the filler is deleted, the same
   write succeeds, and ``integrity_check`` is ok again.

    .venv/bin/python -m bench.drills.disk_full [--case media|database|both] [--size-mb 8]

Needs root (``unshare -m`` and ``mount``); without it, it says so and stops.
"""

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.drills.common import (
    Checks,
    demo_setup,
    free_port,
    http_status,
    request,
    running,
    server_env,
)


def _photo(seed: int) -> bytes:
    """A 4000×3000 JPEG of coarse noise: about 3 MB, as a phone's photo."""
    rng = random.Random(seed)
    small = Image.frombytes("RGB", (500, 375), rng.randbytes(500 * 375 * 3))
    out = io.BytesIO()
    small.resize((4000, 3000), Image.Resampling.NEAREST).save(out, "JPEG", quality=85)
    return out.getvalue()


def _setup(url: str) -> tuple[str, int]:
    from ocop_tracker.auth import service as auth_service
    from ocop_tracker.core import migrate
    from ocop_tracker.core.db import make_engine
    from ocop_tracker.demo import service as demo_service
    from ocop_tracker.products.models import Product
    from ocop_tracker.users import repository as user_repository

    migrate.upgrade("head", url=url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            demo_service.load(session)
            leader = user_repository.by_login(session, "totruong.khom3")
            assert leader is not None
            token, _ = auth_service.create_token(session, leader, name="drill")
            product = session.scalars(
                select(Product)
                .where(Product.hamlet_id == leader.area_id)
                .order_by(Product.id)
            ).first()
            assert product is not None
            session.commit()
            return token, product.id
    finally:
        engine.dispose()


def _files(root: Path) -> dict[str, str]:
    found = {}
    for path in root.rglob("*"):
        if path.is_file():
            found[str(path.relative_to(root))] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return found


def run(size_mb: int, max_uploads: int) -> tuple[list[str], bool]:
    """The drill; (lines of findings, passed)."""
    check = Checks()

    with tempfile.TemporaryDirectory(prefix="ocop-drill-disk-") as tmp:
        base = Path(tmp)
        url = f"sqlite:///{base / 'ocop.db'}"
        media = base / "media"
        media.mkdir()
        token, product_id = _setup(url)
        port = free_port()
        mount = f"mount -t tmpfs -o size={size_mb}m tmpfs {media}"
        with _unshared_server(mount, url, media, port, base / "server.log") as proc:
            inside = Path(f"/proc/{proc.pid}/root") / str(media).lstrip("/")
            total, _, free = shutil.disk_usage(inside)
            check.lines.append(
                f"  media directory: tmpfs of {total / 2**20:.0f} MiB inside the "
                f"server's mount namespace ({free / 2**20:.1f} MiB free)"
            )
            stored: list[int] = []
            refusal: tuple[int, bytes] | None = None
            before: dict[str, str] = {}
            photo = b""
            for n in range(max_uploads):
                photo = _photo(n)
                before = _files(inside)
                status, body = request(
                    port, "POST", f"/api/v1/products/{product_id}/photos", token, photo
                )
                if status in (200, 201):
                    stored.append(int(json.loads(body)["id"]))
                    continue
                refusal = (status, body)
                break
            free_after = shutil.disk_usage(inside).free
            check.lines.append(
                f"  {len(stored)} photos of ~{len(photo) / 2**20:.1f} MB stored, then "
                + (
                    f"upload {len(stored) + 1} answered {refusal[0]}"
                    if refusal
                    else "no refusal"
                )
                + f"; {free_after / 2**20:.1f} MiB free"
            )
            check(
                refusal is not None and refusal[0] in (503, 507),
                f"the upload that does not fit is refused with 507/503 "
                f"({refusal[0] if refusal else 'none'})",
            )
            if refusal is not None:
                text = refusal[1].decode("utf-8", "replace")
                check(
                    not any(
                        w in text for w in ("Traceback", "Errno", "ENOSPC", str(media))
                    ),
                    "the refusal names no path, errno or trace",
                )
            after = _files(inside)
            temp = [name for name in after if Path(name).name.startswith(".")]
            check(not temp, f"no temporary file left ({len(temp)})")
            changed = [k for k, v in before.items() if after.get(k) != v]
            check(
                not changed, f"files stored before are unchanged ({len(before)} files)"
            )
            check(
                request(port, "GET", "/healthz")[0] == 200,
                "the app stays up (/healthz 200)",
            )
            ready = json.loads(request(port, "GET", "/readyz")[1])
            check(ready.get("status") == "degraded", f"/readyz says degraded ({ready})")
            if stored and refusal is not None:
                status, _ = request(
                    port, "DELETE", f"/api/v1/photos/{stored[0]}", token
                )
                again, _ = request(
                    port, "POST", f"/api/v1/products/{product_id}/photos", token, photo
                )
                check(
                    status == 204 and again in (200, 201),
                    f"after deleting a photo ({status}) the same upload succeeds ({again})",
                )
    return check.lines, check.ok


@contextmanager
def _unshared_server(
    mount: str, url: str, media: Path, port: int, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``ocop-tracker serve`` in a mount namespace of its own, after ``mount``
    (a shell command) ran in it; waits for ``/healthz``, stops it on the way
    out (the namespace, and its tmpfs, go with it)."""
    script = f"{mount} && exec {sys.executable} -m ocop_tracker serve --port {port}"
    with running(
        ["unshare", "-m", "sh", "-c", script],
        server_env(url, media, port),
        port,
        log,
        start_s=60,
    ) as proc:
        yield proc


# Run in the server's mount namespace (nsenter): SQLite resolves symbolic
# links in a file name, so /proc/<pid>/root/... would open the file under the
# mount point in ours instead.
_QUERY = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=10)
out = {"integrity": ", ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))}
out["producers"] = dict(conn.execute(
    "SELECT name, id FROM producers WHERE name LIKE ?", (sys.argv[2] + "%",)))
out["audited"] = [r[0] for r in conn.execute(
    "SELECT object_id FROM audit_events WHERE object_type = 'producers' "
    "AND action = 'create'")]
conn.close()
print(json.dumps(out))
"""


def _inspect(pid: int, path: Path, prefix: str) -> dict[str, Any]:
    """``PRAGMA integrity_check`` of the SQLite file at ``path`` as the server
    sees it, its producers named ``prefix…`` (name → id) and the ids of their
    create audit rows. A read over a read-write connection (a read-only one
    cannot join a WAL database whose ``-shm`` another process holds)."""
    done = subprocess.run(
        ["nsenter", "-t", str(pid), "-m", sys.executable, "-c", _QUERY,
         str(path), prefix],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    found: dict[str, Any] = json.loads(done.stdout)
    return found


LEAK_WORDS = ("Traceback", "Errno", "ENOSPC", "sqlite", "SQLITE", "disk", "/tmp")


def run_database(headroom_kb: int, max_writes: int) -> tuple[list[str], bool]:
    """The database case; (lines of findings, passed)."""
    check = Checks()
    prefix = "Hộ Đĩa Đầy "
    with tempfile.TemporaryDirectory(prefix="ocop-drill-dbfull-") as tmp:
        base = Path(tmp)
        seed, db_dir, media = base / "seed", base / "db", base / "media"
        for d in (seed, db_dir, media):
            d.mkdir()
        setup = demo_setup(f"sqlite:///{seed / 'ocop.db'}")
        size = sum(f.stat().st_size for f in seed.iterdir())
        tmpfs_kb = size // 1024 + 4096
        port = free_port()
        mount = (
            f"mount -t tmpfs -o size={tmpfs_kb}k tmpfs {db_dir} && "
            f"cp {seed}/ocop.db* {db_dir}/"
        )
        url = f"sqlite:///{db_dir / 'ocop.db'}"
        with _unshared_server(mount, url, media, port, base / "server.log") as proc:
            inside = Path(f"/proc/{proc.pid}/root") / str(db_dir).lstrip("/")
            filler = inside / "filler"
            with open(filler, "wb") as out:
                free = shutil.disk_usage(inside).free
                out.write(b"\0" * max(0, free - headroom_kb * 1024))
            total, _, free = shutil.disk_usage(inside)
            check.lines.append(
                f"  SQLite file on a tmpfs of {total / 2**20:.1f} MiB inside the "
                f"server's mount namespace, filled to {free / 1024:.0f} KiB free"
            )

            def create(n: int) -> tuple[int, bytes]:
                body = json.dumps(
                    {
                        "hamlet_id": setup.hamlet_id,
                        "kind": "household",
                        "name": f"{prefix}{n}",
                        "representative": "Nguyễn Văn Đầy " * 7,
                    }
                ).encode()
                return request(
                    port, "POST", "/api/v1/producers", setup.leader_token, body,
                    "application/json",
                )  # fmt: skip

            acknowledged: list[int] = []
            refusal: tuple[int, bytes] | None = None
            reads: Counter[int] = Counter()
            n = 0
            for n in range(max_writes):
                status, body = create(n)
                if status in (200, 201):
                    acknowledged.append(int(json.loads(body)["id"]))
                else:
                    refusal = (status, body)
                    break
                code = setup.codes[n % len(setup.codes)]
                reads[http_status(port, f"/p/{code}", 10)] += 1
            check.lines.append(
                f"  {len(acknowledged)} producers created, then "
                + (f"write {n + 1} answered {refusal[0]}" if refusal else "no refusal")
                + f"; {shutil.disk_usage(inside).free / 1024:.0f} KiB free"
            )
            check(
                refusal is not None and refusal[0] in (503, 507),
                f"the write that does not fit is refused with 503/507 "
                f"({refusal[0] if refusal else 'none'})",
            )
            if refusal is not None:
                text = refusal[1].decode("utf-8", "replace")
                check(
                    not any(w in text for w in LEAK_WORDS),
                    f"the refusal is generic: {text[:120]!r}",
                )
            status, _ = request(
                port, "GET", "/api/v1/products?limit=20", setup.official_token
            )
            reads[status] += 1
            reads[http_status(port, f"/p/{setup.codes[0]}", 10)] += 1
            check(
                set(reads) == {200},
                f"reads answer while the disk is full ({dict(reads)})",
            )
            check(
                http_status(port, "/healthz") == 200, "the app stays up (/healthz 200)"
            )
            seen = _inspect(proc.pid, db_dir / "ocop.db", prefix)
            check(
                seen["integrity"] == "ok",
                f"integrity_check while full: {seen['integrity']}",
            )
            names: dict[str, int] = seen["producers"]
            audited = Counter(str(i) for i in seen["audited"])
            half = f"{prefix}{n}" in names if refusal else False
            check(not half, "the refused producer is not in the database")
            once = sum(1 for i in acknowledged if audited.get(str(i)) == 1)
            check(
                set(names.values()) == set(acknowledged) and once == len(acknowledged),
                f"every acknowledged producer present once with its audit row "
                f"({len(names)} rows, {once} audited, {len(acknowledged)} acknowledged)",
            )
            filler.unlink()
            again, _ = create(n)
            check(
                again in (200, 201),
                f"after freeing space the same write succeeds ({again})",
            )
            check(
                http_status(port, "/readyz", 10) == 200,
                "readiness ready after space is freed",
            )
            after = _inspect(proc.pid, db_dir / "ocop.db", prefix)["integrity"]
            check(after == "ok", f"integrity_check after recovery: {after}")
        events = (
            (base / "server.log")
            .read_text(errors="replace")
            .count("database unavailable")
        )
        check(events == 1, f"one log event for the refusal ({events})")
    return check.lines, check.ok


def main(argv: Sequence[str] | None = None) -> int:
    """Run the drill and print what it found."""
    parser = argparse.ArgumentParser(prog="python -m bench.drills.disk_full")
    parser.add_argument("--size-mb", type=int, default=8)
    parser.add_argument("--max-uploads", type=int, default=10)
    parser.add_argument("--case", choices=("media", "database", "both"), default="both")
    parser.add_argument("--headroom-kb", type=int, default=160)
    parser.add_argument("--max-writes", type=int, default=400)
    args = parser.parse_args(argv)
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        sys.stdout.write(
            "T47 disk full: needs root and unshare(1) for a tmpfs; not run\n"
        )
        return 2
    os.environ.setdefault("OCOP_ENV", "test")
    passed = True
    if args.case in ("media", "both"):
        lines, ok = run(args.size_mb, args.max_uploads)
        sys.stdout.write(
            "T47 media disk full during uploads (real tmpfs, serve, loopback):\n"
            + "\n".join(lines)
            + f"\n  outcome: {'PASS' if ok else 'FAIL'}\n"
        )
        passed = passed and ok
    if args.case in ("database", "both"):
        lines, ok = run_database(args.headroom_kb, args.max_writes)
        sys.stdout.write(
            "T47 SQLite file on a full filesystem (real tmpfs, serve, loopback):\n"
            + "\n".join(lines)
            + f"\n  outcome: {'PASS' if ok else 'FAIL'}\n"
        )
        passed = passed and ok
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
