"""What a household's private page shows: its own products and each one's next
step in plain words, what is missing, its shops and e-payment accounts, and the
team members to call.

Only the producer the link names; no staff-only field (notes, the trail, other
producers, the shop login). A handful of statements whatever the producer's size.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.core import clock
from ocop_tracker.core.labels import labels
from ocop_tracker.core.phone import display_vn
from ocop_tracker.guides import sheets
from ocop_tracker.households import repository
from ocop_tracker.households.models import HouseholdLink
from ocop_tracker.onboarding import marketplaces, worklist
from ocop_tracker.onboarding.models import Listing, ListingStatus, MarketplaceStep
from ocop_tracker.producers import repository as producer_repository
from ocop_tracker.producers import views as producer_views
from ocop_tracker.producers.models import PaymentKind, PaymentStatus, Producer
from ocop_tracker.products import rules as product_rules
from ocop_tracker.products.models import ProductKind
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import SellerStatus
from ocop_tracker.teams.models import Position

SELLER_WORDS = labels(SellerStatus)
PAYMENT_WORDS = labels(PaymentStatus)
POSITION_WORDS = labels(Position)
POSITION_RANK = {Position.leader: 0, Position.deputy: 1, Position.member: 2}
# The e-payment sheets offered to a household with no account yet, in this order:
# Mobile Money needs no smartphone.
PAYMENT_GUIDE_ORDER = (PaymentKind.mobile_money, PaymentKind.e_wallet, PaymentKind.bank)


@dataclass(frozen=True)
class MarketLine:
    """A product on one marketplace, in the household's words."""

    domain: str
    words: str
    live: bool
    url: str | None = None
    guide: sheets.GuideLink | None = None  # the how-to sheet of the next step


@dataclass(frozen=True)
class ProductLine:
    """One of the household's products: where it stands and what is missing."""

    name: str
    stars: int | None
    markets: list[MarketLine]
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ShopLine:
    """The household's shop on one marketplace."""

    domain: str
    status: str
    is_open: bool
    url: str | None
    missing: list[str]
    guide: sheets.GuideLink | None = None  # how to open the shop, until it is open


@dataclass(frozen=True)
class Contact:
    """A team member to call."""

    name: str
    position: str
    phone: str  # as people dial it: 0912 345 678
    dial: str  # for tel: and Zalo links: 0912345678


@dataclass(frozen=True)
class HouseholdPage:
    """Everything the private page shows."""

    producer: str
    hamlet: str
    products: list[ProductLine]
    shops: list[ShopLine]
    payments: list[str]
    contacts: list[Contact]
    today: dt.date
    payment_guides: list[sheets.GuideLink] = field(default_factory=list)


def _words(state: worklist.MarketState) -> tuple[str, bool]:
    if state.kind == "none":
        return "Chưa bắt đầu đưa lên sàn", False
    if state.kind == "blocked":
        return f"Đang vướng ở bước: {state.step}", False
    if state.kind == "doing":
        return f"Việc tiếp theo: {state.step}", False
    if state.status is ListingStatus.awaiting_verification:
        return "Đã đưa lên sàn, chờ cán bộ xã xác minh", False
    if state.status is ListingStatus.listed:
        return "Đang bán trên sàn", True
    if state.status is ListingStatus.rejected:
        return "Cán bộ xã chưa duyệt: hỏi tổ công nghệ số để sửa", False
    return "Đã gỡ khỏi sàn", False


def household_page(session: Session, link: HouseholdLink) -> HouseholdPage:
    """The page of the producer the link names."""
    producer = producer_repository.get(session, link.producer_id)
    assert producer is not None  # the link goes with the producer (cascade)
    today = clock.today()
    return HouseholdPage(
        producer=producer.name,
        hamlet=area_views.get(session, producer.hamlet_id).name,
        products=_products(session, producer, today),
        shops=_shops(session, producer.id),
        payments=_payments(session, producer.id),
        contacts=_contacts(session, producer.hamlet_id),
        today=today,
        payment_guides=_payment_guides(session, producer.id),
    )


