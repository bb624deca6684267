"""Every SQL statement about photos, photo rules and upload keys."""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from ocop_tracker.core.db import execute_dml
from ocop_tracker.onboarding.models import Listing, Marketplace
from ocop_tracker.photos.models import Photo, PhotoKind, PhotoRule, PhotoUploadKey
from ocop_tracker.products.models import Product


def get(session: Session, photo_id: int) -> Photo | None:
    """One photo by id."""
    return session.get(Photo, photo_id)


def lock_product(session: Session, product_id: int) -> None:
    """Lock the product row for the rest of the transaction, before anything is read.

    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite has no row locks, and a
    transaction that reads and later writes fails at once ("database is
    locked") if another connection committed in between; a no-op UPDATE as the
    first statement takes the write lock up front (waiting on busy_timeout).
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            text("UPDATE products SET id = id WHERE id = :id"), {"id": product_id}
        )
        return
    session.execute(
        select(Product.id).where(Product.id == product_id).with_for_update()
    )


def product_photos(session: Session, product_id: int) -> list[Photo]:
    """A product's own photos (not evidence), main first, then by position."""
    return list(
        session.scalars(
            select(Photo)
            .where(Photo.product_id == product_id, Photo.kind == PhotoKind.product)
            .order_by(Photo.is_main.desc(), Photo.position, Photo.id)
        )
    )


def evidence_photos(
    session: Session, listing_id: int, step_code: str | None = None
) -> list[Photo]:
    """Evidence photos of a listing (or of one of its steps), by position."""
    stmt = select(Photo).where(
        Photo.listing_id == listing_id, Photo.kind == PhotoKind.evidence
    )
    if step_code is not None:
        stmt = stmt.where(Photo.step_code == step_code)
    return list(session.scalars(stmt.order_by(Photo.position, Photo.id)))


def count_product_photos(session: Session, product_id: int) -> int:
    """How many product photos a product has."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Photo)
            .where(Photo.product_id == product_id, Photo.kind == PhotoKind.product)
        )
        or 0
    )


def count_evidence(session: Session, listing_id: int, step_code: str) -> int:
    """How many evidence photos one step of a listing has."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Photo)
            .where(Photo.listing_id == listing_id, Photo.step_code == step_code)
        )
        or 0
    )


def next_position(session: Session, product_id: int) -> int:
    """The position after the product's last photo."""
    last = session.scalar(
        select(func.max(Photo.position)).where(Photo.product_id == product_id)
    )
    return int(last or 0) + 1


def by_source(session: Session, product_id: int, source_sha256: str) -> Photo | None:
    """The product's photo made from these exact uploaded bytes, if any."""
    return session.scalar(
        select(Photo).where(
            Photo.product_id == product_id, Photo.source_sha256 == source_sha256
        )
    )


def main_photo(session: Session, product_id: int) -> Photo | None:
    """The product's chosen main photo."""
    return session.scalar(
        select(Photo).where(
            Photo.product_id == product_id,
            Photo.kind == PhotoKind.product,
            Photo.is_main.is_(True),
        )
    )


# Built once (the public page reads it on every cache miss), its value bound.
_FIRST_PUBLIC = (
    select(Photo)
    .where(
        Photo.product_id == bindparam("product_id"),
        Photo.kind == PhotoKind.product,
        Photo.is_public.is_(True),
    )
    .order_by(Photo.is_main.desc(), Photo.position, Photo.id)
    .limit(1)
)


def first_public(session: Session, product_id: int) -> Photo | None:
    """The product's public photo shown first: the main one, else by position."""
    return session.scalar(_FIRST_PUBLIC, {"product_id": product_id})


def clear_main(session: Session, product_id: int) -> None:
    """No photo of the product is main any more."""
    execute_dml(
        session,
        update(Photo)
        .where(Photo.product_id == product_id, Photo.is_main.is_(True))
        .values(is_main=False)
        .execution_options(synchronize_session="fetch"),
    )


def hash_in_use(session: Session, sha256: str, *, exclude_id: int) -> bool:
    """True when another photo row points to the file with this hash."""
    found = session.scalar(
        select(Photo.id)
        .where(
            Photo.id != exclude_id,
            or_(Photo.sha256 == sha256, Photo.thumb_sha256 == sha256),
        )
        .limit(1)
    )
    return found is not None


def referenced_hashes(session: Session) -> set[str]:
    """Every file hash a photo row points to."""
    found: set[str] = set()
    for full, thumb in session.execute(select(Photo.sha256, Photo.thumb_sha256)):
        found.add(full)
        found.add(thumb)
    return found


def upload_key(session: Session, user_id: int, key: str) -> PhotoUploadKey | None:
    """What an earlier upload with this idempotency key answered."""
    return session.scalar(
        select(PhotoUploadKey).where(
            PhotoUploadKey.user_id == user_id, PhotoUploadKey.key == key
        )
    )


def purge_upload_keys(session: Session, before: dt.datetime) -> int:
    """Forget idempotency keys older than ``before``; returns how many."""
    return execute_dml(
        session, delete(PhotoUploadKey).where(PhotoUploadKey.created_at < before)
    )


def rules(session: Session) -> list[tuple[PhotoRule, Marketplace]]:
    """Every marketplace's photo rule, with its marketplace, by marketplace code."""
    rows = session.execute(
        select(PhotoRule, Marketplace)
        .join(Marketplace, Marketplace.id == PhotoRule.marketplace_id)
        .order_by(Marketplace.code)
    )
    return [(rule, market) for rule, market in rows]


def rule_of(session: Session, marketplace_id: int) -> PhotoRule | None:
    """A marketplace's photo rule."""
    return session.scalar(
        select(PhotoRule).where(PhotoRule.marketplace_id == marketplace_id)
    )


def marketplace_by_code(session: Session, code: str) -> Marketplace | None:
    """A marketplace by its code."""
    return session.scalar(select(Marketplace).where(Marketplace.code == code))


def listings_of(session: Session, product_id: int) -> Sequence[Listing]:
    """The product's listings, one per marketplace."""
    return list(
        session.scalars(
            select(Listing)
            .where(Listing.product_id == product_id)
            .order_by(Listing.marketplace_id)
        )
    )


def products_without_photos(session: Session, product_ids: Sequence[int]) -> list[int]:
    """Which of these products have no product photo yet."""
    if not product_ids:
        return []
    with_photos = set(
        session.scalars(
            select(Photo.product_id)
            .where(Photo.product_id.in_(product_ids), Photo.kind == PhotoKind.product)
            .distinct()
        )
    )
    return [pid for pid in product_ids if pid not in with_photos]
