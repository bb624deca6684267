"""A 1,000-card PDF (issue #6 goal (b)): seconds and MB, against the same cards with
no QR code in the same run, on a throwaway SQLite file and PostgreSQL database.

Each variant goes through the real path (``cards.service``: the public facts read
in chunks, the QR matrices read back or made, reportlab): "first print" makes and
keeps every matrix, "again" reads them back, "no QR" renders the same cards with
the codes left out; "after the warmer" prints once ``cards.warm`` has made the
matrices, as it does in a serving process after the products' commits (its work
is timed apart). Goals (issue #18): a first print at most 2× the time of no QR,
read back at most 1.5×, under 3 MB.

Run alone: ``.venv/bin/python -m bench.cards [--cards 1000] [--skip-pg]``.
"""

import argparse
import datetime as dt
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.databases import (
    DEFAULT_PG_URL,
    PostgresUnavailable,
    postgres_database,
    sqlite_database,
)
from bench.report import Row, fmt_num, markdown_table
from bench.timing import timed

ROOT = Path(__file__).resolve().parents[1]
CARDS = 1000
BASE_URL = "https://ocop.soctrang.gov.vn"


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "OCOP_ENV": "production",
        "OCOP_SECRET_KEY": "bench-" + "k" * 40,
        "OCOP_DATABASE_URL": url,
        "OCOP_PUBLIC_BASE_URL": BASE_URL,
    }


def prepare(url: str, products: int) -> None:
    """Migrate ``url``, load the demo, and add ``products`` listed OCOP products."""
    env = _env(url)
    subprocess.run(
        [sys.executable, "-m", "ocop_tracker", "demo"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, "-m", "bench.cards", "--seed-only", url, str(products)],
        env=env,
        cwd=ROOT,
        check=True,
    )


