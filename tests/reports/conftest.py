"""Report fixtures: a movable audit clock and random histories in fresh hamlets."""

import datetime as dt
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas.models import AdminUnit, AdminUnitLink, Edition, Level
from ocop_tracker.areas.rules import REFORM_DATE
from ocop_tracker.audit import listener as audit_listener
from ocop_tracker.core.clock import VIETNAM
from ocop_tracker.core.text import fold
from ocop_tracker.onboarding.models import (
    Listing,
    ListingStatus,
    Marketplace,
    StepRecord,
    StepStatus,
)
from ocop_tracker.producers.models import (
    PaymentAccount,
    PaymentKind,
    PaymentStatus,
    Producer,
    ProducerKind,
)
from ocop_tracker.products import rules as product_rules
from ocop_tracker.products.models import (
    Certificate,
    CertLevel,
    OcopGroup,
    Product,
    ProductKind,
)
from ocop_tracker.reports.rules import FUNNEL_STEPS
from ocop_tracker.sellers.models import SellerAccount, SellerActivity, SellerStatus
from ocop_tracker.teams.models import Background, Position, Team, TeamMember
from ocop_tracker.training.models import (
    CoachingStep,
    CoachingVisit,
    TrainerKind,
    TrainingAttendee,
    TrainingSession,
    TrainingTopic,
)
from tests.factories import make_hamlet, unit


