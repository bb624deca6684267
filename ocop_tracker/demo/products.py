"""Demo products: producers of each type, products at every onboarding stage.

Product kinds are real Sóc Trăng ones (DOMAIN.md §2); producer names are
invented and marked "(demo)". Everything goes through the services, as a team
and its official would do it, so rules, history and audit hold for the demo too.
"""

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.core import clock
from ocop_tracker.demo import photos as demo_photos
from ocop_tracker.demo import sellers as demo_sellers
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding import workflow
from ocop_tracker.onboarding.models import Decision, Listing, Marketplace
from ocop_tracker.photos import readiness as photo_readiness
from ocop_tracker.photos.packs import slug
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import (
    ConsentField,
    PaymentStatus,
    Producer,
    ProducerKind,
)
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import service as product_service
from ocop_tracker.products.models import CertLevel, OcopGroup, Product, ProductKind
from ocop_tracker.sellers import repository as seller_repository
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers.models import SellerAccount, SellerStatus
from ocop_tracker.users.models import User

# A product's own steps (DOMAIN.md §4); the shop is the producer's seller account.
ALL_STEPS = ("photos", "listing", "first_order", "quality")


@dataclass
class Offer:
    """A product's wished state on one marketplace."""

    market: str
    steps: int  # how many of the product's steps are done, in order
    outcome: str = ""  # "", "verified", "rejected", "delisted", "blocked"


@dataclass
class Item:
    """A demo product with its certificate and listings."""

    name: str
    kind: ProductKind
    unit: str
    price: int
    description: str
    cert: tuple[int, str, dt.date, str, CertLevel] | None = (
        None  # stars, decision, date, authority, level
    )
    offers: list[Offer] = field(default_factory=list)


@dataclass
class Maker:
    """A demo producer and its products."""

    name: str
    kind: ProducerKind
    representative: str
    phone: str
    # (provider code, status, account number, SIM in the holder's name)
    payments: tuple[tuple[str, PaymentStatus, str | None, bool | None], ...]
    consents: tuple[ConsentField, ...]
    items: list[Item]


