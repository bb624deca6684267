"""Drill T49: one uvicorn worker killed (SIGKILL) during 20 concurrent uploads.

What it does (loopback only, under a minute, bounded):

1. An SQLite installation in a temporary directory with the demo data and an
   API token for the Khóm 3 team leader; ``ocop-tracker serve --workers 2``.
2. 20 threads each upload one photo (~2 MB JPEG) to a demo product at once;
   0.4 s later one worker process gets SIGKILL.
3. Findings: the clients of the killed worker get a connection error or a
   5xx, never a half-made photo: every photo row has both its files with the
   right sha256, no file lies without a row (temporary files aside, which the
   next upload's sweep removes once old); the other worker's uploads succeed;
   the master starts a new worker and the service answers again.

    .venv/bin/python -m bench.drills.worker_kill
"""

import argparse
import hashlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select

from bench.drills.common import Checks, free_port, request, stop_group
from bench.drills.common import uvicorn_workers as _workers
from bench.drills.disk_full import _photo, _setup
from ocop_tracker.core.config import PROJECT_DIR

UPLOADS = 20


def run() -> tuple[list[str], bool]:
    """The drill; (lines of findings, passed)."""
    check = Checks()

    with tempfile.TemporaryDirectory(prefix="ocop-drill-worker-") as tmp:
        base = Path(tmp)
        url = f"sqlite:///{base / 'ocop.db'}"
        media = base / "media"
        media.mkdir()
        os.environ["OCOP_MEDIA_DIR"] = str(media)
        token, product_id = _setup(url)
        port = free_port()
        env = {
            **os.environ,
            "OCOP_DATABASE_URL": url,
            "OCOP_ENV": "production",
            "OCOP_SECRET_KEY": secrets.token_hex(32),
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
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(base / "server.log", "wb"),  # noqa: SIM115
            start_new_session=True,
        )
        try:
            end = time.monotonic() + 60
            while time.monotonic() < end:
                try:
                    if (
                        request(port, "GET", "/healthz")[0] == 200
                        and len(_workers(proc.pid)) == 2
                    ):
                        break
                except OSError:
                    pass
                time.sleep(0.3)
            else:
                raise RuntimeError("the server did not start")
            photos = [_photo(100 + i) for i in range(UPLOADS)]
            results: list[tuple[int, str]] = [(0, "")] * UPLOADS

            def upload(i: int) -> None:
                try:
                    status, _ = request(
                        port,
                        "POST",
                        f"/api/v1/products/{product_id}/photos",
                        token,
                        photos[i],
                    )
                    results[i] = (status, "")
                except OSError as exc:
                    results[i] = (0, type(exc).__name__)

            before = _workers(proc.pid)
            threads = [
                threading.Thread(target=upload, args=(i,)) for i in range(UPLOADS)
            ]
            for t in threads:
                t.start()
            time.sleep(0.4)
            victim = before[0]
            os.kill(victim, signal.SIGKILL)
            for t in threads:
                t.join()
            by_status = Counter(s if s else e for s, e in results)
            check.lines.append(
                f"  {UPLOADS} concurrent uploads; worker {victim} killed at 0.4 s: "
                + ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items(), key=str))
            )
            check(
                all(s in (0, 201, 200, 502, 503) for s, _ in results),
                "each client got its photo, a connection error or 502/503 (no 500)",
            )
            check(
                any(s == 201 for s, _ in results),
                "the other worker's uploads succeeded",
            )
            end = time.monotonic() + 30
            replaced: list[int] = []
            while time.monotonic() < end:
                replaced = [p for p in _workers(proc.pid) if p not in before]
                if replaced and request(port, "GET", "/healthz")[0] == 200:
                    break
                time.sleep(0.5)
            check(bool(replaced), f"the master started a new worker ({replaced})")
            check.lines += _consistency(url, media, check)
            status, _ = request(
                port,
                "POST",
                f"/api/v1/products/{product_id}/photos",
                token,
                _photo(999),
            )
            check(status == 201, f"a new upload afterwards succeeds ({status})")
        finally:
            stop_group(proc)
    return check.lines, check.ok


def _consistency(
    url: str, media: Path, check: Callable[[bool, str], None]
) -> list[str]:
    from ocop_tracker.core.db import make_engine
    from ocop_tracker.photos import storage
    from ocop_tracker.photos.models import Photo

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Photo.id, Photo.sha256, Photo.thumb_sha256)
            ).all()
    finally:
        engine.dispose()
    wanted = {h for _, a, b in rows for h in (a, b)}
    broken = []
    for h in wanted:
        try:
            if hashlib.sha256(storage.read(h)).hexdigest() != h:
                broken.append(h)
        except FileNotFoundError:
            broken.append(h)
    check(
        not broken, f"every photo row has its files, sha256 intact ({len(rows)} rows)"
    )
    stored = {digest for digest, _ in storage.stored_hashes()}
    orphans = stored - wanted
    check(not orphans, f"no file without its row ({len(orphans)})")
    temp = list((media / "photos").rglob(".tmp-*"))
    return [
        f"  temporary files left by the killed worker: {len(temp)} (swept when old)"
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the drill and print what it found."""
    argparse.ArgumentParser(prog="python -m bench.drills.worker_kill").parse_args(argv)
    os.environ.setdefault("OCOP_ENV", "test")
    lines, ok = run()
    sys.stdout.write(
        "T49 worker killed during 20 concurrent uploads (serve --workers 2, loopback):\n"
        + "\n".join(lines)
        + f"\n  outcome: {'PASS' if ok else 'FAIL'}\n"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
