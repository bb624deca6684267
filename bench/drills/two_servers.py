"""Drill: two app servers on one database and one object store (issue #20 item 6).

What it does (loopback only, bounded, a few minutes):

1. The database: a throwaway PostgreSQL cluster (default) or an SQLite file,
   the schema at head and the demo data; API tokens for an official and a team
   leader. The media: an S3 protocol server on 127.0.0.1 (moto's server mode,
   ``bench/drills/object_store.py``) behind a TCP proxy the drill can cut
   (``latency_proxy.FaultProxy``); ``--media file`` puts them in one folder
   on this machine instead.
2. Two ``ocop-tracker serve --workers 2`` on two ports (A and B), production
   settings, one database and one media store.
3. **An edit through A, seen on B**, ``--rounds`` times (default 40): B serves
   a product's public page until both its workers have it cached; the
   official renames the product through A's API; B's page is then read every
   5 ms until 5 reads in a row show the new name. The delay runs from A's
   answer to the first of those reads (p50, p99, max).
4. **An upload through A, served by B at once**: the leader uploads a photo
   through A; B answers the photo's rendition from the first request.
5. **One sign-in limit across both**: with the per-account limit set to 10
   failures an hour, wrong passwords sent to A and B in turn; the 11th is
   refused with 429 whichever server takes it.
6. **One public page limit across both**: with the per-address limit set to
   ``PUBLIC_LIMIT`` a minute, one phone (one forwarded address) opens a page
   20 times a second, in turn on A and B, for 4 seconds; the four workers
   together let through at most the limit and what half a second of exchange
   lets by (without sharing, each worker would let through the limit).
7. **The store stopped for 10 s** (S3 only: the proxy resets every
   connection): uploads through A and B answer 503 with Retry-After; public
   pages and a photo both servers had read answer 200; ``/readyz`` says
   "degraded" (never 503: the servers stay behind the load balancer); once
   the store is back the next upload succeeds with no restart.
8. **A killed mid-upload**: uploads go to A one after another while A's whole
   process group is killed (SIGKILL); B keeps serving pages and photos and
   takes an upload; every photo row has both its objects, each with the
   SHA-256 its name says, and no object is half-written (orphans, objects
   stored by a request that never committed, are counted; ``photos gc``
   removes them).

    .venv/bin/python -m bench.drills.two_servers [--database postgres|sqlite]
        [--media s3|file] [--rounds 40]
"""

import argparse
import hashlib
import http.client
import io
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from bench.drills.common import (
    Checks,
    Setup,
    database,
    demo_setup,
    free_port,
    request,
    running,
    say,
    server_env,
)
from bench.drills.latency_proxy import FaultProxy
from bench.drills.object_store import S3Server
from ocop_tracker.core.config import get_settings

LIMIT = 10  # failed sign-ins per account an hour, for the drill
PUBLIC_LIMIT = 30  # public requests per address a minute, for the drill
SHOWN_IN_A_ROW = 5
WAIT_S = 10.0  # at most, for one change to show on B
STORE_DOWN_S = 10.0


def stop_group_now(proc: subprocess.Popen[bytes]) -> None:
    """Kill a server's whole process group at once (SIGKILL: no clean exit)."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _json(
    port: int, method: str, path: str, token: str | None = None, body: Any = None
) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    return request(port, method, path, token, data, "application/json")


@dataclass
class Media:
    """Where the servers keep photos: settings, and the proxy before the store."""

    env: dict[str, str]
    proxy: FaultProxy | None = None


@contextmanager
def _media(kind: str, tmp: Path) -> Iterator[Media]:
    if kind == "file":
        yield Media({"OCOP_MEDIA_DIR": str(tmp / "media")})
        return
    server = S3Server().start()
    try:
        bucket = server.bucket("drill")
        proxy = FaultProxy(server.port)
        proxy.start()
        try:
            env = {
                **server.settings(),
                "OCOP_S3_ENDPOINT": f"http://127.0.0.1:{proxy.port}",
                "OCOP_MEDIA_URL": f"s3://{bucket}/tinh",
            }
            yield Media(env, proxy)
        finally:
            proxy.stop()
    finally:
        server.stop()


@contextmanager
def _servers(
    url: str, tmp: Path, media: Media
) -> Iterator[tuple[tuple[int, int], tuple[subprocess.Popen[bytes], ...]]]:
    ports = (free_port(), free_port())
    procs = []
    with ExitStack() as stack:
        for name, port in zip("AB", ports, strict=True):
            command = [
                sys.executable, "-m", "ocop_tracker", "serve", "--workers", "2",
                "--port", str(port), "--forwarded-allow-ips", "127.0.0.1",
            ]  # fmt: skip
            env = server_env(
                url,
                tmp / "media",
                port,
                {
                    "OCOP_LOGIN_FAILURES_PER_ACCOUNT": str(LIMIT),
                    "OCOP_PUBLIC_RATE_LIMIT": str(PUBLIC_LIMIT),
                    **media.env,
                },
            )
            procs.append(
                stack.enter_context(
                    running(command, env, port, tmp / f"server-{name}.log")
                )
            )
        yield ports, tuple(procs)


_phones = itertools.count()


def _name_shown(port: int, code: str, name: str) -> bool:
    """B's page shows ``name`` (each read from another phone: under the limit)."""
    n = next(_phones)
    status, body = request(
        port, "GET", f"/p/{code}", forwarded=f"127.1.{n // 250 % 250}.{n % 250 + 1}"
    )
    if status != 200:
        raise RuntimeError(f"public page answered {status}")
    return name.encode() in body


