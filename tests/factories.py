"""Typed helpers that build test objects through the services; flush, never commit.

Producers, products, certificates and listings are made by a factory admin of
their own (``make_actor``), not by a demo account: what a test builds does not
depend on who the demo data signs in. Names are unique unless one is given.
"""

import datetime as dt
import functools
import itertools
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core import clock
from ocop_tracker.onboarding import marketplaces, workflow
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding.models import Decision, Listing, ListingStatus
from ocop_tracker.photos import readiness as photo_readiness
from ocop_tracker.photos import service as photo_service
from ocop_tracker.photos.processing import Processed
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import rules as product_rules
from ocop_tracker.products import service as product_service
from ocop_tracker.products.models import Certificate, CertLevel, Product, ProductKind
from ocop_tracker.sellers import rules as seller_rules
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import ClaimStatus, SellerAccount, SellerStatus
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users import service as user_service
from ocop_tracker.users.models import Role, User
from tests.photos import corpus

_counter = itertools.count(1)
FACTORY_ADMIN = "nhaplieu.thu"
FACTORY_VERIFIER = "xacminh.thu"


def unit(
    session: Session,
    name: str,
    *,
    edition: Edition,
    level: Level,
    parent: str | None = None,
) -> AdminUnit:
    """A loaded unit found by its full name (and its parent's, when names repeat)."""
    stmt = select(AdminUnit).where(
        AdminUnit.name == name, AdminUnit.edition == edition, AdminUnit.level == level
    )
    found = [
        u
        for u in session.scalars(stmt)
        if parent is None or _parent_name(session, u) == parent
    ]
    assert len(found) == 1, f"{name}: {len(found)} matches"
    return found[0]


def pilot_hamlet(session: Session, name: str = "Khóm 3") -> AdminUnit:
    """A hamlet of the seeded pilot areas by name (Khóm 3, Ấp An Thường)."""
    return unit(session, name, edition=Edition.e2025, level=Level.hamlet)


def make_hamlet(
    session: Session, commune: AdminUnit, *, name: str | None = None
) -> AdminUnit:
    """A new hamlet under ``commune``, with a unique name unless one is given."""
    return area_service.add_hamlet(
        session, commune_id=commune.id, name=name or f"Ấp Thử {next(_counter)}"
    )


def make_actor(session: Session, login: str = FACTORY_ADMIN) -> User:
    """An admin account that exists only in the test's transaction (made once)."""
    user = user_repository.by_login(session, login)
    if user is None:
        user, _ = user_service.create_user(
            session,
            None,
            login=login,
            display_name=f"Người thử {login}",
            role=Role.admin,
            area_id=None,
            password=secrets.token_urlsafe(18),
        )
    return user


def make_producer(
    session: Session,
    hamlet: AdminUnit,
    *,
    kind: ProducerKind = ProducerKind.household,
    name: str | None = None,
    representative: str | None = None,
    phone: str | None = None,
    tax_code: str | None = None,
    actor: User | None = None,
) -> Producer:
    """A producer in ``hamlet``."""
    return producer_service.create_producer(
        session,
        actor or make_actor(session),
        hamlet_id=hamlet.id,
        kind=kind,
        name=name or f"Hộ Bà Sáu {next(_counter)}",
        representative=representative,
        phone=phone,
        tax_code=tax_code,
    )


def make_product(
    session: Session,
    producer: Producer,
    *,
    name: str | None = None,
    kind: ProductKind = ProductKind.ocop,
    description: str | None = None,
    gtin: str | None = None,
    stars: int | None = None,
    actor: User | None = None,
) -> Product:
    """A product of ``producer``; with ``stars``, also a certificate (``make_certificate``)."""
    product = product_service.create_product(
        session,
        actor or make_actor(session),
        producer_id=producer.id,
        name=name or f"Bánh pía sầu riêng {next(_counter)}",
        kind=kind,
        description=description,
        gtin=gtin,
    )
    if stars is not None:
        make_certificate(session, product, stars=stars, actor=actor)
    return product


