"""Every SQL statement of the public page, the scan counts and the kept QR matrices.

Core statements only (no ORM objects): the public page reads a few indexed rows
when its cache misses, and the cards read the same facts for thousands of products
in chunks. The page's statements are built once, with their values bound at
execution: building a statement and its cache key on each read cost more than
running it (2.5 of a miss's 7 ms).
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Row,
    bindparam,
    delete,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.core import query
from ocop_tracker.core.base import utcnow
from ocop_tracker.onboarding.models import Listing, ListingStatus, Marketplace
from ocop_tracker.producers.models import Consent, Producer
from ocop_tracker.products.models import Certificate, OcopGroup, Product
from ocop_tracker.products.rules import gtin_variants
from ocop_tracker.public.models import ProductScanDay, PublicHits, QrMatrix

_hamlet = aliased(AdminUnit, name="hamlet")
_commune = aliased(AdminUnit, name="commune")
_up1 = aliased(AdminUnit, name="up1")
_up2 = aliased(AdminUnit, name="up2")


def _product_statement() -> Any:
    return (
        select(
            Product.id,
            Product.public_code,
            Product.name,
            Product.kind,
            Product.description,
            Product.updated_at,
            OcopGroup.name.label("group_name"),
            Producer.id.label("producer_id"),
            Producer.kind.label("producer_kind"),
            Producer.name.label("producer_name"),
            Producer.phone.label("producer_phone"),
            Producer.updated_at.label("producer_updated_at"),
            _hamlet.name.label("hamlet_name"),
            _commune.name.label("commune_name"),
            _up1.name.label("up1_name"),
            _up1.level.label("up1_level"),
            _up2.name.label("up2_name"),
        )
        .join(Producer, Producer.id == Product.producer_id)
        .join(_hamlet, _hamlet.id == Product.hamlet_id)
        .outerjoin(OcopGroup, OcopGroup.id == Product.group_id)
        .outerjoin(_commune, _commune.id == _hamlet.parent_id)
        .outerjoin(_up1, _up1.id == _commune.parent_id)
        .outerjoin(_up2, _up2.id == _up1.parent_id)
    )


_IDS: Any = bindparam("ids", expanding=True)
_BY_CODE = _product_statement().where(Product.public_code == bindparam("code"))
_BY_IDS = _product_statement().where(Product.id.in_(_IDS))


def _in_chunks(session: Session, stmt: Any, ids: Sequence[int]) -> list[Row[Any]]:
    """The rows of a statement built once with ``_IDS``, ``query.CHUNK`` ids at a time."""
    conn = session.connection()
    rows: list[Row[Any]] = []
    for part in query.chunks(ids):
        rows.extend(conn.execute(stmt, {"ids": list(part)}))
    return rows


def product_by_code(session: Session, code: str) -> Row[Any] | None:
    """The public facts of the product holding ``code`` (unique index)."""
    return session.connection().execute(_BY_CODE, {"code": code}).first()


def products_by_id(session: Session, product_ids: Sequence[int]) -> list[Row[Any]]:
    """The public facts of these products, in name order."""
    rows = _in_chunks(session, _BY_IDS, list(product_ids))
    return sorted(rows, key=lambda r: (r.hamlet_name, r.name, r.id))


def code_by_gtin(session: Session, gtin: str) -> str | None:
    """The public code of the product carrying this GTIN in any of its lengths."""
    return session.scalar(
        select(Product.public_code)
        .where(Product.gtin.in_(gtin_variants(gtin)))
        .limit(1)
    )


_CERTIFICATES = select(
    Certificate.id,
    Certificate.product_id,
    Certificate.stars,
    Certificate.decision_number,
    Certificate.decision_date,
    Certificate.expires_on,
    Certificate.revoked_on,
    Certificate.updated_at,
).where(Certificate.product_id.in_(_IDS))
_LIVE_LISTINGS = (
    select(
        Listing.product_id,
        Listing.listing_url,
        Listing.updated_at,
        Marketplace.name,
        Marketplace.domain,
    )
    .join(Marketplace, Marketplace.id == Listing.marketplace_id)
    .where(
        Listing.product_id.in_(_IDS),
        Listing.status == ListingStatus.listed,
        Marketplace.is_active.is_(True),
    )
    .order_by(Marketplace.is_named_in_plan.desc(), Marketplace.name)
)
_CONSENTS = (
    select(Consent.producer_id, Consent.field, Consent.granted, Consent.recorded_at)
    .where(Consent.producer_id.in_(_IDS))
    .order_by(Consent.recorded_at, Consent.id)
)


def certificates(session: Session, product_ids: Sequence[int]) -> list[Row[Any]]:
    """Every certificate of these products (standing is decided by products.rules)."""
    return _in_chunks(session, _CERTIFICATES, list(product_ids))


def live_listings(session: Session, product_ids: Sequence[int]) -> list[Row[Any]]:
    """Verified, live listings on active marketplaces, marketplace by name
    (within each chunk of products: each product's own are in that order)."""
    return _in_chunks(session, _LIVE_LISTINGS, list(product_ids))


def consents(session: Session, producer_ids: Iterable[int]) -> list[Row[Any]]:
    """Consent records of these producers, oldest first (the last one counts)."""
    return _in_chunks(session, _CONSENTS, sorted(set(producer_ids)))


# --- requests per address, shared ---------------------------------------------------


def exchange_hits(
    conn: Connection, hits: Mapping[str, int], minute: int, addresses: Iterable[str]
) -> dict[str, int]:
    """Add this worker's ``hits`` in ``minute`` (one UPSERT), then every worker's
    hits of ``addresses`` in that minute and the one before, per address."""
    if hits:
        insert = (
            postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        )
        stmt = insert(PublicHits).values(
            [
                {"address": address, "minute": minute, "hits": n}
                for address, n in sorted(hits.items())
            ]
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[PublicHits.address, PublicHits.minute],
                set_={"hits": PublicHits.hits + stmt.excluded["hits"]},
            )
        )
    totals: dict[str, int] = {}
    for part in query.chunks(sorted(set(addresses))):
        rows = conn.execute(
            select(PublicHits.address, func.sum(PublicHits.hits))
            .where(PublicHits.address.in_(part), PublicHits.minute >= minute - 1)
            .group_by(PublicHits.address)
        )
        totals.update({address: int(n) for address, n in rows})
    return totals


