"""Demo history: months of onboarding in the pilot hamlets, for trends and reports.

The demo products are written "today"; this adds, per pilot hamlet, a cooperative
whose products were certified, photographed, put on voso.vn and postmart.vn
and verified over 2025–2026, through the same services a team would use. The
clock of those writes is moved back (the audit trail and the onboarding
service's timestamps), so the trail reads as if the work happened then and
every report "as of" a past day sees it. Past months also get their monthly
reports submitted (mostly on time, one late, one corrected). Idempotent: a
second run finds the cooperatives and changes nothing.
"""

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas import rules as area_rules
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.audit import listener as audit_listener
from ocop_tracker.core import clock
from ocop_tracker.demo import photos as demo_photos
from ocop_tracker.demo.products import evidence_url, open_shop
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding import workflow
from ocop_tracker.onboarding.models import Decision, Listing, Marketplace
from ocop_tracker.photos import readiness as photo_readiness
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import (
    PaymentStatus,
    Producer,
    ProducerKind,
)
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import rules as product_rules
from ocop_tracker.products import service as product_service
from ocop_tracker.products.models import OcopGroup, ProductKind
from ocop_tracker.reports import rules as report_rules
from ocop_tracker.reports import service as report_service
from ocop_tracker.reports.models import ReportSubmission
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users.models import User

SEED = 20250701
# A product's own steps (DOMAIN.md §4); the shop opens on the producer first.
STEPS = ("photos", "listing", "first_order", "quality")
# Real Sóc Trăng product kinds (DOMAIN.md §2); the cooperatives are invented.
PRODUCTS = (
    ("Kẹo dừa sáp", 3),
    ("Lạp xưởng mai quế lộ", 3),
    ("Hành tím Vĩnh Châu sấy", 4),
    ("Khô cá sặc", 3),
    ("Củ cải muối", 3),
    ("Gạo thơm", 4),
    ("Khô cá lóc", 3),
    ("Bánh in", 3),
)
FIRST_DAY = dt.date(2025, 2, 1)


def _coop_name(hamlet: AdminUnit) -> str:
    return f"HTX Nông sản {hamlet.short_name} (demo lịch sử)"


@contextmanager
def _clock() -> Iterator[Callable[[dt.date], None]]:
    """Writes inside are stamped at 09:00 on the day last set (Vietnam time)."""
    now: list[dt.datetime | None] = [None]

    def stamp() -> dt.datetime:
        return now[0] or dt.datetime.now(dt.UTC)

    def at(day: dt.date) -> None:
        now[0] = dt.datetime.combine(day, dt.time(9), tzinfo=clock.VIETNAM).astimezone(
            dt.UTC
        )

    modules = (audit_listener, onboarding_service, seller_service)
    saved = [getattr(m, "utcnow") for m in modules]  # noqa: B009
    for m in modules:
        setattr(m, "utcnow", stamp)  # noqa: B010 - demo only
    try:
        yield at
    finally:
        for m, before in zip(modules, saved, strict=True):
            setattr(m, "utcnow", before)  # noqa: B010


def _user(session: Session, login: str) -> User | None:
    return user_repository.by_login(session, login)


def load(session: Session, pilots: Sequence[tuple[AdminUnit, str]]) -> list[str]:
    """Spread the demo's events over past months; returns lines saying what changed.

    ``pilots`` are the pilot hamlets with the tail of their accounts' logins.
    """
    lines: list[str] = []
    today = clock.today()
    keys = {hamlet.id: key for hamlet, key in pilots}
    hamlets = [hamlet for hamlet, _ in pilots]
    markets = {m.code: m for m in session.scalars(select(Marketplace))}
    food = session.scalar(select(OcopGroup).where(OcopGroup.code == "food"))
    if not hamlets or "voso" not in markets or "postmart" not in markets:
        return lines
    made: list[AdminUnit] = []
    for n, hamlet in enumerate(sorted(hamlets, key=lambda h: h.id)):
        key = keys[hamlet.id]
        worker, official = (
            _user(session, f"thanhvien.{key}"),
            _user(session, f"canbo.{key}"),
        )
        if worker is None or official is None:
            continue
        name = _coop_name(hamlet)
        if session.scalar(
            select(Producer.id).where(
                Producer.hamlet_id == hamlet.id, Producer.name == name
            )
        ):
            continue
        rng = random.Random(SEED + n)
        with _clock() as at:
            _hamlet_history(
                session, rng, at, hamlet, name, worker, official, markets, food, today
            )
        made.append(hamlet)
        lines.append(
            f"Lịch sử lên sàn 2025–2026: {hamlet.name} ({len(PRODUCTS)} sản phẩm)."
        )
    if made:
        lines += _submissions(session, made, keys, today)
    return lines


