"""Drill T44: baseline load and soak (SECURITY.md §I).

What it does (loopback only, bounded by ``--minutes``):

1. A throwaway PostgreSQL cluster (default) or an SQLite file
   (``--database sqlite``), the schema at head, the demo data and API tokens
   for an official and the Khóm 3 team leader.
2. ``ocop-tracker serve --workers 2`` (production settings, its own TMPDIR).
3. For ``--minutes`` (default 30), three streams from ``bench/load.py``:

   - reads at ``--rate`` public pages a second (default 50) plus, in the
     T44 proportion (15 to 80), signed-in product lists and searches as the
     official;
   - photo uploads at ``--upload-rate`` (default 1 a second) by the team
     leader: one 12-Mpx JPEG of about 3 MB made once with Pillow, each upload
     made unique by a few bytes after its end (the app answers a repeated
     file from its record without processing it).

   - ``--writers`` people (default 8) writing at once, each up to 2 requests
     a second: products, households, card prints and public pages
     (``common.team_writes``; ``bench/drills/writers.py`` runs it alone).

   The uploads go in turn to up to ``UPLOAD_PRODUCTS`` products of the team's
   hamlet, as a team photographs several products, and a cleaner deletes their
   older photos through the API every few seconds (a product holds at most 12,
   and the app rightly refuses a 13th: with one product, a cleaner held up
   behind the uploads let it fill). Every 30 s the drill samples each worker's RSS
   and open files (``/proc/PID/status``, ``/proc/PID/fd``) and the temporary
   files (``.tmp-*`` in the media directory, anything in the server's TMPDIR).
4. Findings: public p95 < 300 ms; upload p95 < 5 s; 0 errors; drift of
   each worker's own memory (RSS less the file pages mapped in, ``RssAnon``:
   on SQLite the database file is read through mmap, and those pages grow
   with the file; VmRSS is shown beside it) between the first 5 minutes (from
   the first sample under load) and the last 5 minutes < 10 % (mean of the
   samples); no growth in
   open files (the count at rest after the load no higher than the most seen
   in the first 5 minutes: a leak keeps what it opened, pools give it back); no temporary file left at the end; on SQLite no 503 and no
   "database is locked" in the server's log. The 80/15/5 mix of T44 is kept
   for reads; uploads run at 1/s (the goal's rate), not 5 % of all requests.

    .venv/bin/python -m bench.drills.soak [--database postgres|sqlite] [--minutes 30]
"""

import argparse
import http.client
import io
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from PIL import Image

from bench import load
from bench.drills.common import (
    LIMITED,
    Checks,
    Setup,
    demo_setup,
    free_port,
    say,
    serve,
    team_writes,
    uvicorn_workers,
)
from bench.drills.common import (
    database as drill_database,
)

SAMPLE_S = 30.0
WINDOW_S = 300.0
PUBLIC_P95_S = 0.300
UPLOAD_P95_S = 5.0
RSS_DRIFT = 0.10
KEEP_PHOTOS = 3
UPLOAD_PRODUCTS = 4
SEARCHES = ("bánh", "mật ong", "trà", "nước mắm", "khô", "rượu", "gạo", "tinh dầu")


@dataclass
class Sample:
    """One look at the server, ``at`` seconds into the load."""

    at: float
    rss_kb: dict[int, int]
    open_files: dict[int, int]
    temp_files: int
    # RSS less the file pages mapped in (on SQLite, the database file itself,
    # read through mmap; those belong to the kernel's page cache and grow with
    # the file): the worker's own memory, where a leak would show.
    anon_kb: dict[int, int] = field(default_factory=dict)