CATALOG: dict[str, list[Maker]] = {
    "Khóm 3": [
        Maker(
            "Cơ sở bánh pía Kim Hoa (demo)",
            ProducerKind.household,
            "Trần Kim Hoa",
            "0299 3822 101",
            (
                ("viettel_money", PaymentStatus.open, "0971234567", True),
                ("momo", PaymentStatus.guided, None, None),
            ),
            (ConsentField.display_name,),
            [
                Item(
                    "Bánh pía sầu riêng trứng muối",
                    ProductKind.ocop,
                    "hộp 500 g",
                    75000,
                    "Bánh pía nhân sầu riêng, trứng muối, làm thủ công theo cách truyền thống Sóc Trăng.",
                    (
                        4,
                        "412/QĐ-UBND",
                        dt.date(2024, 3, 12),
                        "UBND tỉnh Sóc Trăng",
                        CertLevel.province,
                    ),
                    [Offer("voso", 4, "verified"), Offer("postmart", 4, "verified")],
                ),
                Item(
                    "Lạp xưởng tươi",
                    ProductKind.ocop,
                    "kg",
                    190000,
                    "Lạp xưởng tươi Sóc Trăng, thịt heo và rượu mai quế lộ.",
                    (
                        3,
                        "1288/QĐ-UBND",
                        dt.date(2023, 12, 20),
                        "UBND thành phố Sóc Trăng",
                        CertLevel.district,
                    ),
                    [Offer("voso", 2), Offer("postmart", 1, "blocked")],
                ),
            ],
        ),
        Maker(
            "HTX bánh in Phường 5 (demo)",
            ProducerKind.cooperative,
            "Lý Văn Phát",
            "0299 3822 102",
            (("vnpt_money", PaymentStatus.applied, None, False),),
            (),
            [
                Item(
                    "Bánh in nhân đậu xanh",
                    ProductKind.specialty,
                    "hộp",
                    45000,
                    "Bánh in truyền thống dịp Tết của người Hoa và người Khmer Sóc Trăng.",
                    None,
                    [Offer("voso", 1)],
                )
            ],
        ),
        # A household at the start: two OCOP products with their photos, no
        # shop, no e-payment account yet (the team's next visit).
        Maker(
            "Hộ ông Trần Văn Sáu (demo)",
            ProducerKind.household,
            "Trần Văn Sáu",
            "0299 3822 106",
            (),
            (ConsentField.display_name,),
            [
                Item(
                    "Bánh cam Sóc Trăng",
                    ProductKind.ocop,
                    "hộp 10 cái",
                    40000,
                    "Bánh cam nhân đậu xanh, chiên giòn, làm trong ngày.",
                    (
                        3,
                        "905/QĐ-UBND",
                        dt.date(2025, 5, 20),
                        "UBND thành phố Sóc Trăng",
                        CertLevel.district,
                    ),
                ),
                Item(
                    "Tương hột nếp",
                    ProductKind.ocop,
                    "hũ 500 g",
                    35000,
                    "Tương hột nấu từ nếp và đậu nành, ủ theo cách của người Hoa Sóc Trăng.",
                    (
                        3,
                        "906/QĐ-UBND",
                        dt.date(2025, 5, 20),
                        "UBND thành phố Sóc Trăng",
                        CertLevel.district,
                    ),
                ),
            ],
        ),
    ],
    "Ấp An Thường": [
        Maker(
            "Tổ hợp tác cá kèo An Thạnh (demo)",
            ProducerKind.cooperative_group,
            "Nguyễn Văn Lực",
            "0913 555 201",
            (("mobifone_money", PaymentStatus.open, "0901112233", True),),
            (),
            [
                Item(
                    "Khô cá kèo",
                    ProductKind.ocop,
                    "kg",
                    320000,
                    "Cá kèo Cù Lao Dung phơi nắng, không chất bảo quản.",
                    (
                        3,
                        "215/QĐ-UBND",
                        dt.date(2022, 6, 10),
                        "UBND tỉnh Sóc Trăng",
                        CertLevel.province,
                    ),
                    [Offer("voso", 2, "delisted")],
                ),
                Item(
                    "Mía hấp Cù Lao Dung",
                    ProductKind.specialty,
                    "kg",
                    30000,
                    "Mía hấp đóng gói, đặc sản cù lao.",
                    None,
                    [Offer("postmart", 2, "rejected")],
                ),
            ],
        ),
    ],
    "Ấp Châu Thành": [
        Maker(
            "HTX nông nghiệp Châu Thành (demo)",
            ProducerKind.cooperative,
            "Danh Sóc",
            "0914 777 301",
            (
                ("agribank", PaymentStatus.open, "0123456789012", None),
                ("zalopay", PaymentStatus.applied, None, None),
            ),
            (ConsentField.display_name, ConsentField.phone),
            [
                Item(
                    "Gạo ST25",
                    ProductKind.ocop,
                    "túi 5 kg",
                    180000,
                    "Gạo thơm ST25 trồng theo mô hình tôm – lúa ở Trần Đề.",
                    (
                        5,
                        "1670/QĐ-TTg",
                        dt.date(2024, 12, 5),
                        "Thủ tướng Chính phủ",
                        CertLevel.central,
                    ),
                    [Offer("voso", 4, "verified"), Offer("postmart", 3, "verified")],
                )
            ],
        ),
        Maker(
            "Hộ bà Lâm Thị Ngọc (demo)",
            ProducerKind.household,
            "Lâm Thị Ngọc",
            "0914 777 302",
            (("viettel_money", PaymentStatus.guided, None, None),),
            (),
            [
                Item(
                    "Tôm khô Trần Đề",
                    ProductKind.ocop,
                    "hộp 250 g",
                    260000,
                    "Tôm đất phơi khô, bóc vỏ thủ công.",
                    (
                        3,
                        "988/QĐ-UBND",
                        dt.date(2025, 9, 15),
                        "UBND thành phố Cần Thơ",
                        CertLevel.province,
                    ),
                    [],
                )
            ],
        ),
    ],
}


def load(
    session: Session,
    *,
    hamlet: AdminUnit,
    worker: User,
    official: User,
    lines: list[str],
) -> bool:
    """The demo producers and products of one pilot hamlet; returns True if anything was added."""
    changed = False
    markets = {m.code: m for m in session.scalars(select(Marketplace))}
    food = session.scalar(select(OcopGroup).where(OcopGroup.code == "food"))
    for maker in CATALOG.get(hamlet.name, []):
        exists = session.scalar(
            select(Producer).where(
                Producer.hamlet_id == hamlet.id, Producer.name == maker.name
            )
        )
        if exists is not None:
            continue
        changed = True
        producer = producer_service.create_producer(
            session,
            worker,
            hamlet_id=hamlet.id,
            kind=maker.kind,
            name=maker.name,
            representative=maker.representative,
            phone=maker.phone,
        )
        for provider, status, number, sim in maker.payments:
            producer_service.add_payment_account(
                session,
                worker,
                producer,
                provider=provider,
                status=status,
                account_number=number,
                sim_in_holder_name=sim,
            )
        for consent in maker.consents:
            producer_service.record_consent(
                session,
                worker,
                producer,
                field=consent,
                granted=True,
                note="Phiếu đồng ý đã ký (demo)",
            )
        for item in maker.items:
            product = product_service.create_product(
                session,
                worker,
                producer_id=producer.id,
                name=item.name,
                kind=item.kind,
                group_id=food.id if food else None,
                unit=item.unit,
                price=item.price,
                description=item.description,
            )
            if item.cert:
                stars, number_, date, authority, level = item.cert
                certificate_service.add_certificate(
                    session,
                    worker,
                    product,
                    stars=stars,
                    decision_number=number_,
                    decision_date=date,
                    authority=authority,
                    level=level,
                )
            for offer in item.offers:
                _onboard(
                    session, product, markets[offer.market], offer, worker, official
                )
        lines.append(f"Chủ thể {maker.name}: {len(maker.items)} sản phẩm.")
    return changed


