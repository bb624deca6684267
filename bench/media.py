"""Benchmark: photo uploads and photo serving on both media stores, side by side.

One run, one throwaway SQLite database with the demo, one S3 protocol server on
127.0.0.1 (moto's server mode, ``bench/drills/object_store.py``). For each
store in turn — the directory (the embedded default), the object store with
each worker's memory cache (``OCOP_MEDIA_CACHE_MB=32``, the default, smaller
than the photos read in turn; and 128, which holds them all), and the object
store without it (every read goes to the store) — a fresh
``ocop-tracker serve --workers 2`` on that store:

1. **Uploads**: ``--photos`` (default 48) distinct 2048×1536 phone photos (as
   the page's resize sends them, ~1 MB), posted by four client threads
   through the API to products of the demo hamlet: photos a second, p50 and
   p99 of one upload.
2. **Serving**: ``wrk -t2 -c16`` for ``--seconds`` (default 10) over the
   public full-size and thumbnail URLs of those photos in turn: requests a
   second, p50, p99.

moto is a Python server, far slower than MinIO or a cloud's store: the
no-cache column is a floor, not what a production store gives.

    .venv/bin/python -m bench.media [--photos 48] [--seconds 10]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.drills.common import free_port, running
from bench.drills.object_store import S3Server
from bench.photos import LOGIN, new_product, phone_jpegs, session_cookie, variant
from bench.public_page import Load, wrk_load
from bench.timing import percentile

CLIENTS = 4
PER_PRODUCT = 12


@dataclass
class Result:
    """One store's figures."""

    store: str
    uploads_per_s: float
    upload_p50_ms: float
    upload_p99_ms: float
    stored_mb: float
    serving: Load


def _uploads(
    base: str, photos: list[bytes]
) -> tuple[float, float, float, list[str], int]:
    """Photos a second, p50 and p99 ms, the public URLs of what was stored and
    the full-size files' bytes."""
    name, token, csrf = session_cookie()
    products = [
        new_product() for _ in range((len(photos) + PER_PRODUCT - 1) // PER_PRODUCT)
    ]
    jobs = list(enumerate(photos))
    lock = threading.Lock()
    latencies: list[float] = []
    urls: list[str] = []
    errors: list[str] = []
    stored = [0]

    def client() -> None:
        while True:
            with lock:
                if not jobs:
                    return
                n, body = jobs.pop()
            request = urllib.request.Request(
                f"{base}/api/v1/products/{products[n // PER_PRODUCT]}/photos",
                data=body,
                method="POST",
                headers={
                    "Content-Type": "image/jpeg",
                    "Cookie": f"{name}={token}",
                    "X-CSRF-Token": csrf,
                },
            )
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    answer: Any = json.loads(response.read())
            except OSError as exc:
                errors.append(str(exc))
                continue
            with lock:
                latencies.append(time.perf_counter() - start)
                urls.extend((answer["url"], answer["thumb_url"]))
                stored[0] += int(answer["size_bytes"])

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} uploads failed: {errors[:3]}")
    return (
        len(photos) / elapsed,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
        urls,
        stored[0],
    )


def _one_store(
    label: str, env: dict[str, str], tmp: Path, photos: list[bytes], seconds: float
) -> Result:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "ocop_tracker", "serve", "--workers", "2",
        "--port", str(port),
    ]  # fmt: skip
    with running(command, {**os.environ, **env}, port, tmp / f"server-{label}.log"):
        rate, p50, p99, urls, stored = _uploads(base, photos)
        paths = tmp / f"paths-{label}.txt"
        paths.write_text("\n".join(urls) + "\n")
        serving = wrk_load(base, paths, seconds, 16)
    return Result(label, rate, p50, p99, stored / 1e6, serving)


def run(count: int, seconds: float) -> list[Result]:
    """Every store in turn; see the module docstring."""
    photos = [variant(p, n) for n, p in enumerate(phone_jpegs(count, 2048, 1536))]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp_name:
        tmp = Path(tmp_name)
        base_env = {
            "OCOP_ENV": "development",
            "OCOP_DATABASE_URL": f"sqlite:///{tmp / 'media.db'}",
            "OCOP_MEDIA_DIR": str(tmp / "media"),
        }
        os.environ.update(base_env)  # this process makes the products and sessions
        subprocess.run(
            [sys.executable, "-m", "ocop_tracker", "demo"],
            env={**os.environ, **base_env},
            check=True,
            capture_output=True,
        )
        server = S3Server().start()
        try:
            stores = {
                "directory": {},
                "S3, cache 32 MB": {"OCOP_MEDIA_CACHE_MB": "32"},
                "S3, cache 128 MB": {"OCOP_MEDIA_CACHE_MB": "128"},
                "S3, no cache": {"OCOP_MEDIA_CACHE_MB": "0"},
            }
            for label, extra in stores.items():
                env = dict(extra)
                if label != "directory":
                    env |= server.settings()
                    env["OCOP_MEDIA_URL"] = f"s3://{server.bucket('bench')}/tinh"
                sys.stderr.write(f"[bench] {label}: {count} uploads, then serving\n")
                results.append(_one_store(label, env, tmp, photos, seconds))
        finally:
            server.stop()
    return results


def table(results: list[Result], count: int, seconds: float) -> str:
    """The figures, one column per store."""
    head = "| | " + " | ".join(r.store for r in results) + " |"
    rule = "|---|" + "---:|" * len(results)
    lines = [
        head,
        rule,
        f"| uploads/s ({count} photos 2048×1536, {CLIENTS} clients) | "
        + " | ".join(f"{r.uploads_per_s:.1f}" for r in results)
        + " |",
        "| upload p50 / p99 ms | "
        + " | ".join(f"{r.upload_p50_ms:.0f} / {r.upload_p99_ms:.0f}" for r in results)
        + " |",
        "| full-size files stored, MB | "
        + " | ".join(f"{r.stored_mb:.1f}" for r in results)
        + " |",
        f"| photos served/s (wrk -c16, {seconds:.0f} s, full and thumb in turn) | "
        + " | ".join(f"{r.serving.rps:,.0f}" for r in results)
        + " |",
        "| serving p50 / p99 ms | "
        + " | ".join(
            f"{r.serving.p50_ms:.1f} / {r.serving.p99_ms:.1f}" for r in results
        )
        + " |",
        "| serving errors | "
        + " | ".join(str(r.serving.errors) for r in results)
        + " |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run every store and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.media")
    parser.add_argument("--photos", type=int, default=48)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    results = run(args.photos, args.seconds)
    sys.stdout.write(
        f"Photo uploads and serving, serve --workers 2 on SQLite, as {LOGIN}:\n"
        + table(results, args.photos, args.seconds)
    )
    return 0 if all(r.serving.errors == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