@dataclass
class Cleaner:
    """Deletes all but the newest photos of the products, through the API."""

    port: int
    product_ids: Sequence[int]
    token: str
    statuses: Counter[int] = field(default_factory=Counter)

    def _call(self, method: str, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(
                method,
                path,
                headers={
                    "Host": "127.0.0.1",
                    "Authorization": f"Bearer {self.token}",
                },
            )
            response = conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            return 0, b""
        finally:
            conn.close()

    def sweep(self) -> None:
        """One pass: list each product's photos, delete the older ones."""
        for product_id in self.product_ids:
            status, body = self._call("GET", f"/api/v1/products/{product_id}/photos")
            self.statuses[status] += 1
            if status != 200:
                continue
            ids = sorted(int(p["id"]) for p in json.loads(body))
            for photo_id in ids[:-KEEP_PHOTOS]:
                status = self._call("DELETE", f"/api/v1/photos/{photo_id}")[0]
                self.statuses[status] += 1


def upload_products(setup: Setup) -> tuple[int, ...]:
    """The products the uploads go to in turn."""
    return setup.product_ids[:UPLOAD_PRODUCTS] or (setup.product_id,)


def field_photo() -> bytes:
    """A 4000×3000 (12 Mpx) JPEG of coarse noise, about 3 MB (quality 96)."""
    rng = random.Random(44)
    small = Image.frombytes("RGB", (500, 375), rng.randbytes(500 * 375 * 3))
    out = io.BytesIO()
    small.resize((4000, 3000), Image.Resampling.NEAREST).save(out, "JPEG", quality=96)
    return out.getvalue()


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _temp_files(media: Path, tmpdir: Path) -> list[str]:
    found = [str(p) for p in media.rglob(".tmp-*")] if media.exists() else []
    return found + [str(p) for p in tmpdir.rglob("*")]


def _sample(master: int, at: float, media: Path, tmpdir: Path) -> Sample:
    rss: dict[int, int] = {}
    anon: dict[int, int] = {}
    files: dict[int, int] = {}
    for pid in uvicorn_workers(master):
        try:
            rss[pid] = _status_kb(pid, "VmRSS")
            anon[pid] = _status_kb(pid, "RssAnon")
            files[pid] = len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            continue
    return Sample(at, rss, files, len(_temp_files(media, tmpdir)), anon)


def _mixes(setup: Setup, photo: bytes) -> tuple[list[load.Request], list[load.Request]]:
    official = {"Authorization": f"Bearer {setup.official_token}"}
    leader = {"Authorization": f"Bearer {setup.leader_token}"}
    targets = upload_products(setup)
    reads = [
        load.Request(
            "public page", "GET",
            lambda rng, _n: f"/p/{rng.choice(setup.codes)}", 80,
        ),
        load.Request(
            "signed-in list", "GET",
            lambda rng, _n: f"/api/v1/products?limit=20&offset={rng.randrange(5)}",
            7.5, official,
        ),
        load.Request(
            "signed-in search", "GET",
            lambda rng, _n: f"/api/v1/products?limit=20&q={quote(rng.choice(SEARCHES))}",
            7.5, official,
        ),
    ]  # fmt: skip
    uploads = [
        load.Request(
            "photo upload", "POST",
            lambda _rng, n: f"/api/v1/products/{targets[n % len(targets)]}/photos", 1,
            leader,
            content=lambda _rng, n: photo + n.to_bytes(8, "big"),
            content_type="image/jpeg",
        ),
    ]  # fmt: skip
    return reads, uploads


def _p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def run(
    database: str, minutes: float, rate: float, upload_rate: float, writers: int = 8
) -> Checks:
    """The whole drill; see the module docstring."""
    check = Checks()
    seconds = minutes * 60
    with tempfile.TemporaryDirectory(prefix="ocop-drill-soak-") as tmp_name:
        tmp = Path(tmp_name)
        media, tmpdir = tmp / "media", tmp / "server-tmp"
        tmpdir.mkdir()
        with drill_database(database, tmp) as url:
            say(f"{database}: schema and demo data")
            setup = demo_setup(url)
            photo = field_photo()
            check.lines.append(
                f"  photo: a 4000×3000 JPEG of {len(photo) / 2**20:.1f} MiB, made "
                "unique per upload by 8 bytes after its end"
            )
            reads, uploads = _mixes(setup, photo)
            port = free_port()
            with serve(url, port, media, extra_env={"TMPDIR": str(tmpdir)}) as proc:
                say(
                    f"serve --workers 2 on 127.0.0.1:{port}; {minutes:g} min: "
                    f"{rate:g} public/s (+ signed-in reads), {upload_rate:g} upload/s"
                )
                stop = threading.Event()
                samples: list[Sample] = []
                cleaner = Cleaner(port, upload_products(setup), setup.leader_token)
                results: dict[str, load.LoadResult] = {}
                start = time.monotonic()

                def sampler() -> None:
                    while not stop.is_set():
                        at = time.monotonic() - start
                        sample = _sample(proc.pid, at, media, tmpdir)
                        samples.append(sample)
                        say(
                            f"{at / 60:5.1f} min: RSS MiB "
                            f"{[round(v / 1024) for v in sample.rss_kb.values()]}, "
                            f"open files {list(sample.open_files.values())}, "
                            f"temp files {sample.temp_files}"
                        )
                        stop.wait(SAMPLE_S)

                def cleaning() -> None:
                    while not stop.wait(3.0):
                        cleaner.sweep()

                threads = {"reads": 24, "uploads": 6, "writers": max(writers, 1)}

                def stream(name: str, mix: list[load.Request], r: float) -> None:
                    results[name] = load.run(
                        port,
                        mix,
                        seconds=seconds,
                        rate=r,
                        threads=threads[name],
                        max_requests=10_000_000,
                        timeout=60.0,
                        forwarded=True,
                        seed=44 if name == "reads" else 45,
                    )

                helpers = [
                    threading.Thread(target=sampler),
                    threading.Thread(target=cleaning),
                ]
                streams = [
                    threading.Thread(
                        target=stream, args=("reads", reads, rate * 95 / 80)
                    ),
                    threading.Thread(
                        target=stream, args=("uploads", uploads, upload_rate)
                    ),
                ]
                if writers:  # a team writing at once, each at most 2 a second
                    streams.append(
                        threading.Thread(
                            target=stream,
                            args=("writers", team_writes(setup), writers * 2.0),
                        )
                    )
                for t in helpers + streams:
                    t.start()
                try:
                    for t in streams:
                        t.join()
                finally:
                    stop.set()
                    for t in helpers:
                        t.join()
                time.sleep(2.0)
                end_sample = _sample(proc.pid, time.monotonic() - start, media, tmpdir)
                left = _temp_files(media, tmpdir)
            log = (tmp / "server.log").read_text(errors="replace")
        _analyse(
            check, database, seconds, results, samples, end_sample, left, cleaner, log
        )
    return check


def _analyse(
    check: Checks,
    database: str,
    seconds: float,
    results: dict[str, load.LoadResult],
    samples: list[Sample],
    end_sample: Sample,
    left: list[str],
    cleaner: Cleaner,
    log: str,
) -> None:
    records = [r for result in results.values() for r in result.records]
    by_name: dict[str, list[load.Record]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    for name, rs in sorted(by_name.items()):
        statuses = Counter(r.status for r in rs)
        check.lines.append(
            f"  {name}: {len(rs)} ({len(rs) / seconds:.1f}/s), p50 "
            f"{sorted(r.seconds for r in rs)[len(rs) // 2] * 1000:.0f} ms, p95 "
            f"{_p95([r.seconds for r in rs]) * 1000:.0f} ms, max "
            f"{max(r.seconds for r in rs) * 1000:.0f} ms; statuses {dict(statuses)}"
        )
    check.lines.append(f"  cleaner (list + delete photos): {dict(cleaner.statuses)}")
    public = _p95([r.seconds for r in by_name.get("public page", [])])
    check(
        public < PUBLIC_P95_S,
        f"public page p95 {public * 1000:.0f} ms < {PUBLIC_P95_S * 1000:.0f} ms",
    )
    upload = _p95([r.seconds for r in by_name.get("photo upload", [])])
    check(upload < UPLOAD_P95_S, f"upload p95 {upload:.2f} s < {UPLOAD_P95_S:.0f} s")
    errors = [
        r
        for r in records
        if r.status not in (200, 201) and (r.name, r.status) not in LIMITED
    ]
    cleaner_errors = sum(n for s, n in cleaner.statuses.items() if s not in (200, 204))
    check(
        not errors and not cleaner_errors,
        f"0 errors ({len(errors)} in the load: "
        f"{Counter((r.name, r.status, r.error) for r in errors).most_common(4)}; "
        f"{cleaner_errors} in the cleaner)",
    )
    # The sample taken before the load started is left out: the baseline is a
    # worker that has served traffic, not one that has only imported.
    first = [s for s in samples if SAMPLE_S / 2 <= s.at <= WINDOW_S]
    last = [s for s in samples if s.at >= seconds - WINDOW_S]
    pids = sorted({pid for s in samples for pid in s.rss_kb})
    check.lines.append(
        f"  {len(samples)} samples every {SAMPLE_S:.0f} s; workers {pids}"
    )
    for pid in pids:
        a = [s.anon_kb[pid] for s in first if pid in s.anon_kb]
        b = [s.anon_kb[pid] for s in last if pid in s.anon_kb]
        if not a or not b:
            check(False, f"worker {pid}: not alive the whole run (replaced?)")
            continue
        before, after = sum(a) / len(a), sum(b) / len(b)
        drift = (after - before) / before
        ra = sum(s.rss_kb[pid] for s in first if pid in s.rss_kb) / len(a)
        rb = sum(s.rss_kb[pid] for s in last if pid in s.rss_kb) / len(b)
        check(
            drift < RSS_DRIFT,
            f"worker {pid}: own memory (RSS less mapped files) {before / 1024:.0f} MiB "
            f"(first 5 min) -> {after / 1024:.0f} MiB (last 5 min), drift "
            f"{drift:+.1%} < {RSS_DRIFT:.0%}; RSS {ra / 1024:.0f} -> {rb / 1024:.0f} MiB "
            f"({(rb - ra) / ra:+.1%})",
        )
        # A leak keeps what it opened after the requests are done; connection
        # pools and requests in flight give theirs back. So the count at rest,
        # after the load, is held to the most seen in the first 5 minutes; the
        # windows' medians are shown beside it.
        fa = max(s.open_files[pid] for s in first if pid in s.open_files)
        ma = statistics.median(s.open_files[pid] for s in first if pid in s.open_files)
        mb = statistics.median(s.open_files[pid] for s in last if pid in s.open_files)
        rest = end_sample.open_files.get(pid)
        check(
            rest is not None and rest <= fa,
            f"worker {pid}: open files at rest after the load {rest} <= {fa} (the "
            f"most in the first 5 min); median {ma:g} (first 5 min) -> {mb:g} "
            f"(last 5 min)",
        )
    peak = max((s.temp_files for s in samples), default=0)
    check(
        not left,
        f"no temporary file left at the end ({len(left)}; at most {peak} seen "
        f"in flight)",
    )
    if database == "sqlite":
        locked = log.count("database is locked")
        n503 = sum(1 for r in records if r.status == 503)
        check(
            n503 == 0 and locked == 0,
            f'SQLite: no 503 and no "database is locked" ({n503} × 503, '
            f"{locked} in the log)",
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the drill and print what it found."""
    parser = argparse.ArgumentParser(prog="python -m bench.drills.soak")
    parser.add_argument(
        "--database", choices=("postgres", "sqlite"), default="postgres"
    )
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument(
        "--rate", type=float, default=50.0, help="public pages a second"
    )
    parser.add_argument("--upload-rate", type=float, default=1.0)
    parser.add_argument(
        "--writers", type=int, default=8, help="people writing at once (0: none)"
    )
    args = parser.parse_args(argv)
    if args.minutes < 10:
        parser.error("--minutes must be at least 10 (first and last 5 minutes)")
    os.environ.setdefault("OCOP_ENV", "test")  # this process's own settings
    check = run(args.database, args.minutes, args.rate, args.upload_rate, args.writers)
    sys.stdout.write(
        f"T44 baseline load and soak on {args.database} for {args.minutes:g} min "
        "(serve --workers 2, loopback, shared 2-core machine):\n"
        + "\n".join(check.lines)
        + f"\n  outcome: {'PASS' if check.ok else 'FAIL'}\n"
    )
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(main())