def _hamlet_history(
    session: Session,
    rng: random.Random,
    at: Callable[[dt.date], None],
    hamlet: AdminUnit,
    name: str,
    worker: User,
    official: User,
    markets: dict[str, Marketplace],
    food: OcopGroup | None,
    today: dt.date,
) -> None:
    at(FIRST_DAY)
    producer = producer_service.create_producer(
        session,
        worker,
        hamlet_id=hamlet.id,
        kind=ProducerKind.cooperative,
        name=name,
        representative="Nguyễn Văn Hòa",
        phone="0299 3821 456",
    )
    at(FIRST_DAY + dt.timedelta(days=40))
    producer_service.add_payment_account(
        session,
        worker,
        producer,
        provider="viettel_money",
        status=PaymentStatus.open,
        account_number="0299382145",
        sim_in_holder_name=True,
    )
    span = (today - FIRST_DAY).days
    # One set of pictures for the cooperative's products (drawn and processed once).
    shots = demo_photos.shared_shots(name)
    for i, (title, stars) in enumerate(PRODUCTS):
        # Products arrive one after another over the months; the last ones are
        # still on their way, one is refused once, one is taken down.
        born = FIRST_DAY + dt.timedelta(
            days=int(span * i / len(PRODUCTS)) + rng.randrange(10)
        )
        at(born)
        product = product_service.create_product(
            session,
            worker,
            producer_id=producer.id,
            name=title,
            kind=ProductKind.ocop,
            group_id=food.id if food else None,
            unit="gói",
            price=rng.randrange(40, 200) * 1000,
            description="Sản phẩm của hợp tác xã (demo lịch sử).",
        )
        decided = born - dt.timedelta(days=rng.randrange(30, 400))
        level = sorted(product_rules.allowed_levels(stars, decided))[0]
        certificate_service.add_certificate(
            session,
            worker,
            product,
            stars=stars,
            decision_number=f"{1200 + 37 * i + len(hamlet.name)}/QĐ-UBND",
            decision_date=decided,
            authority=_authority(level.value, decided),
            level=level,
        )
        day = born
        for code in ("voso", "postmart"):
            if code == "postmart" and i % 3 == 2:
                continue
            day = day + dt.timedelta(days=rng.randrange(3, 15))
            if day >= today:
                break
            at(day)
            # Photographed first: the marketplace's photo rule records the photos step.
            demo_photos.give_photos(session, worker, product, shots)
            listing = photo_readiness.open_listing(
                session, worker, product_id=product.id, marketplace_id=markets[code].id
            )
            stop = 4 if i < len(PRODUCTS) - 2 else 1 + i % 3
            for step in STEPS[:stop]:
                if step == workflow.RULE_STEP:
                    continue
                day = day + dt.timedelta(days=rng.randrange(4, 20))
                if day >= today:
                    break
                at(day)
                if step == workflow.CLAIM_STEP:
                    # The cooperative's shop opened before its first product went on.
                    open_shop(session, product, markets[code], worker, official, on=day)
                url = evidence_url(markets[code], step, title, 800000 + product.id)
                listing = onboarding_service.record_step(
                    session,
                    worker,
                    listing,
                    step=step,
                    evidence_url=url,
                    note="Ghi nhận (demo lịch sử)",
                    version=listing.version,
                )
                if step == "listing":
                    day = day + dt.timedelta(days=rng.randrange(1, 6))
                    if day >= today:
                        break
                    at(day)
                    refuse = i == 1 and code == "voso"
                    onboarding_service.verify(
                        session,
                        official,
                        listing,
                        decision=Decision.rejected if refuse else Decision.approved,
                        comment="Ảnh sản phẩm mờ, chụp lại rồi báo."
                        if refuse
                        else None,
                        version=listing.version,
                    )
                    listing = _reload(session, listing)
                    if refuse:
                        break
            if i == 3 and code == "voso" and listing.status.value == "listed":
                day = day + dt.timedelta(days=60)
                if day < today:
                    at(day)
                    onboarding_service.delist(
                        session,
                        official,
                        listing,
                        on=day,
                        reason="Hết hàng, sàn tạm gỡ sản phẩm.",
                        version=listing.version,
                    )
    session.flush()


def _authority(level: str, decided: dt.date) -> str:
    """Who certified: Sóc Trăng's committees before 1/7/2025, Cần Thơ city's after."""
    if decided >= area_rules.REFORM_DATE:
        return "UBND thành phố Cần Thơ"
    return "UBND huyện" if level == "district" else "UBND tỉnh Sóc Trăng"


def _reload(session: Session, listing: Listing) -> Listing:
    session.flush()
    session.refresh(listing)
    return listing


def _submissions(
    session: Session, hamlets: list[AdminUnit], keys: dict[int, str], today: dt.date
) -> list[str]:
    """Monthly reports of the last three months, as the teams and communes sent them."""
    lines: list[str] = []
    month = today.replace(day=1)
    months = []
    for _ in range(3):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(month)
    units: list[tuple[AdminUnit, str]] = []
    for h in hamlets:
        units.append((h, f"totruong.{keys[h.id]}"))
        commune = session.get(AdminUnit, h.parent_id) if h.parent_id else None
        if commune is not None:
            units.append((commune, f"canbo.{keys[h.id]}"))
    for m_index, first in enumerate(sorted(months)):
        last = report_rules.month_end(first)
        for u_index, (unit, login) in enumerate(units):
            user = _user(session, login)
            if user is None:
                continue
            late = (m_index + u_index) % 3 == 2
            if late and m_index == len(months) - 1:
                continue  # not sent yet: the board shows it as late
            when = last + dt.timedelta(days=3 if late else 0)
            area = report_service.Area(unit.id, unit)
            report = report_service.monthly_of(session, area, first)
            versions = 2 if (m_index == 0 and u_index == 0) else 1
            for version in range(1, versions + 1):
                session.add(
                    ReportSubmission(
                        area_id=unit.id,
                        month=first,
                        version=version,
                        submitted_by_id=user.id,
                        submitted_by_name=user.display_name,
                        submitted_at=dt.datetime.combine(
                            when, dt.time(16 + version), tzinfo=clock.VIETNAM
                        ).astimezone(dt.UTC),
                        on_time=not late,
                        recipient=report.recipient,
                        note="Bổ sung số liệu sàn postmart.vn" if version > 1 else None,
                        snapshot=report.snapshot(),
                    )
                )
    session.flush()
    lines.append("Báo cáo tháng đã nộp của 3 tháng trước (có bản nộp muộn, bản sửa).")
    return lines
