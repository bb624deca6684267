"""Benchmark: does adding a product or a producer slow down as its hamlet grows?

The 30-minute soak's writers add thousands of products to one producer and
thousands of producers to one hamlet; a write whose cost grows with that
count slows every writer behind SQLite's lock. This adds ``--adds`` products
to one producer and as many producers to its hamlet, through the API
in-process (``TestClient``, the demo installation, the team leader and a
member signing with tokens), and prints the median time of each add per
block of 500.

    .venv/bin/python -m bench.growth [--adds 3000] [--skip-pg] [--pg-url URL]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence

from bench.databases import DEFAULT_PG_URL, postgres_database, sqlite_database
from bench.drills.common import demo_setup

BLOCK = 500


def run(url: str, adds: int) -> list[tuple[int, float, float]]:
    """(added so far, add product p50 ms, add producer p50 ms) per block."""
    os.environ["OCOP_DATABASE_URL"] = url
    os.environ["OCOP_MEDIA_DIR"] = tempfile.mkdtemp(prefix="ocop-growth-media-")
    from fastapi.testclient import TestClient

    from ocop_tracker.core import db as core_db
    from ocop_tracker.core.config import get_settings
    from ocop_tracker.main import create_app

    get_settings.cache_clear()
    core_db.get_engine.cache_clear()
    core_db.get_sessionmaker.cache_clear()
    core_db.get_read_sessionmaker.cache_clear()
    setup = demo_setup(url)
    leader = {"Authorization": f"Bearer {setup.leader_token}"}
    member = {"Authorization": f"Bearer {setup.member_token}"}
    rows: list[tuple[int, float, float]] = []
    products: list[float] = []
    producers: list[float] = []
    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        for n in range(adds):
            start = time.perf_counter()
            answer = client.post(
                "/api/v1/products",
                json={
                    "producer_id": setup.producer_id,
                    "name": f"Sản phẩm thêm {n}",
                    "kind": "ocop",
                },
                headers=leader,
            )
            products.append(time.perf_counter() - start)
            if answer.status_code != 201:
                raise RuntimeError(f"add product: {answer.status_code} {answer.text}")
            start = time.perf_counter()
            answer = client.post(
                "/api/v1/producers",
                json={
                    "hamlet_id": setup.hamlet_id,
                    "kind": "household",
                    "name": f"Hộ Thêm {n}",
                },
                headers=member,
            )
            producers.append(time.perf_counter() - start)
            if answer.status_code != 201:
                raise RuntimeError(f"add producer: {answer.status_code} {answer.text}")
            if (n + 1) % BLOCK == 0:
                rows.append(
                    (
                        n + 1,
                        1000 * statistics.median(products[-BLOCK:]),
                        1000 * statistics.median(producers[-BLOCK:]),
                    )
                )
    core_db.get_engine().dispose()
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run on SQLite, then PostgreSQL unless skipped, and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.growth")
    parser.add_argument("--adds", type=int, default=3000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument(
        "--pg-url", default=os.environ.get("OCOP_BENCH_PG_URL", DEFAULT_PG_URL)
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("OCOP_ENV", "test")  # no background jobs in-process
    tables: dict[str, list[tuple[int, float, float]]] = {}
    with sqlite_database() as url:
        tables["SQLite"] = run(url, args.adds)
    if not args.skip_pg:
        with postgres_database(args.pg_url) as url:
            tables["PostgreSQL"] = run(url, args.adds)
    out = [
        "| added to one producer and one hamlet | add product p50 ms | add producer p50 ms |"
    ]
    out.append("|---|---:|---:|")
    for name, rows in tables.items():
        for added, product, producer in rows:
            out.append(f"| {name}, {added:,} | {product:.1f} | {producer:.1f} |")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