def make_certificate(
    session: Session,
    product: Product,
    *,
    stars: int = 4,
    decision_date: dt.date | None = None,
    expires_on: dt.date | None = None,
    revoked_on: dt.date | None = None,
    level: CertLevel | None = None,
    score: int | None = None,
    number: str | None = None,
    actor: User | None = None,
) -> Certificate:
    """A certificate of ``product``, decided 200 days ago unless told; revoked when
    ``revoked_on`` is given."""
    who = actor or make_actor(session)
    decided = decision_date or clock.today() - dt.timedelta(days=200)
    cert = certificate_service.add_certificate(
        session,
        who,
        product,
        stars=stars,
        decision_number=number or f"{1300 + next(_counter)}/QĐ-UBND",
        decision_date=decided,
        authority="UBND tỉnh Sóc Trăng",
        level=level or min(product_rules.allowed_levels(stars, decided)),
        score=score,
        expires_on=expires_on,
    )
    if revoked_on is not None:
        cert = certificate_service.revoke_certificate(
            session,
            who,
            product,
            cert.id,
            revoked_on=revoked_on,
            reason="Thu hồi theo quyết định của tỉnh",
            version=cert.version,
        )
    return cert


def evidence_urls(product: Product, marketplace: str) -> dict[str, str]:
    """A product page of this product on a seeded marketplace, shaped as its
    seeded URL rule asks, unique to the product; and a link to its signed
    quality commitment."""
    p = product.id
    document = {"quality": f"https://drive.example.vn/cam-ket-chat-luong-{p}.pdf"}
    if marketplace == "voso":
        return {
            workflow.CLAIM_STEP: f"https://voso.vn/san-pham-{p}-p{p}.html"
        } | document
    if marketplace == "postmart":
        return {
            workflow.CLAIM_STEP: f"https://postmart.vn/p/san-pham-{p}-{p}.html"
        } | document
    return document


def ensure_seller_open(
    session: Session, product: Product, marketplace: str, actor: User | None = None
) -> None:
    """The product's producer has an open seller account on the marketplace
    (made and verified if it has none): the listing step requires it."""
    market = marketplaces.resolve(session, marketplace)
    account = session.scalar(
        select(SellerAccount).where(
            SellerAccount.producer_id == product.producer_id,
            SellerAccount.marketplace_id == market.id,
        )
    )
    producer = session.get(Producer, product.producer_id)
    assert producer is not None
    if account is None:
        make_seller_account(session, producer, marketplace, actor=actor)
    elif account.status is not SellerStatus.open:
        open_seller_account(session, account, producer, marketplace, actor=actor)


def make_listing(
    session: Session,
    product: Product,
    marketplace: str = "voso",
    *,
    status: ListingStatus = ListingStatus.listed,
    url: str | None = None,
    actor: User | None = None,
) -> Listing:
    """``product`` on a seeded marketplace (``voso``, ``postmart``), taken through
    the steps to ``status``: in progress (opened), awaiting verification (every
    step to the claim done), listed or rejected (the claim decided by a second
    admin, since nobody verifies their own claim)."""
    if status is ListingStatus.delisted:
        raise ValueError("delist a listed listing with onboarding_service.delist")
    who = actor or make_actor(session)
    market = marketplaces.resolve(session, marketplace)
    listing = onboarding_service.create_listing(
        session, who, product_id=product.id, marketplace_id=market.id
    )
    if status is ListingStatus.in_progress:
        return listing
    # The listing step needs the producer's shop open on the marketplace.
    ensure_seller_open(session, product, marketplace, who)
    # The photos step records itself from the marketplace's photo rule.
    meet_photo_rule(session, who, product)
    session.refresh(listing)
    steps = marketplaces.step_defs(session, market.id)
    evidence = {s.code: s.url_example for s in steps if s.url_example}
    evidence.update(evidence_urls(product, marketplace))
    if url is not None:
        evidence[workflow.CLAIM_STEP] = url
    for step in steps:
        if step.code == workflow.RULE_STEP:
            continue
        listing = onboarding_service.record_step(
            session,
            who,
            listing,
            step=step.code,
            evidence_url=evidence.get(step.code),
            version=listing.version,
        )
        if step.code == workflow.CLAIM_STEP:
            break
    if status is ListingStatus.awaiting_verification:
        return listing
    rejected = status is ListingStatus.rejected
    onboarding_service.verify(
        session,
        make_actor(session, FACTORY_VERIFIER),
        listing,
        decision=Decision.rejected if rejected else Decision.approved,
        comment="Trang sản phẩm chưa có ảnh; bổ sung rồi báo lại."
        if rejected
        else None,
        version=listing.version,
    )
    return listing