# URLs shaped as each marketplace's rules ask (the data seeded by the
# migrations: a shop page, a product page), for a demo name and number; and
# the signed quality commitment, kept as a document.
SHOP = "shop"
_URL_SHAPES = {
    ("voso", SHOP): "https://{domain}/{slug}-s{number}",
    ("voso", "listing"): "https://{domain}/{slug}-p{number}.html",
    ("postmart", SHOP): "https://{domain}/shop/{slug}",
    ("postmart", "listing"): "https://{domain}/p/{slug}-{number}.html",
}
_DOCUMENT = "https://drive.example.vn/ocop-demo/cam-ket-{slug}-{number}.pdf"


def evidence_url(market: Marketplace, step: str, name: str, number: int) -> str | None:
    """A plausible evidence URL of ``step`` (or ``SHOP``) on ``market`` (None
    for steps that take none)."""
    shape = _URL_SHAPES.get((market.code, step))
    if shape is None and step == "quality":
        shape = _DOCUMENT
    if shape is None:
        return None
    return shape.format(domain=market.domain, slug=slug(name), number=number)


def open_shop(
    session: Session,
    product: Product,
    market: Marketplace,
    worker: User,
    official: User,
    *,
    on: dt.date | None = None,
) -> SellerAccount:
    """The producer's seller account on ``market``, open: made, its required
    prerequisites done, claimed by the team and verified by the official.

    An account already there is left as it is. ``on``: the day the shop
    opened (the demo history's past days).
    """
    account = seller_repository.account_of(session, product.producer_id, market.id)
    if account is not None:
        return account
    producer = session.get(Producer, product.producer_id)
    assert producer is not None
    name = producer.name.replace(" (demo lịch sử)", "").replace(" (demo)", "")
    account = seller_service.create_account(
        session,
        worker,
        producer,
        marketplace_id=market.id,
        status=SellerStatus.applied,
        status_on=on,
        shop_name=name,
    )
    url = evidence_url(market, SHOP, f"{name} demo", 3100 + producer.id)
    assert url is not None
    demo_sellers.open_verified(session, account, worker, official, shop_url=url)
    if on is not None and account.status_on != on:
        account.status_on = on
        session.flush()
    return account


def _onboard(
    session: Session,
    product: Product,
    market: Marketplace,
    offer: Offer,
    worker: User,
    official: User,
) -> None:
    # Photographed first: the marketplace's photo rule records the photos step.
    demo_photos.give_photos(session, worker, product)
    listing = photo_readiness.open_listing(
        session, worker, product_id=product.id, marketplace_id=market.id
    )
    for code in ALL_STEPS[: offer.steps]:
        if code == workflow.RULE_STEP:
            continue
        if code == workflow.CLAIM_STEP:
            # The product goes on the producer's shop, which must be open.
            open_shop(session, product, market, worker, official)
        evidence = evidence_url(market, code, product.name, 700000 + product.id)
        listing = onboarding_service.record_step(
            session,
            worker,
            listing,
            step=code,
            evidence_url=evidence,
            note="Ghi nhận (demo)",
            version=listing.version,
        )
        if code == "listing" and offer.outcome in {"verified", "delisted"}:
            onboarding_service.verify(
                session,
                official,
                listing,
                decision=Decision.approved,
                version=listing.version,
            )
            listing = _reload(session, listing)
    if offer.outcome == "blocked":
        onboarding_service.block_step(
            session,
            worker,
            listing,
            step=ALL_STEPS[offer.steps],
            reason="Chờ chủ thể gửi giá bán và quy cách đóng gói.",
            version=listing.version,
        )
    elif offer.outcome == "rejected":
        onboarding_service.verify(
            session,
            official,
            listing,
            decision=Decision.rejected,
            version=listing.version,
            comment="Trang sản phẩm chưa có ảnh và giá; bổ sung rồi báo lại.",
        )
    elif offer.outcome == "delisted":
        onboarding_service.delist(
            session,
            official,
            _reload(session, listing),
            on=clock.today(),
            reason="Sàn gỡ sản phẩm vì giấy chứng nhận OCOP đã hết hạn.",
            version=_reload(session, listing).version,
        )


def _reload(session: Session, listing: Listing) -> Listing:
    session.flush()
    session.refresh(listing)
    return listing