def _edit_rounds(check: Checks, setup: Setup, a: int, b: int, rounds: int) -> None:
    delays: list[float] = []
    missed = 0
    product_id = setup.product_id
    status, body = _json(
        a, "GET", f"/api/v1/products/{product_id}", setup.official_token
    )
    product = json.loads(body)
    code, version = product["public_code"], product["version"]
    for n in range(rounds):
        old = product["name"] if n == 0 else f"Sản phẩm đổi tên lần {n}"
        for _ in range(8):  # both of B's workers keep the page
            _name_shown(b, code, old)
        new = f"Sản phẩm đổi tên lần {n + 1}"
        status, body = _json(
            a,
            "PATCH",
            f"/api/v1/products/{product_id}",
            setup.official_token,
            {"name": new, "version": version},
        )
        if status != 200:
            check(False, f"rename through A answered {status}: {body[:200]!r}")
            return
        version = json.loads(body)["version"]
        done = time.monotonic()
        first: float | None = None
        in_a_row = 0
        while time.monotonic() - done < WAIT_S and in_a_row < SHOWN_IN_A_ROW:
            at = time.monotonic()
            if _name_shown(b, code, new):
                first = at if in_a_row == 0 else first
                in_a_row += 1
            else:
                in_a_row, first = 0, None
            time.sleep(0.005)
        if in_a_row < SHOWN_IN_A_ROW or first is None:
            missed += 1
        else:
            delays.append(max(0.0, first - done))
    ordered = sorted(delays)
    p50 = statistics.median(ordered) if ordered else float("nan")
    p99 = (
        ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        if ordered
        else float("nan")
    )
    check(
        missed == 0 and bool(ordered) and ordered[-1] <= 1.0,
        f"an edit through A shown by every read of B within 1 s: {len(ordered)} of {rounds} "
        f"rounds; delay p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {(ordered[-1] if ordered else float('nan')) * 1000:.0f} ms",
    )