def shop_url(producer: Producer, marketplace: str) -> str:
    """A shop page of this producer on a seeded marketplace, as its URL rule asks."""
    n = producer.id
    if marketplace == "voso":
        return f"https://voso.vn/ho-san-xuat-{n}-s{n}"
    return f"https://postmart.vn/shop/ho-san-xuat-{n}"


def make_seller_account(
    session: Session,
    producer: Producer,
    marketplace: str = "voso",
    *,
    status: SellerStatus = SellerStatus.open,
    actor: User | None = None,
) -> SellerAccount:
    """``producer``'s account on a seeded marketplace (``voso``, ``postmart``) in
    ``status``: one a team sets by hand (``not_started``, ``preparing``,
    ``applied``), or ``open`` (every required prerequisite done, the claim
    verified by a second admin, since nobody verifies their own claim)."""
    who = actor or make_actor(session)
    market = marketplaces.resolve(session, marketplace)
    if status in seller_rules.STARTS:
        return seller_service.create_account(
            session, who, producer, marketplace_id=market.id, status=status
        )
    if status is not SellerStatus.open:
        raise ValueError("move an open account on with seller_service.update_account")
    account = seller_service.create_account(
        session, who, producer, marketplace_id=market.id, status=SellerStatus.applied
    )
    return open_seller_account(session, account, producer, marketplace, actor=who)


def open_seller_account(
    session: Session,
    account: SellerAccount,
    producer: Producer,
    marketplace: str,
    *,
    actor: User | None = None,
) -> SellerAccount:
    """Open an account not open yet: the required checklist done, the claim made
    (unless one is pending) and verified by a second admin."""
    who = actor or make_actor(session)
    market = marketplaces.resolve(session, marketplace)
    if account.claim_status is ClaimStatus.pending:
        seller_service.verify(
            session,
            make_actor(session, FACTORY_VERIFIER),
            account,
            decision=Decision.approved,
            version=account.version,
        )
        return account
    for item in seller_views.prerequisites(session, market.id, active_only=True):
        if item.required:
            seller_service.set_item(
                session, who, account, item_code=item.code, done=True
            )
    seller_service.claim_open(
        session,
        who,
        account,
        shop_url=shop_url(producer, marketplace),
        version=account.version,
    )
    seller_service.verify(
        session,
        make_actor(session, FACTORY_VERIFIER),
        account,
        decision=Decision.approved,
        version=account.version,
    )
    return account


@functools.cache
def _rule_photos() -> list[tuple[bytes, Processed]]:
    """Three distinct 800×800 photos, decoded once for the whole run."""
    datas = [corpus.plain_jpeg(800, 800, seed=900 + n) for n in range(3)]
    return [(data, photo_service.process(data)) for data in datas]


def meet_photo_rule(session: Session, who: User, product: Product) -> None:
    """Give the product three photos ≥ 800 px (the first is main), through the
    real upload path: every listing's "photos" step records itself."""
    target = photo_service.Target(product)
    for data, processed in _rule_photos():
        photo_service.upload(session, who, target, data, processed=processed)
    photo_readiness.sync_steps(session, who, product)


def _parent_name(session: Session, child: AdminUnit) -> str | None:
    parent = session.get(AdminUnit, child.parent_id) if child.parent_id else None
    return parent.name if parent else None