def _seed(url: str, count: int) -> None:
    """Producers (every kind), products with 3–5★ certificates and live listings."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    import ocop_tracker.models  # noqa: F401  (every table known to the mapper)
    from ocop_tracker.areas.models import AdminUnit, Level
    from ocop_tracker.core.base import utcnow
    from ocop_tracker.core.db import make_engine
    from ocop_tracker.core.text import fold
    from ocop_tracker.onboarding.models import Listing, ListingStatus, Marketplace
    from ocop_tracker.producers.models import Producer, ProducerKind
    from ocop_tracker.products.models import (
        Certificate,
        CertLevel,
        Product,
        ProductKind,
    )

    engine = make_engine(url)
    kinds = list(ProducerKind)
    names = (
        "Bánh pía sầu riêng trứng muối",
        "Lạp xưởng tươi",
        "Hành tím Vĩnh Châu",
        "Gạo ST25",
    )
    with Session(engine) as session:
        hamlets = list(
            session.scalars(
                select(AdminUnit).where(AdminUnit.level == Level.hamlet).limit(3)
            )
        )
        voso = session.scalar(select(Marketplace).where(Marketplace.code == "voso"))
        assert voso is not None
        decided = dt.date.today() - dt.timedelta(days=300)
        for i in range(count):
            hamlet = hamlets[i % len(hamlets)]
            if i % 2 == 0:
                name = f"Cơ sở sản xuất Đồng Bằng {i}"
                producer = Producer(
                    hamlet_id=hamlet.id,
                    kind=kinds[i % len(kinds)],
                    name=name,
                    search_key=fold(name),
                )
                session.add(producer)
                session.flush()
            product_name = f"{names[i % len(names)]} {i}"
            product = Product(
                producer_id=producer.id,
                hamlet_id=hamlet.id,
                name=product_name,
                kind=ProductKind.ocop,
                description="Sản phẩm đặc trưng của vùng đồng bằng sông Cửu Long.",
                public_code=secrets.token_urlsafe(16),
                search_key=fold(product_name),
            )
            session.add(product)
            session.flush()
            stars = 3 + i % 3
            session.add(
                Certificate(
                    product_id=product.id,
                    hamlet_id=hamlet.id,
                    stars=stars,
                    decision_number=f"{i}/QĐ-UBND",
                    decision_date=decided,
                    authority="UBND tỉnh Sóc Trăng",
                    level=CertLevel.central if stars == 5 else CertLevel.province,
                    expires_on=decided + dt.timedelta(days=1095),
                )
            )
            session.add(
                Listing(
                    product_id=product.id,
                    marketplace_id=voso.id,
                    hamlet_id=hamlet.id,
                    status=ListingStatus.listed,
                    listing_url=f"https://voso.vn/san-pham/{product.public_code}",
                    verified_at=utcnow(),
                )
            )
            if i % 200 == 199:
                session.flush()
        session.commit()
    engine.dispose()


def _measure(url: str, count: int) -> dict[str, tuple[float, int]]:
    """Seconds and bytes of each variant, in one process (run in a subprocess)."""
    from sqlalchemy import delete, select
    from sqlalchemy.orm import Session

    import ocop_tracker.models  # noqa: F401  (every table known to the mapper)
    from ocop_tracker.cards import service, warm
    from ocop_tracker.cards.layout import Layout, render
    from ocop_tracker.core.db import make_engine
    from ocop_tracker.products.models import Product
    from ocop_tracker.public import repository as public_repository
    from ocop_tracker.public.models import QrMatrix

    engine = make_engine(url)
    results: dict[str, tuple[float, int]] = {}
    with Session(engine) as session:
        ids = list(
            session.scalars(select(Product.id).order_by(Product.id).limit(count))
        )
        session.execute(delete(QrMatrix))
        session.commit()

        def with_qr() -> bytes:
            return render(service.card_data(session, ids), Layout.a4_2x4)

        def forget() -> bytes:
            session.execute(delete(QrMatrix))
            return b""

        def without_qr() -> bytes:
            return render(
                service.card_data(session, ids), Layout.a4_2x4, qr_codes=False
            )

        def warmed() -> bytes:
            # What the warmer's thread does after the products' commits
            # (``cards.warm``): made and kept ahead of the print.
            public_repository.keep_matrices(session, warm.missing(session, ids))
            return b""

        render(service.card_data(session, ids[:8]), Layout.a4_2x4)  # fonts, imports
        session.rollback()
        variants: list[tuple[str, Callable[[], bytes]]] = [
            ("first", with_qr),
            ("again", with_qr),
            ("noqr", without_qr),
            ("again2", with_qr),
            ("noqr2", without_qr),
            ("forget", forget),
            ("warm", warmed),
            ("warmed", with_qr),
        ]
        for name, fn in variants:
            pdf, seconds = timed(fn)
            session.commit()
            results[name] = (seconds, len(pdf))
    engine.dispose()
    return results


def _run_one(url: str, database: str, count: int) -> list[Row]:
    prepare(url, count)
    out = subprocess.run(
        [sys.executable, "-m", "bench.cards", "--measure-only", url, str(count)],
        env=_env(url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    results: dict[str, tuple[float, int]] = {}
    for line in out.splitlines():
        variant, took, length = line.split()
        results[variant] = (float(took), int(length))
    noqr = min(results["noqr"][0], results["noqr2"][0])
    again = min(results["again"][0], results["again2"][0])
    first = results["first"][0]
    warmed = results["warmed"][0]
    rows = []
    for label, seconds, size, ratio, goal in (
        (
            "first print, no matrix made before (products written around the ORM)",
            first,
            results["first"][1],
            first / noqr,
            "≤ 2× no QR, < 3 MB",
        ),
        (
            "first print after the warmer (matrices made at each product's commit)",
            warmed,
            results["warmed"][1],
            warmed / noqr,
            "≤ 2× no QR, < 3 MB",
        ),
        (
            "again (matrices read back)",
            again,
            results["again"][1],
            again / noqr,
            "≤ 1.5× no QR",
        ),
        ("same cards, no QR", noqr, results["noqr"][1], 1.0, ""),
    ):
        rows.append(
            Row(
                f"cards PDF {count:,} cards A4 2×4: {label}",
                database,
                count=f"{count:,} cards",
                value=fmt_num(seconds),
                notes=f"s; {size / 1e6:.2f} MB",
                goal=goal,
                ratio=f"{ratio:.2f}×" if ratio != 1.0 else "",
            )
        )
    rows.append(
        Row(
            f"cards: the warmer's work for {count:,} new products (its thread)",
            database,
            count=f"{count:,} products",
            value=fmt_num(results["warm"][0]),
            notes=f"s; {results['warm'][0] / count * 1000:.2f} ms a product, "
            "after their commit, in no request",
        )
    )
    return rows


def run(pg_url: str | None = DEFAULT_PG_URL, *, cards: int = CARDS) -> list[Row]:
    """The 1,000-card benchmark on SQLite and (when reachable) PostgreSQL."""
    rows: list[Row] = []
    with sqlite_database() as url:
        rows += _run_one(url, "SQLite", cards)
    if pg_url:
        try:
            with postgres_database(pg_url) as url:
                rows += _run_one(url, "PostgreSQL", cards)
        except PostgresUnavailable as exc:
            rows.append(Row("cards PDF", "PostgreSQL", notes=f"skipped: {exc}"))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m bench.cards``: print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else ""
    )
    parser.add_argument("--cards", type=int, default=CARDS)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument(
        "--pg-url", default=os.environ.get("OCOP_BENCH_PG_URL", DEFAULT_PG_URL)
    )
    parser.add_argument(
        "--seed-only", nargs=2, metavar=("URL", "COUNT"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--measure-only", nargs=2, metavar=("URL", "COUNT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.seed_only:
        _seed(args.seed_only[0], int(args.seed_only[1]))
        return
    if args.measure_only:
        results: dict[str, Any] = _measure(
            args.measure_only[0], int(args.measure_only[1])
        )
        for name, (seconds, size) in results.items():
            sys.stdout.write(f"{name} {seconds:.4f} {size}\n")
        return
    rows = run(None if args.skip_pg else args.pg_url, cards=args.cards)
    sys.stdout.write(markdown_table(rows))


if __name__ == "__main__":
    main()
