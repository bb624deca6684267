"""Exports of products, certificates and listings: the rows the user may see."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.audit.listener import record
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth.scope import area_filter, ensure_area_readable
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.errors import TooManyRequests
from ocop_tracker.exports.writer import Cell
from ocop_tracker.onboarding.models import Listing, Marketplace
from ocop_tracker.producers.models import Producer
from ocop_tracker.products import rules as product_rules
from ocop_tracker.products.models import Certificate, Product
from ocop_tracker.users.models import User

EXPORTS_PER_HOUR = 10


class Dataset(StrEnum):
    """What can be exported."""

    products = "products"
    certificates = "certificates"
    listings = "listings"


@dataclass
class Table:
    """A header and its rows, ready for a writer."""

    title: str
    header: list[str]
    rows: list[list[Cell]]


def _check_rate(session: Session, user: User) -> None:
    since = utcnow() - dt.timedelta(hours=1)
    done = (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "export",
                AuditEvent.actor_id == user.id,
                AuditEvent.at >= since,
            )
        )
        or 0
    )
    if done >= EXPORTS_PER_HOUR:
        raise TooManyRequests(
            f"Mỗi giờ chỉ được xuất tối đa {EXPORTS_PER_HOUR} tệp. Vui lòng thử lại sau.",
            retry_after=3600,
        )


def _places(session: Session, hamlet_ids: set[int]) -> dict[int, list[str]]:
    units = [
        u for u in (session.get(AdminUnit, i) for i in hamlet_ids) if u is not None
    ]
    chains = area_views.ancestors_of(session, units)
    return {u.id: [u.name, *(a.name for a in reversed(chains[u.id]))] for u in units}


def build(
    session: Session,
    user: User,
    dataset: Dataset,
    *,
    area_id: int | None,
    today: dt.date,
) -> Table:
    """The rows of ``dataset`` inside the user's area (and ``area_id``, if given)."""
    _check_rate(session, user)
    if area_id is not None:
        ensure_area_readable(session, user, area_id)
    products_stmt = (
        select(Product, Producer)
        .join(Producer, Producer.id == Product.producer_id)
        .where(area_filter(user, Product.hamlet_id))
    )
    if area_id is not None:
        products_stmt = products_stmt.where(
            Product.hamlet_id.in_(area_repository.subtree_ids(area_id, day=today))
        )
    pairs = [
        (row[0], row[1]) for row in session.execute(products_stmt.order_by(Product.id))
    ]
    ids = [p.id for p, _ in pairs]
    certs: dict[int, list[Certificate]] = {}
    for cert in session.scalars(
        select(Certificate)
        .where(Certificate.product_id.in_(ids))
        .order_by(Certificate.id)
    ):
        certs.setdefault(cert.product_id, []).append(cert)
    places = _places(session, {p.hamlet_id for p, _ in pairs})
    table = _table(session, dataset, pairs, certs, places, today)
    record(
        session,
        "export",
        object_type=dataset.value,
        area_id=area_id or user.area_id,
        detail=f"dataset={dataset.value} area_id={area_id} rows={len(table.rows)}",
    )
    return table


def _place(places: dict[int, list[str]], hamlet_id: int) -> list[Cell]:
    names = places.get(hamlet_id, [])
    return [", ".join(names)]


def _table(
    session: Session,
    dataset: Dataset,
    pairs: Sequence[tuple[Product, Producer]],
    certs: dict[int, list[Certificate]],
    places: dict[int, list[str]],
    today: dt.date,
) -> Table:
    if dataset is Dataset.products:
        rows: list[list[Cell]] = []
        for product, producer in pairs:
            cert, status = product_rules.standing(certs.get(product.id, []), today)
            rows.append(
                [
                    product.public_code,
                    product.name,
                    product.kind.value,
                    producer.name,
                    producer.kind.value,
                    *_place(places, product.hamlet_id),
                    cert.stars if cert else None,
                    status.value if status else None,
                    cert.expires_on if cert else None,
                    product.gtin,
                    product.unit,
                    product.price,
                ]
            )
        return Table(
            "San pham",
            [
                "Mã công khai",
                "Tên sản phẩm",
                "Loại",
                "Chủ thể",
                "Loại hình chủ thể",
                "Địa bàn",
                "Số sao",
                "Tình trạng chứng nhận",
                "Hết hạn",
                "GTIN",
                "Đơn vị",
                "Giá",
            ],
            rows,
        )
    if dataset is Dataset.certificates:
        names = {p.id: p.name for p, _ in pairs}
        rows = [
            [
                names[c.product_id],
                c.decision_number,
                c.decision_date,
                c.stars,
                c.score,
                c.level.value,
                c.authority,
                c.expires_on,
                c.revoked_on,
                product_rules.status_of(c, today).value,
            ]
            for product_id in names
            for c in certs.get(product_id, [])
        ]
        return Table(
            "Chung nhan",
            [
                "Sản phẩm",
                "Số quyết định",
                "Ngày quyết định",
                "Số sao",
                "Điểm",
                "Cấp",
                "Cơ quan công nhận",
                "Hết hạn",
                "Thu hồi",
                "Tình trạng",
            ],
            rows,
        )
    where = {p.id: (p.name, p.hamlet_id) for p, _ in pairs}
    stmt = (
        select(Listing, Marketplace.name)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .where(Listing.product_id.in_(list(where)))
        .order_by(Listing.id)
    )
    rows = [
        [
            where[listing.product_id][0],
            market,
            *_place(places, where[listing.product_id][1]),
            listing.status.value,
            listing.next_step,
            listing.storefront_url,
            listing.listing_url,
            listing.verified_at.date() if listing.verified_at else None,
            listing.delisted_on,
        ]
        for listing, market in session.execute(stmt)
    ]
    return Table(
        "Gian hang",
        [
            "Sản phẩm",
            "Sàn",
            "Địa bàn",
            "Trạng thái",
            "Bước tiếp theo",
            "Gian hàng",
            "Trang sản phẩm",
            "Ngày xác minh",
            "Ngày gỡ",
        ],
        rows,
    )
