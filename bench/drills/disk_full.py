"""Drill T47: the media disk fills up during photo uploads (a real full disk).

What it does (loopback only, under a minute, bounded):

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

    .venv/bin/python -m bench.drills.disk_full [--size-mb 8]

Needs root (``unshare -m`` and ``mount``); without it, it says so and stops.
"""

import argparse
import hashlib
import http.client
import io
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.drills.common import Checks, free_port
from ocop_tracker.core.config import PROJECT_DIR


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


def _request(
    port: int,
    method: str,
    path: str,
    token: str | None = None,
    body: bytes | None = None,
) -> tuple[int, bytes]:
    headers = {"Host": "127.0.0.1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "image/jpeg"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


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
        env = {
            **os.environ,
            "OCOP_DATABASE_URL": url,
            "OCOP_ENV": "production",
            "OCOP_SECRET_KEY": secrets.token_hex(32),
            "OCOP_MEDIA_DIR": str(media),
        }
        script = (
            f"mount -t tmpfs -o size={size_mb}m tmpfs {media} && "
            f"exec {sys.executable} -m ocop_tracker serve --port {port}"
        )
        proc = subprocess.Popen(
            ["unshare", "-m", "sh", "-c", script],
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
                    if _request(port, "GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.3)
            else:
                raise RuntimeError("the server did not start")
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
                status, body = _request(
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
                _request(port, "GET", "/healthz")[0] == 200,
                "the app stays up (/healthz 200)",
            )
            ready = json.loads(_request(port, "GET", "/readyz")[1])
            check(ready.get("status") == "degraded", f"/readyz says degraded ({ready})")
            if stored and refusal is not None:
                status, _ = _request(
                    port, "DELETE", f"/api/v1/photos/{stored[0]}", token
                )
                again, _ = _request(
                    port, "POST", f"/api/v1/products/{product_id}/photos", token, photo
                )
                check(
                    status == 204 and again in (200, 201),
                    f"after deleting a photo ({status}) the same upload succeeds ({again})",
                )
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return check.lines, check.ok


def main(argv: Sequence[str] | None = None) -> int:
    """Run the drill and print what it found."""
    parser = argparse.ArgumentParser(prog="python -m bench.drills.disk_full")
    parser.add_argument("--size-mb", type=int, default=8)
    parser.add_argument("--max-uploads", type=int, default=10)
    args = parser.parse_args(argv)
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        sys.stdout.write(
            "T47 disk full: needs root and unshare(1) for a tmpfs; not run\n"
        )
        return 2
    os.environ.setdefault("OCOP_ENV", "test")
    lines, ok = run(args.size_mb, args.max_uploads)
    sys.stdout.write(
        "T47 media disk full during uploads (real tmpfs, serve, loopback):\n"
        + "\n".join(lines)
        + f"\n  outcome: {'PASS' if ok else 'FAIL'}\n"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