def _products(
    session: Session, producer: Producer, today: dt.date
) -> list[ProductLine]:
    products = producer_repository.products_of(session, producer.id)
    ids = [p.id for p in products]
    certs = producer_repository.certificates_of_products(session, ids)
    listings = repository.listings_of(session, ids)
    markets = marketplaces.list_marketplaces(session)
    names = worklist.step_names(markets)
    out = []
    for product in sorted(products, key=lambda p: p.name):
        mine = [c for c in certs if c.product_id == product.id]
        current = product_rules.current_certificate(mine, today)
        missing = []
        if product.kind is ProductKind.ocop:
            if current is None:
                missing.append("Chưa có giấy chứng nhận OCOP còn hạn")
            elif (current.expires_on - today).days <= product_rules.EXPIRING_DAYS:
                missing.append(
                    "Giấy chứng nhận OCOP hết hạn ngày "
                    f"{current.expires_on:%d/%m/%Y}: chuẩn bị đánh giá lại"
                )
        by_market = {
            x.marketplace_id: x for x in listings if x.product_id == product.id
        }
        lines = []
        for market, steps in markets:
            listing = by_market.get(market.id)
            if listing is None and not market.is_active:
                continue
            state = worklist.market_state(market, listing, names)
            words, live = _words(state)
            url = listing.listing_url if live and listing is not None else None
            lines.append(
                MarketLine(
                    market.domain,
                    words,
                    live,
                    url,
                    _step_guide(state, listing, steps, market.code),
                )
            )
        out.append(
            ProductLine(
                product.name,
                current.stars if current is not None else None,
                lines,
                missing,
            )
        )
    return out


def _step_guide(
    state: worklist.MarketState,
    listing: Listing | None,
    steps: Sequence[MarketplaceStep],
    market: str,
) -> sheets.GuideLink | None:
    """The how-to sheet of what the household does next on a marketplace."""
    if state.kind == "doing" and listing is not None:
        return sheets.link("step", listing.next_step, market)
    if state.kind == "none":
        first = next((s.code for s in steps if s.retired_on is None), None)
        return sheets.link("step", first, market)
    return None


def _payment_guides(session: Session, producer_id: int) -> list[sheets.GuideLink]:
    """How to open an e-payment account: every kind while the household has
    none open, else nothing."""
    accounts = producer_repository.payment_accounts(session, [producer_id]).get(
        producer_id, []
    )
    if any(a.status is PaymentStatus.open for a in accounts):
        return []
    waiting = [a.kind for a in accounts if a.status is not PaymentStatus.closed]
    kinds = waiting or list(PAYMENT_GUIDE_ORDER)
    found = (sheets.link("payment", kind.value) for kind in kinds)
    return [g for g in dict.fromkeys(found) if g is not None]


def _shops(session: Session, producer_id: int) -> list[ShopLine]:
    reads = seller_views.own_accounts(session, producer_id)
    domains = {m.id: m.domain for m, _ in marketplaces.list_marketplaces(session)}
    return [
        ShopLine(
            domain=domains.get(r.marketplace_id, r.marketplace_code),
            status=SELLER_WORDS[r.status],
            is_open=r.is_open,
            url=r.shop_url if r.is_open else None,
            missing=[] if r.is_open else seller_views.missing_required(r.checklist),
            guide=None
            if r.is_open
            else sheets.link("shop", "open", r.marketplace_code),
        )
        for r in reads
    ]


def _payments(session: Session, producer_id: int) -> list[str]:
    accounts = producer_repository.payment_accounts(session, [producer_id]).get(
        producer_id, []
    )
    return [
        f"{producer_views.mask(a) or a.provider_info.name}: "
        f"{PAYMENT_WORDS[a.status].lower()}"
        for a in accounts
        if a.status is not PaymentStatus.closed
    ]


def _contacts(session: Session, hamlet_id: int) -> list[Contact]:
    members = sorted(
        repository.team_contacts(session, hamlet_id),
        key=lambda m: (POSITION_RANK.get(m.position, 9), m.full_name),
    )
    return [
        Contact(
            name=m.full_name,
            position=POSITION_WORDS[m.position],
            phone=display_vn(m.phone),
            dial=display_vn(m.phone).replace(" ", ""),
        )
        for m in members[:3]
    ]


@dataclass(frozen=True)
class SheetFacts:
    """What the printed sheet says beside the code."""

    hamlet: str
    contact: str | None  # "Tổ trưởng Nguyễn Văn A · 0912 345 678"


def sheet_data(session: Session, producer: Producer) -> SheetFacts:
    """The hamlet and the first team member to call, for the sheet."""
    contacts = _contacts(session, producer.hamlet_id)
    first = contacts[0] if contacts else None
    return SheetFacts(
        hamlet=area_views.get(session, producer.hamlet_id).name,
        contact=f"{first.position} {first.name} · {first.phone}" if first else None,
    )


@dataclass(frozen=True)
class LinkState:
    """Whether the producer's link is live, since when, how often opened."""

    issued_at: dt.datetime
    views: int
    last_viewed_at: dt.datetime | None


def link_state(session: Session, producer: Producer) -> LinkState | None:
    """The producer's link as its page tells the team (the caller checked scope)."""
    link = repository.link_of(session, producer.id)
    if link is None:
        return None
    return LinkState(link.issued_at, link.views, link.last_viewed_at)