def _photo(seed: int = 0) -> bytes:
    image = Image.new("RGB", (1600, 1200), (90, 140, 60))
    image.putpixel((seed % 1600, seed // 1600 % 1200), (seed % 256, 7, 9))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _upload(check: Checks, setup: Setup, a: int, b: int) -> None:
    product_id = setup.product_ids[-1] if setup.product_ids else setup.product_id
    status, body = request(
        a, "POST", f"/api/v1/products/{product_id}/photos", setup.leader_token, _photo()
    )
    if status != 201:
        check(False, f"upload through A answered {status}: {body[:200]!r}")
        return
    url = json.loads(body)["url"]
    status, got = request(b, "GET", url, setup.leader_token)
    check(
        status == 200 and len(got) > 0,
        f"a photo uploaded through A served by B at once: {url} → {status}, {len(got)} bytes",
    )


def _sign_in_limit(check: Checks, a: int, b: int) -> None:
    statuses: list[int] = []
    for n in range(LIMIT + 2):
        port = (a, b)[n % 2]
        status, _ = _json(
            port,
            "POST",
            "/api/v1/auth/login",
            body={"login": "canbo.khom3", "password": f"sai-mat-khau-{n}"},
        )
        statuses.append(status)
    expected = [401] * LIMIT + [429, 429]
    check(
        statuses == expected,
        f"one sign-in limit across A and B ({LIMIT} failures an hour): "
        f"{statuses.count(401)} refused as wrong, then {statuses[LIMIT:]}",
    )


def _public_limit(check: Checks, setup: Setup, a: int, b: int) -> None:
    code = setup.codes[-1]
    passed = refused = 0
    for n in range(80):  # 20 a second for 4 seconds
        status, _ = request((a, b)[n % 2], "GET", f"/p/{code}", forwarded="127.9.9.9")
        passed += status == 200
        refused += status == 429
        time.sleep(0.05)
    bound = PUBLIC_LIMIT + 10  # half a second at 20 a second
    check(
        passed <= bound and passed + refused == 80,
        f"one public limit across A and B ({PUBLIC_LIMIT} a minute per address): "
        f"{passed} of 80 requests let through, {refused} refused "
        f"(at most {bound} expected; {4 * PUBLIC_LIMIT} if each worker counted alone)",
    )


def _store_stopped(check: Checks, setup: Setup, media: Media, a: int, b: int) -> None:
    assert media.proxy is not None
    product_id = setup.product_ids[-1] if setup.product_ids else setup.product_id
    status, body = request(
        a,
        "POST",
        f"/api/v1/products/{product_id}/photos",
        setup.leader_token,
        _photo(1),
    )
    if status != 201:
        check(False, f"upload before the stop answered {status}: {body[:200]!r}")
        return
    photo_url = json.loads(body)["url"]
    for n in range(40):  # every worker of A and B reads it once at least
        request((a, b)[n % 2], "GET", photo_url, setup.leader_token)
    code = setup.codes[-1]
    uploads: Counter[str] = Counter()
    pages: Counter[int] = Counter()
    photos: Counter[int] = Counter()
    ready: Counter[str] = Counter()
    media.proxy.set_mode("reset")
    stopped = time.monotonic()
    n = 0
    while time.monotonic() - stopped < STORE_DOWN_S:
        port = (a, b)[n % 2]
        uploads[_upload_answer(port, product_id, setup.leader_token, 100 + n)] += 1
        pages[
            request(port, "GET", f"/p/{code}", forwarded=f"127.8.0.{n % 250 + 1}")[0]
        ] += 1
        photos[request(port, "GET", photo_url, setup.leader_token)[0]] += 1
        ready_status, ready_body = request(port, "GET", "/readyz")
        ready[f"{ready_status} {json.loads(ready_body).get('status')}"] += 1
        n += 1
        time.sleep(0.2)
    media.proxy.set_mode("pass")
    back = time.monotonic()
    recovered: float | None = None
    while time.monotonic() - back < 30:
        status, _ = request(
            (a, b)[n % 2],
            "POST",
            f"/api/v1/products/{product_id}/photos",
            setup.leader_token,
            _photo(900 + n),
        )
        n += 1
        if status == 201:
            recovered = time.monotonic() - back
            break
        time.sleep(0.2)
    check(
        set(uploads) == {"503 Retry-After 30 'thử lại'"},
        f"store stopped for {STORE_DOWN_S:.0f} s: uploads through A and B "
        f"answered {dict(uploads)}",
    )
    check(
        set(pages) == {200} and set(photos) == {200},
        f"meanwhile public pages answered {dict(pages)}, a photo both had read "
        f"{dict(photos)}",
    )
    check(
        set(ready) == {"200 degraded"},
        f"meanwhile /readyz answered {dict(ready)} (the servers stay in the pool)",
    )
    check(
        recovered is not None and recovered <= 5,
        "store back: the next upload succeeded after "
        + (f"{recovered:.1f} s" if recovered is not None else "more than 30 s")
        + ", no restart",
    )


def _upload_answer(port: int, product_id: int, token: str, seed: int) -> str:
    """An upload's status, with its Retry-After and whether it says, in
    Vietnamese, to try again."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            f"/api/v1/products/{product_id}/photos",
            body=_photo(seed),
            headers={
                "Host": "127.0.0.1",
                "Authorization": f"Bearer {token}",
                "Content-Type": "image/jpeg",
            },
        )
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        retry = response.getheader("Retry-After")
    finally:
        conn.close()
    said = " 'thử lại'" if "thử lại" in body else ""
    return f"{response.status}" + (f" Retry-After {retry}" if retry else "") + said


def _killed_mid_upload(
    check: Checks,
    setup: Setup,
    url: str,
    a_proc: subprocess.Popen[bytes],
    a: int,
    b: int,
) -> None:
    # Products of their own: each takes at most MAX_PHOTOS photos.
    products = [_new_product(b, setup, n) for n in range(12)]
    product_id = products[-1]
    answers: Counter[str] = Counter()

    def uploads() -> None:
        for n in range(200):
            try:
                status, _ = request(
                    a,
                    "POST",
                    f"/api/v1/products/{products[n % 11]}/photos",
                    setup.leader_token,
                    _photo(5000 + n),
                )
                answers[str(status)] += 1
            except OSError:
                answers["connection lost"] += 1
                return

    sender = threading.Thread(target=uploads)
    sender.start()
    time.sleep(1.5)  # some uploads done, one in flight
    stop_group_now(a_proc)
    sender.join(30)
    code = setup.codes[0]
    page = request(b, "GET", f"/p/{code}", forwarded="127.7.0.1")[0]
    upload, body = request(
        b,
        "POST",
        f"/api/v1/products/{product_id}/photos",
        setup.leader_token,
        _photo(77),
    )
    served = (
        request(b, "GET", json.loads(body)["url"], setup.leader_token)[0]
        if upload == 201
        else 0
    )
    check(
        answers.get("connection lost", 0) == 1 and page == 200 and served == 200,
        f"A killed (SIGKILL) mid-upload after {dict(answers)}: B's public page "
        f"{page}, upload through B {upload}, its photo {served}",
    )
    rows, broken, orphans = _photo_consistency(url)
    check(
        not broken,
        f"every photo row has both its objects, each with the SHA-256 its name says "
        f"({rows} rows, {len(broken)} broken); {orphans} orphan objects "
        "(stored, never committed: photos gc removes them)",
    )


def _new_product(port: int, setup: Setup, n: int) -> int:
    status, body = _json(
        port,
        "POST",
        "/api/v1/products",
        setup.leader_token,
        {
            "producer_id": setup.producer_id,
            "name": f"Sản phẩm thử ảnh {n}",
            "kind": "agricultural",
        },
    )
    if status != 201:
        raise RuntimeError(f"a product for the drill: {status} {body[:200]!r}")
    product_id: int = json.loads(body)["id"]
    return product_id


def _photo_consistency(url: str) -> tuple[int, list[str], int]:
    from ocop_tracker.core.db import make_engine
    from ocop_tracker.photos import storage
    from ocop_tracker.photos.models import Photo

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(select(Photo.sha256, Photo.thumb_sha256)).all()
    finally:
        engine.dispose()
    wanted = {h for pair in found for h in pair}
    broken = []
    for digest in sorted(wanted):
        try:
            if hashlib.sha256(storage.read(digest)).hexdigest() != digest:
                broken.append(digest)
        except FileNotFoundError:
            broken.append(digest)
    stored = {digest for digest, _ in storage.stored_hashes()}
    for digest in stored - wanted:  # an orphan is whole too
        if hashlib.sha256(storage.read(digest)).hexdigest() != digest:
            broken.append(digest)
    return len(found), broken, len(stored - wanted)


def run(kind: str, rounds: int, media_kind: str = "s3") -> Checks:
    """The whole drill; see the module docstring."""
    check = Checks()
    with tempfile.TemporaryDirectory(prefix="ocop-drill-two-") as tmp_name:
        tmp = Path(tmp_name)
        with database(kind, tmp) as url, _media(media_kind, tmp) as media:
            # This process writes the demo's photos and reads the store as
            # the servers do.
            os.environ.update(media.env)
            os.environ.setdefault("OCOP_MEDIA_DIR", str(tmp / "media"))
            get_settings.cache_clear()
            say(f"{kind}, media {media_kind}: schema and demo data")
            setup = demo_setup(url)
            os.environ["OCOP_MEDIA_DIR"] = str(tmp / "media")
            get_settings.cache_clear()
            with _servers(url, tmp, media) as ((a, b), (a_proc, _)):
                say(f"A on 127.0.0.1:{a}, B on 127.0.0.1:{b}; {rounds} edit rounds")
                _edit_rounds(check, setup, a, b, rounds)
                _upload(check, setup, a, b)
                _sign_in_limit(check, a, b)
                _public_limit(check, setup, a, b)
                if media.proxy is not None:
                    say("the store stopped for 10 s")
                    _store_stopped(check, setup, media, a, b)
                say("A killed mid-upload")
                _killed_mid_upload(check, setup, url, a_proc, a, b)
    return check


def main(argv: Sequence[str] | None = None) -> int:
    """Run the drill and print what it found."""
    parser = argparse.ArgumentParser(prog="python -m bench.drills.two_servers")
    parser.add_argument(
        "--database", choices=("postgres", "sqlite"), default="postgres"
    )
    parser.add_argument("--media", choices=("s3", "file"), default="s3")
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)
    os.environ.setdefault("OCOP_ENV", "test")  # this process's own settings
    check = run(args.database, args.rounds, args.media)
    store = "one S3 object store" if args.media == "s3" else "one media folder"
    sys.stdout.write(
        f"Two servers (serve --workers 2 each) on one {args.database} database "
        f"and {store}:\n"
        + "\n".join(check.lines)
        + f"\n  outcome: {'PASS' if check.ok else 'FAIL'}\n"
    )
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(main())