class Clock:
    """The audit trail's clock, moved to a chosen Vietnam day."""

    def __init__(self) -> None:
        self.now: dt.datetime | None = None

    def at(self, day: dt.date) -> None:
        """Events from now on are stamped at 09:00 on ``day`` (Vietnam)."""
        self.now = dt.datetime.combine(day, dt.time(9), tzinfo=VIETNAM).astimezone(
            dt.UTC
        )

    def __call__(self) -> dt.datetime:
        return self.now or dt.datetime.now(dt.UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A clock for the audit trail (the rows keep their real timestamps)."""
    c = Clock()
    monkeypatch.setattr(audit_listener, "utcnow", c)
    return c


@dataclass
class RandomWorld:
    """Hamlets with random histories, and the areas to check."""

    hamlets: list[AdminUnit]
    areas: list[int] = field(default_factory=list)
    first_day: dt.date = dt.date(2023, 1, 1)


def today() -> dt.date:
    """Today in Vietnam."""
    return dt.datetime.now(VIETNAM).date()


def _days(rng: random.Random, start: dt.date, n: int, last: dt.date) -> list[dt.date]:
    span = max(1, (last - start).days)
    return sorted(start + dt.timedelta(days=rng.randrange(span)) for _ in range(n))


SHOP_PATHS = (
    [SellerStatus.preparing, SellerStatus.applied, SellerStatus.open],
    [SellerStatus.applied, SellerStatus.open, SellerStatus.suspended],
    [
        SellerStatus.applied,
        SellerStatus.open,
        SellerStatus.suspended,
        SellerStatus.open,
    ],
    [
        SellerStatus.preparing,
        SellerStatus.applied,
        SellerStatus.open,
        SellerStatus.closed,
    ],
    [SellerStatus.preparing],
)


def _random_shops(
    session: Session,
    rng: random.Random,
    producer: Producer,
    markets: Sequence[Marketplace],
    hamlets: Sequence[AdminUnit],
    born: dt.date,
    end: dt.date,
    later: Callable[[dt.date, object], None],
) -> None:
    """Seller accounts moving along a path, days often backdated or corrected,
    monthly activity, and sometimes the producer moving to another hamlet."""
    accounts: list[SellerAccount] = []
    for market in rng.sample(list(markets), rng.randrange(len(markets) + 1)):
        account = SellerAccount(
            producer_id=producer.id,
            marketplace_id=market.id,
            hamlet_id=producer.hamlet_id,
            status=SellerStatus.not_started,
            status_on=born,
        )
        accounts.append(account)
        path = rng.choice(SHOP_PATHS)
        days = _days(rng, born, 1 + len(path), end)

        def open_account(a: SellerAccount = account) -> None:
            a.hamlet_id = producer.hamlet_id  # where the producer is by then
            session.add(a)

        later(days[0], open_account)
        previous = days[0]
        for day, status in zip(days[1:], path, strict=False):
            # Often recorded late, dated back to a day since the last change.
            on = day
            if rng.random() < 0.5:
                on = previous + dt.timedelta(
                    days=rng.randrange((day - previous).days + 1)
                )

            def move(
                a: SellerAccount = account, s: SellerStatus = status, d: dt.date = on
            ) -> None:
                a.status = s
                a.status_on = d

            later(day, move)
            if rng.random() < 0.3:
                # The day of the current status corrected, earlier or later.
                fixed = max(previous, on + dt.timedelta(days=rng.randrange(-20, 20)))
                fixed = min(fixed, day)

                def correct(a: SellerAccount = account, d: dt.date = fixed) -> None:
                    a.status_on = d

                later(day, correct)
            previous = on
        month = days[0].replace(day=1)
        while month <= end:
            if rng.random() < 0.3:
                row = SellerActivity(
                    seller_account_id=0,
                    hamlet_id=producer.hamlet_id,
                    month=month,
                    orders=rng.choice((0, 1, 3, 12)),
                    revenue_vnd=rng.randrange(0, 5_000_000, 1000),
                )
                when = min(end, (month + dt.timedelta(days=40)).replace(day=1))

                def report(r: SellerActivity = row, a: SellerAccount = account) -> None:
                    r.seller_account_id = a.id
                    r.hamlet_id = a.hamlet_id
                    session.add(r)

                later(when, report)
                if rng.random() < 0.2:

                    def amend(r: SellerActivity = row) -> None:
                        r.orders += 2
                        r.revenue_vnd += 150_000

                    later(when, amend)
                elif rng.random() < 0.1:
                    later(when, lambda r=row: session.delete(r))
            month = (month + dt.timedelta(days=32)).replace(day=1)
    if accounts and rng.random() < 0.3:
        target = rng.choice(list(hamlets))

        def move_producer(p: Producer = producer, h: int = target.id) -> None:
            p.hamlet_id = h
            for a in accounts:
                if a in session:
                    a.hamlet_id = h

        later(_days(rng, born, 1, end)[0], move_producer)


def _random_training(
    session: Session,
    rng: random.Random,
    hamlets: Sequence[AdminUnit],
    communes: Sequence[AdminUnit],
    producers: Sequence[tuple[Producer, dt.date]],
    first: dt.date,
    end: dt.date,
    later: Callable[[dt.date, object], None],
) -> None:
    """Teams with members joining and leaving, sessions held in a hamlet or a
    commune with attendees added later, a session's day corrected or the
    session removed, and coaching visits."""
    members: list[tuple[TeamMember, dt.date]] = []
    for h in hamlets:
        team = Team(hamlet_id=h.id, member_count=0)
        session.add(team)
        session.flush()
        for k in range(rng.randrange(3)):
            joined = first + dt.timedelta(days=rng.randrange((end - first).days - 5))
            member = TeamMember(
                team_id=team.id,
                hamlet_id=h.id,
                full_name=f"Thành viên {h.id}-{k}",
                position=Position.member,
                background=Background.resident,
            )

            def join(m: TeamMember = member, t: Team = team) -> None:
                t.member_count += 1
                session.add(m)

            later(joined, join)
            members.append((member, joined))
            if rng.random() < 0.3:
                left = joined + dt.timedelta(days=rng.randrange(1, 200))

                def leave(m: TeamMember = member, t: Team = team) -> None:
                    t.member_count -= 1
                    session.delete(m)

                if left < end:
                    later(left, leave)
    topic = session.scalar(select(TrainingTopic.id).order_by(TrainingTopic.id))
    for k in range(rng.randrange(2, 6)):
        where = rng.choice([*hamlets, *communes])
        held = first + dt.timedelta(days=rng.randrange((end - first).days - 5))
        row = TrainingSession(
            area_id=where.id,
            held_on=held,
            topic_id=topic,
            place=f"Hội trường {k}",
            trainer_kind=TrainerKind.partner,
            trainer_name="Bưu điện",
        )
        later(held, lambda r=row: session.add(r))
        under = {where.id} | {h.id for h in hamlets if h.parent_id == where.id}
        people = [p for p, born in producers if p.hamlet_id in under and born <= held]
        staff = [m for m, joined in members if m.hamlet_id in under and joined <= held]
        chosen_p = rng.sample(people, min(len(people), rng.randrange(4)))
        chosen_m = rng.sample(staff, min(len(staff), rng.randrange(3)))
        recorded = min(end, held + dt.timedelta(days=rng.randrange(0, 20)))

        def attend(
            r: TrainingSession = row,
            ps: list[Producer] = chosen_p,
            ms: list[TeamMember] = chosen_m,
        ) -> None:
            alive = set(session.scalars(select(TeamMember.id)))
            seated = [m for m in ms if m.id in alive]
            for p in ps:
                session.add(TrainingAttendee(session_id=r.id, producer_id=p.id))
            for m in seated:
                session.add(TrainingAttendee(session_id=r.id, member_id=m.id))
            r.attendee_count = len(ps) + len(seated)

        later(recorded, attend)
        if rng.random() < 0.3:
            fixed = held + dt.timedelta(days=rng.randrange(-40, 40))

            def correct(r: TrainingSession = row, d: dt.date = fixed) -> None:
                r.held_on = min(d, end)

            later(min(end, recorded + dt.timedelta(days=3)), correct)
        elif rng.random() < 0.15:

            def drop(r: TrainingSession = row) -> None:
                for a in session.scalars(
                    select(TrainingAttendee).where(TrainingAttendee.session_id == r.id)
                ):
                    session.delete(a)
                session.flush()
                session.delete(r)

            later(min(end, recorded + dt.timedelta(days=5)), drop)
    for p, born in producers:
        if rng.random() < 0.3:
            day = born + dt.timedelta(days=rng.randrange(max(1, (end - born).days)))
            visit = CoachingVisit(
                producer_id=p.id,
                hamlet_id=p.hamlet_id,
                visited_on=day,
                step=CoachingStep.payment,
                coach_name="Tổ trưởng",
            )
            later(day, lambda v=visit: session.add(v))


def build_random(
    session: Session, clock: Clock, rng: random.Random, *, products: int = 24
) -> RandomWorld:
    """Producers, products, certificates, listings, steps and payments at random."""
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    anthuong = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    # The pilots' communes of the plan's (2022) map, so re-homing moves these
    # hamlets as it moved the pilots.
    communes = [
        area_repository.ancestors(
            session, h.id, day=REFORM_DATE - dt.timedelta(days=1)
        )[-1]
        for h in (khom3, anthuong)
    ]
    hamlets = [make_hamlet(session, c) for c in communes for _ in range(2)]
    markets = session.scalars(select(Marketplace).order_by(Marketplace.id)).all()
    groups = session.scalars(select(OcopGroup.id)).all()
    end = today()
    first = dt.date(2023, 1, 1)
    actions: list[tuple[dt.date, int, object]] = []
    seq = 0

    def later(day: dt.date, fn: object) -> None:
        nonlocal seq
        seq += 1
        actions.append((day, seq, fn))

    producers: list[tuple[Producer, dt.date]] = []
    for n in range(products):
        hamlet = rng.choice(hamlets)
        born = first + dt.timedelta(days=rng.randrange((end - first).days - 5))
        clock.at(born)
        pname = f"Hộ Ngẫu Nhiên {n} {secrets.token_hex(3)}"
        producer = Producer(
            hamlet_id=hamlet.id,
            kind=rng.choice(list(ProducerKind)),
            name=pname,
            search_key=fold(pname),
        )
        session.add(producer)
        session.flush()
        producers.append((producer, born))
        kind = rng.choices(list(ProductKind), weights=(6, 2, 2))[0]
        product = Product(
            producer_id=producer.id,
            hamlet_id=hamlet.id,
            name=f"Sản phẩm {n}",
            kind=kind,
            group_id=rng.choice(groups),
            public_code=secrets.token_urlsafe(16),
            search_key=fold(f"san pham {n}"),
        )
        session.add(product)
        session.flush()
        if rng.random() < 0.6:
            acct_days = _days(rng, born, 2, end)
            account = PaymentAccount(
                producer_id=producer.id,
                hamlet_id=hamlet.id,
                provider="viettel_money",
                kind=PaymentKind.mobile_money,
                status=PaymentStatus.applied,
                sim_in_holder_name=True,
            )

            def open_account(a: PaymentAccount = account) -> None:
                a.status = PaymentStatus.open

            later(acct_days[0], lambda a=account: session.add(a))
            later(acct_days[1], open_account)
        _random_shops(session, rng, producer, markets, hamlets, born, end, later)
        if kind is ProductKind.ocop:
            for c in range(rng.choice((0, 1, 1, 2))):
                decided = dt.date(2021, 1, 1) + dt.timedelta(
                    days=rng.randrange((end - dt.date(2021, 1, 1)).days)
                )
                expires = product_rules.default_expiry(decided)
                revoked = None
                if rng.random() < 0.2:
                    revoked = decided + dt.timedelta(
                        days=rng.randrange(max(1, (min(end, expires) - decided).days))
                    )
                session.add(
                    Certificate(
                        product_id=product.id,
                        hamlet_id=hamlet.id,
                        stars=rng.choice((3, 4, 5)),
                        decision_number=f"{n}-{c}/QĐ-UBND",
                        decision_date=decided,
                        authority="UBND tỉnh",
                        level=CertLevel.province,
                        expires_on=expires,
                        revoked_on=revoked,
                    )
                )
        for market in rng.sample(list(markets), rng.randrange(len(markets) + 1)):
            listing = Listing(
                product_id=product.id,
                marketplace_id=market.id,
                hamlet_id=hamlet.id,
                status=ListingStatus.in_progress,
            )
            path = [ListingStatus.awaiting_verification, ListingStatus.listed]
            if rng.random() < 0.4:
                path += [ListingStatus.delisted, ListingStatus.awaiting_verification]
                path += [ListingStatus.listed] if rng.random() < 0.5 else []
            if rng.random() < 0.3:
                path = [ListingStatus.awaiting_verification, ListingStatus.rejected]
            steps = rng.sample(FUNNEL_STEPS, rng.randrange(len(FUNNEL_STEPS) + 1))
            days = _days(rng, born, 1 + len(path) + len(steps), end)
            later(days[0], lambda x=listing: session.add(x))
            moves = list(zip(days[1 : 1 + len(path)], path, strict=False))
            verified_on: dt.date | None = None
            for day, status in moves:
                # A delisting is often recorded late, dated back to any day
                # since the verification (the service's rule).
                gone = day
                if status is ListingStatus.listed:
                    verified_on = day
                elif (
                    status is ListingStatus.delisted
                    and verified_on is not None
                    and rng.random() < 0.6
                ):
                    gone = verified_on + dt.timedelta(
                        days=rng.randrange((day - verified_on).days + 1)
                    )

                def move(
                    x: Listing = listing, s: ListingStatus = status, d: dt.date = gone
                ) -> None:
                    if s is ListingStatus.awaiting_verification:
                        # A new claim: the last verification and delisting go.
                        x.verified_at = None
                        x.delisted_on = None
                    x.status = s
                    if s is ListingStatus.listed:
                        x.verified_at = clock()
                    if s is ListingStatus.delisted:
                        x.delisted_on = d

                later(day, move)
            for day, code in zip(days[1 + len(path) :], steps, strict=False):
                record = StepRecord(
                    listing_id=0,
                    hamlet_id=hamlet.id,
                    step_code=code,
                    status=rng.choice((StepStatus.done, StepStatus.blocked)),
                )

                def add_step(r: StepRecord = record, x: Listing = listing) -> None:
                    r.listing_id = x.id
                    session.add(r)

                later(day, add_step)
                if record.status is StepStatus.blocked and rng.random() < 0.5:

                    def unblock(r: StepRecord = record) -> None:
                        r.status = StepStatus.done

                    later(min(end, day + dt.timedelta(days=20)), unblock)
    _random_training(session, rng, hamlets, communes, producers, first, end, later)
    session.flush()
    for day, _, fn in sorted(actions, key=lambda a: (a[0], a[1])):
        clock.at(day)
        fn()  # type: ignore[operator]
        session.flush()
    clock.now = None
    session.commit()
    areas = {0} | set(
        session.scalars(
            select(AdminUnitLink.ancestor_id).where(
                AdminUnitLink.descendant_id.in_([h.id for h in [*hamlets, khom3]])
            )
        )
    )
    return RandomWorld(hamlets=hamlets, areas=sorted(areas), first_day=first)