def forget_hits(conn: Connection, before_minute: int) -> None:
    """Delete the counts of minutes before ``before_minute``."""
    conn.execute(delete(PublicHits).where(PublicHits.minute < before_minute))


# --- scans -----------------------------------------------------------------------


def _existing(conn: Connection, product_ids: Sequence[int]) -> set[int]:
    """Which of these products still stand: one array parameter on PostgreSQL
    (a statement psycopg keeps converted), ``query.CHUNK`` ids a statement
    elsewhere."""
    dialect = conn.dialect.name
    stmt = select(Product.id).where(query.among(Product.id, "ids", Integer(), dialect))
    if dialect == "postgresql":
        return set(conn.scalars(stmt, {"ids": list(product_ids)}))
    found: set[int] = set()
    for part in query.chunks(product_ids):
        found.update(conn.scalars(stmt, {"ids": list(part)}))
    return found


def add_scans(session: Session, counts: Mapping[tuple[int, dt.date], int]) -> None:
    """Add ``counts`` to the daily totals (products gone are skipped), in key
    order, in one ``query.upsert``. It runs in a thread beside the event loop,
    so what it costs in Python holds the loop back: sent as an executemany,
    each row's values went through SQLAlchemy's and psycopg's processing one
    by one — on PostgreSQL a batch of 20,000 products held the GIL for about
    200 ms, the page's p99 — where arrays to ``unnest`` take one statement."""
    if not counts:
        return
    conn = session.connection()
    keys = sorted(counts)
    existing = _existing(conn, sorted({product_id for product_id, _ in keys}))
    query.upsert(
        conn,
        ProductScanDay.__table__,  # type: ignore[arg-type]
        ("product_id", "day"),
        "count",
        [
            {"product_id": product_id, "day": day, "count": counts[(product_id, day)]}
            for product_id, day in keys
            if product_id in existing
        ],
    )


def scans_of(
    session: Session, product_id: int, *, since: dt.date
) -> list[tuple[dt.date, int]]:
    """Daily counts of one product from ``since``, newest first."""
    rows = session.execute(
        select(ProductScanDay.day, ProductScanDay.count)
        .where(ProductScanDay.product_id == product_id, ProductScanDay.day >= since)
        .order_by(ProductScanDay.day.desc())
    )
    return [(row[0], row[1]) for row in rows]


def scan_total(session: Session, product_id: int) -> int:
    """Every scan of one product since counting began."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(ProductScanDay.count), 0)).where(
                ProductScanDay.product_id == product_id
            )
        )
        or 0
    )


# --- QR matrices ---------------------------------------------------------------------


def matrices(session: Session, product_ids: Sequence[int]) -> dict[int, Row[Any]]:
    """Kept QR matrices of these products, by product id."""
    found: dict[int, Row[Any]] = {}
    for part in query.chunks(list(product_ids)):
        stmt: Any = select(
            QrMatrix.product_id, QrMatrix.payload, QrMatrix.size, QrMatrix.bits
        ).where(QrMatrix.product_id.in_(part))
        for row in session.execute(stmt):
            found[row.product_id] = row
    return found


def matrix_row(product_id: int, url: str, size: int, bits: bytes) -> dict[str, object]:
    """The row that keeps a product's QR matrix (of ``url``, ``size`` modules a
    side, ``bits`` packed as ``cards.qr.Matrix``) for ``keep_matrices``."""
    return {
        "product_id": product_id,
        "payload": url,
        "size": size,
        "bits": bits,
        "created_at": utcnow(),
    }


def keep_matrices(session: Session, values: Sequence[Mapping[str, Any]]) -> None:
    """Insert or replace QR matrices (two printers racing write the same bytes)."""
    if not values:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(values), 200):
        stmt = insert(QrMatrix).values(list(values[start : start + 200]))
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[QrMatrix.product_id],
                set_={
                    "payload": stmt.excluded.payload,
                    "size": stmt.excluded.size,
                    "bits": stmt.excluded.bits,
                    "created_at": stmt.excluded.created_at,
                },
            )
        )
